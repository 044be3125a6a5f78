#include "rebuild.hpp"

#include <amber/abi.h>

#include "../kernel/lib/format.hpp"
#include "../userland/lib/space_name.hpp"
#include "../userland/runtime/runtime.hpp"
#include "restore.hpp"

namespace checkpointd {
namespace {

namespace sys = amber::sys;

template <typename State>
State state_header(uint32_t type, uint64_t id) {
    State state{};
    state.header = {AMBER_STATE_VERSION, type, id};
    return state;
}

amber_thread_registers registers_from(const amber_image_Registers& r) {
    return {r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,    r.r8,      r.r9,
            r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags, r.fs_base, r.gs_base};
}

const char* type_name(uint32_t type) {
    static const char* const names[] = {"none", "thread",   "space", "region", "mapping",
                                        "port", "port set", "mutex", "cond",   "reference"};
    return type < sizeof names / sizeof names[0] ? names[type] : "object of unknown type";
}

constexpr uint32_t supervisor_rights = AMBER_RIGHT_OPERATE | AMBER_RIGHT_DUPLICATE;

// Points `reference` at the object `target` names (a handle with all rights) with exactly `rights`:
// reference_set from a handle with just those rights, or, for none, object_get_references of the
// reference itself (references it makes grant nothing). The kernel makes no other rights (a
// reference_set handle has DUPLICATE): refused, never widened.
const char* set_reference(amber_handle_t reference, amber_handle_t target, uint32_t rights) {
    if (rights != 0 && ((rights & AMBER_RIGHT_DUPLICATE) == 0 || (rights & ~AMBER_RIGHTS_ALL) != 0))
        return "the image has a reference with rights no kernel gives";
    amber::SyscallReturn narrowed = sys::handle_duplicate(target, rights != 0 ? rights : AMBER_RIGHT_DUPLICATE);
    if (!narrowed.ok()) return "cannot set a reference";
    auto handle = static_cast<amber_handle_t>(narrowed.value);
    bool set = sys::reference_set(reference, handle).ok();
    sys::handle_close(handle);
    if (set && rights == 0) set = sys::object_get_references(reference, &reference, 1ull).ok();
    return set ? nullptr : "cannot set a reference";
}

} // namespace

bool Rebuilder::remember(uint64_t id, uint32_t type, amber::SyscallReturn created) {
    if (!created.ok() || local_count_ == max_locals) {
        if (created.ok()) sys::handle_close(static_cast<amber_handle_t>(created.value));
        return false;
    }
    locals_[local_count_++] = {id, type, static_cast<amber_handle_t>(created.value)};
    return true;
}

amber_handle_t Rebuilder::find(uint64_t id, uint32_t type) const {
    for (unsigned i = 0; i < local_count_; ++i) {
        if (locals_[i].id == id && locals_[i].type == type) return locals_[i].handle;
    }
    return 0;
}

const char* Rebuilder::create_objects(const amber_image_Process& p) {
    for (pb_size_t i = 0; i < p.memory_count; ++i) {
        const amber_image_MemoryRange& m = p.memory[i];
        if (m.kind != AMBER_MEMORY_ANONYMOUS) return "the image has memory of an unsupported kind";
        if (!sys::memory_allocate(space_, m.base, m.size, m.protection).ok())
            return "cannot allocate the process's memory (out of memory, or a bad range in the image)";
    }
    for (pb_size_t i = 0; i < p.mutexes_count; ++i) {
        if (!remember(p.mutexes[i].id, AMBER_OBJECT_MUTEX, sys::mutex_create(p.mutexes[i].id)))
            return "cannot create a mutex";
    }
    for (pb_size_t i = 0; i < p.conds_count; ++i) {
        if (!remember(p.conds[i].id, AMBER_OBJECT_COND, sys::cond_create(p.conds[i].id)))
            return "cannot create a condition variable";
    }
    for (pb_size_t i = 0; i < p.port_sets_count; ++i) {
        if (!remember(p.port_sets[i].id, AMBER_OBJECT_PORT_SET, sys::port_set_create(p.port_sets[i].id)))
            return "cannot create a port set";
    }
    for (pb_size_t i = 0; i < p.ports_count; ++i) {
        auto state = state_header<amber_port_state>(AMBER_OBJECT_PORT, p.ports[i].id);
        state.badge = p.ports[i].badge;
        if (!remember(p.ports[i].id, AMBER_OBJECT_PORT, sys::port_create(&state))) return "cannot create a port";
    }
    for (pb_size_t i = 0; i < p.references_count; ++i) {
        if (!remember(p.references[i].id, AMBER_OBJECT_REFERENCE, sys::reference_create(p.references[i].id)))
            return "cannot create a reference";
    }
    for (pb_size_t i = 0; i < p.threads_count; ++i) {
        if (!remember(p.threads[i].id, AMBER_OBJECT_THREAD, sys::thread_create(space_, p.threads[i].id)))
            return "cannot create a thread";
        // An exited thread the process still names: recreated as an exited thread.
        if ((p.threads[i].flags & AMBER_THREAD_EXITED) != 0) sys::object_destroy(locals_[local_count_ - 1].handle);
    }
    return nullptr;
}

const char* Rebuilder::link_objects(const amber_image_Process& p) {
    for (pb_size_t i = 0; i < p.ports_count; ++i) {
        if (p.ports[i].port_set_id == 0) continue;
        amber_handle_t set = find(p.ports[i].port_set_id, AMBER_OBJECT_PORT_SET);
        if (set == 0 || !sys::port_attach(find(p.ports[i].id, AMBER_OBJECT_PORT), set).ok())
            return "a port is attached to a port set that is not in the image";
    }
    for (pb_size_t i = 0; i < p.references_count; ++i) {
        const amber_image_Reference& r = p.references[i];
        if (r.target_id == 0) continue;
        amber_handle_t target = r.target_type == AMBER_OBJECT_SPACE && r.target_id == p.space_id
                                    ? space_
                                    : find(r.target_id, r.target_type);
        if (target == 0) return "a reference points outside the process (not supported)";
        const char* error = set_reference(find(r.id, AMBER_OBJECT_REFERENCE), target, r.rights);
        if (error != nullptr) return error;
    }
    for (pb_size_t i = 0; i < p.mutexes_count; ++i) {
        const amber_image_Mutex& m = p.mutexes[i];
        auto state = state_header<amber_mutex_state>(AMBER_OBJECT_MUTEX, m.id);
        state.locked = m.locked ? 1 : 0;
        state.owner_thread = m.owner_thread_id;
        if (!sys::object_set_state(find(m.id, AMBER_OBJECT_MUTEX), &state, sizeof state).ok())
            return "the image has an inconsistent mutex";
    }
    return nullptr;
}

const char* Rebuilder::install_handles(const amber_image_Process& p, const RestoreServices& services) {
    for (pb_size_t i = 0; i < p.handles_count; ++i) {
        const amber_image_Handle& h = p.handles[i];
        amber_handle_t local;
        uint32_t rights = h.rights;
        if (h.external[0] != '\0') {
            if (__builtin_strcmp(h.external, "supervisor") != 0 || h.type != AMBER_OBJECT_PORT)
                return "the image names an unknown outside service";
            local = services.supervisor_port;
            rights = h.rights & supervisor_rights; // never more than `run` gives: the image is untrusted
        } else if (h.type == AMBER_OBJECT_SPACE && h.object_id == p.space_id) {
            local = space_;
        } else {
            local = find(h.object_id, h.type);
        }
        if (local == 0) {
            static char message[96];
            lib::format_to(message, sizeof message, "handle %u names a %s (id %lu) that is not in the image", h.value,
                           type_name(h.type), h.object_id);
            return message;
        }
        if (!sys::space_handle_install(space_, h.value, local, rights).ok())
            return "cannot install a handle (bad value or rights in the image)";
    }
    return nullptr;
}

const char* Rebuilder::build(const char* name, const amber_image_Process& process, const RestoreServices& services) {
    amber::SyscallReturn created = sys::space_create(0ull);
    if (!created.ok()) return "cannot create a space";
    space_ = static_cast<amber_handle_t>(created.value);
    if (amber::set_space_name(space_, name) != AMBER_OK) return "the kernel refuses the image's process name";
    const char* error = create_objects(process);
    if (error == nullptr) error = link_objects(process);
    if (error == nullptr) error = install_handles(process, services);
    return error;
}

bool Rebuilder::write_memory(uint64_t address, const void* data, uint64_t length) {
    return space_ != 0 && sys::memory_write(space_, address, data, length).ok();
}

const char* Rebuilder::start_threads(const amber_image_Process& p, uint64_t checkpoint_clock) {
    amber_space_state space{};
    if (!sys::object_get_state(space_, &space, sizeof space).ok()) return "the new space is gone";
    space.clock_offset = static_cast<int64_t>(checkpoint_clock - amber::ticks());
    if (!sys::object_set_state(space_, &space, sizeof space).ok()) return "cannot set the process's clock";
    // Load every state stopped first, so that no thread runs before all are in place.
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) {
            const char* error = connect_threads(p);
            if (error != nullptr) return error;
        }
        for (pb_size_t i = 0; i < p.threads_count; ++i) {
            const amber_image_Thread& t = p.threads[i];
            if ((t.flags & AMBER_THREAD_EXITED) != 0) continue;
            auto state = state_header<amber_thread_state>(AMBER_OBJECT_THREAD, t.id);
            state.registers = registers_from(t.registers);
            state.flags = pass == 0 ? AMBER_THREAD_STOPPED : 0;
            __builtin_memcpy(state.fpu, t.fpu, sizeof state.fpu);
            if (!sys::object_set_state(find(t.id, AMBER_OBJECT_THREAD), &state, sizeof state).ok())
                return "the image has a thread state the kernel refuses";
        }
    }
    return nullptr;
}

