#include "ipc.hpp"

#include <amber/abi.h>
#include <arch/platform.hpp>

#include "mapping_faults.hpp"
#include "objects.hpp"
#include "scheduler.hpp"
#include "user_memory.hpp"

namespace kernel {
namespace {

uint64_t total_length(const amber_ipc_message& m) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < m.buffer_count; ++i) total += m.buffers[i].length;
    return total;
}

// The buffer and offset of byte `position` of a message; index == buffer_count at the end.
void locate(const amber_ipc_message& m, uint64_t position, uint32_t& index, uint64_t& offset) {
    index = 0;
    while (index < m.buffer_count && position >= m.buffers[index].length) position -= m.buffers[index++].length;
    offset = position;
}

uint8_t* page_pointer(Space& space, uint64_t address, bool write, uint64_t& room) {
    uint64_t physical;
    arch::Access access;
    if (!space.page_table.lookup(address, physical, access)) return nullptr;
    if (write && !arch::has(access, arch::Access::Write)) return nullptr;
    room = arch::page_size - (address % arch::page_size);
    return static_cast<uint8_t*>(arch::physical_to_virtual(physical));
}

} // namespace

amber_status load_message(Space& space, uint64_t address, Message& message) {
    message.space = &space;
    message.address = address;
    amber_ipc_message& m = message.descriptor;
    if (!copy_from_writable_user(space, &m, address, sizeof m)) return AMBER_ERR_BAD_ADDRESS; // we write it back
    if (m.buffer_count > AMBER_IPC_MAX_BUFFERS || m.handle_count > AMBER_IPC_MAX_HANDLES || m.reserved0 != 0) {
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    for (uint32_t i = 0; i < m.buffer_count; ++i) {
        const amber_ipc_buffer& b = m.buffers[i];
        if (b.length != 0 &&
            (b.address < AMBER_USER_MIN || b.address >= AMBER_USER_MAX || b.length > AMBER_USER_MAX - b.address)) {
            return AMBER_ERR_BAD_ADDRESS;
        }
    }
    if (m.transferred > total_length(m)) m.transferred = 0;
    return AMBER_OK;
}

bool store_message(const Message& message) {
    return copy_to_user(*message.space, message.address, &message.descriptor, sizeof message.descriptor);
}

namespace {
CopyFault copy_fault;
} // namespace

CopyFault last_copy_fault() { return copy_fault; }

CopyEnd copy_message(Message& from, Message& to, bool& forced) {
    amber_ipc_message& s = from.descriptor;
    amber_ipc_message& d = to.descriptor;
    uint64_t chunks = 0;
    forced = false;
    while (true) {
        uint32_t si, di;
        uint64_t so, doff;
        locate(s, s.transferred, si, so);
        locate(d, d.transferred, di, doff);
        if (si == s.buffer_count) return CopyEnd::Done;
        if (di == d.buffer_count) return CopyEnd::DestinationFull;
        uint64_t source = s.buffers[si].address + so, destination = d.buffers[di].address + doff;
        uint64_t source_room, destination_room;
        uint8_t* source_page = page_pointer(*from.space, source, false, source_room);
        if (source_page == nullptr || stress_injects_copy_fault(*from.space, source)) {
            copy_fault = {from.space, source, false, source_page != nullptr};
            return CopyEnd::SourceFault;
        }
        uint8_t* destination_page = page_pointer(*to.space, destination, true, destination_room);
        if (destination_page == nullptr || stress_injects_copy_fault(*to.space, destination)) {
            copy_fault = {to.space, destination, true, destination_page != nullptr};
            return CopyEnd::DestinationFault;
        }
        uint64_t n = s.buffers[si].length - so;
        if (d.buffers[di].length - doff < n) n = d.buffers[di].length - doff;
        if (source_room < n) n = source_room;
        if (destination_room < n) n = destination_room;
        __builtin_memcpy(destination_page, source_page, n);
        s.transferred += n;
        d.transferred += n;
        if (++chunks % pages_between_preemption_points == 0 && s.transferred < total_length(s) &&
            preemption_point(forced)) {
            return CopyEnd::Preempted;
        }
    }
}

bool keeper_takes_fault(Thread& caller, Message& from, Message& to) {
    CopyFault fault = last_copy_fault();
    store_message(from);
    store_message(to);
    if (fault.injected) return inject_keeper_fault(caller, *fault.space, fault.address, fault.write);
    return call_keeper_for(caller, *fault.space, fault.address, fault.write ? AMBER_FAULT_WRITE : 0);
}

void transfer_handles(Thread& sender, const Message& from, Message& to) {
    uint32_t offered = to.descriptor.handle_count, delivered = 0;
    for (uint32_t i = 0; i < from.descriptor.handle_count; ++i) {
        HandleEntry* entry = sender.space->handles.find(from.descriptor.handles[i]);
        if (entry == nullptr || (entry->rights & AMBER_RIGHT_DUPLICATE) == 0) continue; // checked before
        amber_handle_t handle;
        if (delivered == offered || to.space->handles.insert(entry->object, entry->rights, handle) != AMBER_OK) {
            to.descriptor.flags |= AMBER_IPC_TRUNCATED;
            continue;
        }
        to.descriptor.handles[delivered++] = handle;
    }
    to.descriptor.handle_count = delivered;
}

void complete_waiting_call(Thread& thread, amber_status status, uint64_t value) {
    thread.context.frame.rip += arch::syscall_instruction_length;
    thread.context.frame.rax = status;
    thread.context.frame.rdx = value;
    if (thread.run_state == RunState::Waiting) end_wait_for_completion(&thread);
}

void ipc_break(Thread& thread) {
    if (Thread* partner = thread.ipc_partner) {
        thread.ipc_partner = nullptr;
        partner->ipc_partner = nullptr;
        if (partner->run_state == RunState::Waiting) wake_thread(partner); // it starts its call over
    }
    if (Thread* client = thread.ipc_client) { // a server that owes a reply
        thread.ipc_client = nullptr;
        client->ipc_server = nullptr;
        if (client->run_state == RunState::Waiting) wake_thread(client); // it calls again
    }
    if (Thread* server = thread.ipc_server) { // a client waiting for its reply
        thread.ipc_server = nullptr;
        server->ipc_client = nullptr; // its reply finds nobody (DISCONNECTED)
    }
}

void deliver_fault(const Thread& faulting, const Port& port, Message& to) {
    amber_fault_message report{faulting.fault_address, faulting.fault_error, faulting.context.frame.rip, faulting.id()};
    const auto* bytes = reinterpret_cast<const uint8_t*>(&report);
    amber_ipc_message& d = to.descriptor;
    d.transferred = 0;
    d.flags = 0;
    for (uint32_t i = 0; i < d.buffer_count && d.transferred < sizeof report; ++i) {
        uint64_t n = sizeof report - d.transferred;
        if (d.buffers[i].length < n) n = d.buffers[i].length;
        if (!copy_to_user(*to.space, d.buffers[i].address, bytes + d.transferred, n)) break;
        d.transferred += n;
    }
    if (d.transferred < sizeof report) d.flags |= AMBER_IPC_TRUNCATED;
    d.handle_count = 0;
    d.badge = port.badge;
    store_message(to);
}

bool call_keeper(Thread& thread, uint64_t address, uint64_t error_code) {
    return call_keeper_for(thread, *thread.space, address, error_code);
}

namespace {

// Mappings of mappings are followed this deep; a deeper chain (or a cycle) is not resolved.
constexpr unsigned max_mapping_depth = 4;

// The live keeper of the smallest live region of `space` that covers `address` and has one (of two
// the same size, the one with the lower base; a space offers a range once), or nullptr. The choice
// depends on exported state only, never on the order of Space::regions.
Port* keeper_of(Space& space, uint64_t address) {
    Region* chosen = nullptr;
    for (Region* r = space.regions; r != nullptr; r = r->next_in_space) {
        if (r->destroyed() || r->keeper == nullptr || r->keeper->destroyed() || address < r->base ||
            address - r->base >= r->size) {
            continue;
        }
        if (chosen == nullptr || r->size < chosen->size || (r->size == chosen->size && r->base < chosen->base))
            chosen = r;
    }
    return chosen != nullptr ? chosen->keeper : nullptr;
}

// Makes `thread` the keeper's caller for the fault (address, error code) and waits.
bool report_to_keeper(Thread& thread, Port& keeper, uint64_t address, uint64_t error_code) {
    thread.fault_pending = true;
    thread.fault_address = address;
    thread.fault_error = error_code;
    PortSet* set = keeper.port_set;
    if (set == nullptr || set->waiters.empty()) {
        wait_current(keeper.senders, &keeper); // a receiver will find it there
        return true;
    }
    Thread* receiver = set->waiters.pop_front();
    Message to;
    if (load_message(*receiver->space, receiver->context.frame.rsi, to) != AMBER_OK) {
        complete_waiting_call(*receiver, AMBER_ERR_BAD_ADDRESS, 0);
        wait_current(keeper.senders, &keeper);
        return true;
    }
    deliver_fault(thread, keeper, to);
    receiver->ipc_client = &thread;
    thread.ipc_server = receiver;
    complete_waiting_call(*receiver, AMBER_OK, 1);
    wait_current(keeper.callers, &keeper);
    return true;
}

// A real fault at `address` of `space` for `keeper`: the report gains AMBER_FAULT_PRESENT when the
// page is present (a write to a shared read-only page).
bool report_fault(Thread& thread, Port& keeper, Space& space, uint64_t address, uint64_t error_code) {
    uint64_t physical;
    arch::Access access;
    if (space.page_table.lookup(address, physical, access)) error_code |= AMBER_FAULT_PRESENT;
    return report_to_keeper(thread, keeper, address, error_code);
}

bool resolve_fault(Thread& thread, Space& space, uint64_t address, uint64_t error_code, unsigned depth) {
    if (Mapping* mapping = mapping_at(space, address)) { // the mapping's page is its region's
        uint64_t source;
        switch (fill_mapping_page(*mapping, address, (error_code & AMBER_FAULT_WRITE) != 0, source)) {
        case MappingFill::Filled: return true; // nothing to wait for: the access or call is retried at once
        case MappingFill::Unresolvable: return false;
        case MappingFill::RegionFault: {
            Region& region = *mapping->region;
            if (region.keeper != nullptr && !region.keeper->destroyed()) { // the region's own keeper
                return report_fault(thread, *region.keeper, *region.space, source, error_code);
            }
            if (depth == max_mapping_depth) return false; // else its space may map it from further on
            return resolve_fault(thread, *region.space, source, error_code, depth + 1);
        }
        }
    }
    Port* keeper = keeper_of(space, address);
    return keeper != nullptr && report_fault(thread, *keeper, space, address, error_code);
}

} // namespace

bool call_keeper_for(Thread& thread, Space& space, uint64_t address, uint64_t error_code) {
    return resolve_fault(thread, space, address, error_code, 0);
}

bool stress_injects_copy_fault_now(Space& space, uint64_t address) {
    if (keeper_of(space, address) == nullptr || !stress_fires(StressPoint::CopyFault)) return false;
    count_forced(); // the call waits for the keeper and is re-made: a restart the dispatcher counts
    return true;
}

bool inject_keeper_fault(Thread& thread, Space& space, uint64_t address, bool write) {
    Port* keeper = keeper_of(space, address); // reported absent: no AMBER_FAULT_PRESENT
    return keeper != nullptr && report_to_keeper(thread, *keeper, address, write ? AMBER_FAULT_WRITE : 0);
}

} // namespace kernel
