#include "pager.hpp"

#include <initializer_list>

#include "../runtime/runtime.hpp"

namespace amber {
namespace {

constexpr uint64_t page_size = 4096;

amber_ipc_message receive_descriptor(amber_fault_message& report) {
    amber_ipc_message m{};
    m.buffer_count = 1;
    m.buffers[0] = {reinterpret_cast<uint64_t>(&report), sizeof report};
    return m;
}

} // namespace

amber_status Pager::start(void* stack, size_t stack_size) {
    SyscallReturn set = sys::port_set_create(0);
    if (!set.ok()) return set.status;
    set_ = static_cast<amber_handle_t>(set.value);
    amber_status status = AMBER_OK;
    thread_ = static_cast<amber_handle_t>(start_thread(serve, this, stack, stack_size, &status));
    return status;
}

amber_status Pager::keep(amber_handle_t space, uint64_t base, uint64_t size, uint32_t protection) {
    unsigned index = range_count_;
    if (index == max_ranges) return AMBER_ERR_LIMIT;
    amber_port_state port_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, index + 1, 0}; // badge: the range
    SyscallReturn port = sys::port_create(&port_state);
    if (!port.ok()) return port.status;
    Range& r = ranges_[index];
    r = {space, 0, static_cast<amber_handle_t>(port.value), base, size, protection, true};
    amber_region_state region_state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, base, size, protection, 0};
    SyscallReturn region = sys::region_create(space, &region_state);
    amber_status status = region.status;
    if (status == AMBER_OK) {
        r.region = static_cast<amber_handle_t>(region.value);
        status = sys::port_attach(r.port, set_).status;
    }
    if (status == AMBER_OK) status = sys::region_set_keeper(r.region, r.port).status;
    if (status != AMBER_OK) {
        for (amber_handle_t h : {r.region, r.port}) {
            if (h == 0) continue;
            sys::object_destroy(h);
            sys::handle_close(h);
        }
        return status;
    }
    __atomic_store_n(&range_count_, index + 1, __ATOMIC_RELEASE); // the serving thread may use it now
    return AMBER_OK;
}

amber_status Pager::forget(amber_handle_t space, uint64_t base) {
    for (unsigned i = 0; i < range_count_; ++i) {
        Range& r = ranges_[i];
        if (!r.live || r.space != space || r.base != base) continue;
        r.live = false;
        for (amber_handle_t h : {r.region, r.port}) {
            sys::object_destroy(h);
            sys::handle_close(h);
        }
        return AMBER_OK;
    }
    return AMBER_ERR_INVALID_ARGUMENT;
}

const Pager::Range* Pager::covering(amber_handle_t space, uint64_t base, uint64_t size) const {
    for (unsigned i = 0; i < range_count_; ++i) {
        const Range& r = ranges_[i];
        if (r.live && r.space == space && base >= r.base && size <= r.size && base - r.base <= r.size - size) return &r;
    }
    return nullptr;
}

amber_status Pager::clone(amber_handle_t target, uint64_t to, amber_handle_t source, uint64_t from, uint64_t size) {
    if (covering(target, to, size) == nullptr || covering(source, from, size) == nullptr) {
        return AMBER_ERR_INVALID_ARGUMENT; // a write there would have no keeper to copy the page
    }
    return sys::memory_clone(target, to, source, from, size).status; // restarts inside until done
}

// Answers one fault; false if it cannot be resolved (retrying would fault again).
bool Pager::resolve(const Range& range, const amber_fault_message& fault) {
    uint64_t page = fault.address & ~(page_size - 1);
    if (fault.address - range.base >= range.size) return false;
    if ((fault.error_code & AMBER_FAULT_PRESENT) == 0) {
        amber_status status = sys::memory_allocate(range.space, page, page_size, range.protection).status;
        if (status == AMBER_OK) zero_fills = zero_fills + 1;
        return status == AMBER_OK || status == AMBER_ERR_EXISTS; // EXISTS: it came meanwhile
    }
    if ((fault.error_code & AMBER_FAULT_WRITE) == 0) return false;
    SyscallReturn unshared = sys::memory_unshare(range.space, page);
    if (!unshared.ok()) return false;
    unshares = unshares + 1;
    return (unshared.value & AMBER_PROT_WRITE) != 0; // not if the area itself is read-only
}

// Stops the thread `thread_id` of the range's space (object_get_state stops a thread), if there.
void Pager::stop_thread(const Range& range, uint64_t thread_id) {
    amber_handle_t threads[16];
    SyscallReturn listed = sys::space_get_threads(range.space, threads, 16);
    if (!listed.ok()) return;
    uint64_t count = listed.value < 16 ? listed.value : 16;
    for (uint64_t i = 0; i < count; ++i) {
        amber_handle_info info{};
        if (sys::object_info(threads[i], &info).ok() && info.id == thread_id) {
            amber_thread_state state{};
            sys::object_get_state(threads[i], &state, sizeof state);
        }
        sys::handle_close(threads[i]);
    }
}

void Pager::serve(void* self) {
    auto& pager = *static_cast<Pager*>(self);
    amber_fault_message report{};
    amber_ipc_message in = receive_descriptor(report);
    amber_ipc_message out{};
    SyscallReturn r = sys::ipc_wait_receive(pager.set_, &in);
    for (;;) {
        if (r.status == AMBER_ERR_DESTROYED) sys::thread_exit();
        if (r.ok()) {
            pager.last_fault = report;
            pager.faults = pager.faults + 1;
            uint64_t index = in.badge - 1;
            unsigned count = __atomic_load_n(&pager.range_count_, __ATOMIC_ACQUIRE);
            const Range* range = index < count && pager.ranges_[index].live ? &pager.ranges_[index] : nullptr;
            bool whole = in.transferred == sizeof report;
            if (range == nullptr || !whole || !pager.resolve(*range, report)) {
                pager.unresolved = pager.unresolved + 1;
                if (range != nullptr && whole) pager.stop_thread(*range, report.thread_id);
            }
        }
        in = receive_descriptor(report);
        r = r.ok() ? sys::ipc_reply_wait_receive(&out, pager.set_, &in) : sys::ipc_wait_receive(pager.set_, &in);
    }
}

} // namespace amber