// Re-links the reliable-IPC connections between the (stopped) new threads, as the image names them.
const char* Rebuilder::connect_threads(const amber_image_Process& p) {
    for (pb_size_t i = 0; i < p.threads_count; ++i) {
        const amber_image_Thread& client = p.threads[i];
        if ((client.ipc_flags & AMBER_THREAD_IPC_CLIENT) == 0) continue;
        const amber_image_Thread* server = nullptr;
        for (pb_size_t j = 0; j < p.threads_count; ++j) {
            if (p.threads[j].id == client.ipc_server_id) server = &p.threads[j];
        }
        if (server == nullptr || (server->ipc_flags & AMBER_THREAD_IPC_SERVER) == 0 ||
            server->ipc_client_id != client.id)
            return "the image has a reliable IPC connection whose two ends do not match";
        uint32_t flags =
            (client.ipc_flags & AMBER_THREAD_IPC_CLIENT_HALF) | (server->ipc_flags & AMBER_THREAD_IPC_SERVER_HALF);
        if (!sys::ipc_connect_threads(find(client.id, AMBER_OBJECT_THREAD), find(server->id, AMBER_OBJECT_THREAD),
                                      flags)
                 .ok())
            return "the kernel refuses to reconnect a reliable IPC connection of the image";
    }
    return nullptr;
}

void Rebuilder::abandon() {
    if (space_ != 0) sys::object_destroy(space_);
    amber_handle_t space = finish();
    if (space != 0) sys::handle_close(space);
}

amber_handle_t Rebuilder::finish() {
    for (unsigned i = 0; i < local_count_; ++i) sys::handle_close(locals_[i].handle);
    local_count_ = 0;
    amber_handle_t space = space_;
    space_ = 0;
    return space;
}

} // namespace checkpointd
