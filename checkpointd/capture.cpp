#include "capture.hpp"

#include <amber/abi.h>

#include <initializer_list>

#include "../userland/runtime/runtime.hpp"

namespace checkpointd {
namespace {

using amber::SyscallReturn;
namespace sys = amber::sys;

template <typename T, size_t N>
constexpr size_t capacity(const T (&)[N]) {
    return N;
}

bool stopped_already(const StoppedThreads& threads, uint64_t id) {
    for (unsigned i = 0; i < threads.count; ++i) {
        amber_handle_info info{};
        if (sys::object_info(threads.handles[i], &info).ok() && info.id == id) return true;
    }
    return false;
}

template <typename State>
bool state_of(amber_handle_t handle, State& state) {
    return sys::object_get_state(handle, &state, sizeof state).ok();
}

void copy_registers(const amber_thread_registers& r, amber_image_Registers& out) {
    out = {r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,    r.r8,      r.r9,
           r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags, r.fs_base, r.gs_base};
}

const char* export_thread(amber_handle_t handle, amber_image_Process& process) {
    if (process.threads_count == capacity(process.threads)) return "too many threads";
    amber_thread_state state{};
    if (!state_of(handle, state)) return "cannot read a thread's state";
    amber_image_Thread& t = process.threads[process.threads_count++];
    t.id = state.header.id;
    t.has_registers = true;
    copy_registers(state.registers, t.registers);
    t.flags = state.flags;
    __builtin_memcpy(t.fpu, state.fpu, sizeof t.fpu);
    t.ipc_flags = state.ipc_flags;
    t.ipc_server_id = state.ipc_server_id;
    t.ipc_client_id = state.ipc_client_id;
    return nullptr;
}

bool already_exported(const amber_image_Process& p, uint32_t type, uint64_t id) {
    auto in = [&](auto& array, pb_size_t count) {
        for (pb_size_t i = 0; i < count; ++i) {
            if (array[i].id == id) return true;
        }
        return false;
    };
    switch (type) {
    case AMBER_OBJECT_MUTEX: return in(p.mutexes, p.mutexes_count);
    case AMBER_OBJECT_COND: return in(p.conds, p.conds_count);
    case AMBER_OBJECT_PORT: return in(p.ports, p.ports_count);
    case AMBER_OBJECT_PORT_SET: return in(p.port_sets, p.port_sets_count);
    case AMBER_OBJECT_REFERENCE: return in(p.references, p.references_count);
    case AMBER_OBJECT_THREAD: return in(p.threads, p.threads_count);
    default: return false;
    }
}

// Exports the object behind `local` (a handle in checkpointd's table) by type.
const char* export_object(amber_handle_t local, uint32_t type, amber_image_Process& p) {
    switch (type) {
    case AMBER_OBJECT_MUTEX: {
        amber_mutex_state s{};
        if (!state_of(local, s) || p.mutexes_count == capacity(p.mutexes)) return "cannot export a mutex";
        p.mutexes[p.mutexes_count++] = {s.header.id, s.locked != 0, s.owner_thread};
        return nullptr;
    }
    case AMBER_OBJECT_COND: {
        amber_cond_state s{};
        if (!state_of(local, s) || p.conds_count == capacity(p.conds)) return "cannot export a condition variable";
        p.conds[p.conds_count++] = {s.header.id};
        return nullptr;
    }
    case AMBER_OBJECT_PORT: {
        amber_port_state s{};
        if (!state_of(local, s) || p.ports_count == capacity(p.ports)) return "cannot export a port";
        p.ports[p.ports_count++] = {s.header.id, s.badge, s.port_set_id};
        return nullptr;
    }
    case AMBER_OBJECT_PORT_SET: {
        amber_port_set_state s{};
        if (!state_of(local, s) || p.port_sets_count == capacity(p.port_sets)) return "cannot export a port set";
        p.port_sets[p.port_sets_count++] = {s.header.id};
        return nullptr;
    }
    case AMBER_OBJECT_REFERENCE: {
        amber_reference_state s{};
        if (!state_of(local, s) || p.references_count == capacity(p.references)) return "cannot export a reference";
        p.references[p.references_count++] = {s.header.id, s.target_id, s.target_type, s.rights};
        return nullptr;
    }
    case AMBER_OBJECT_THREAD: { // live ones came from space_get_threads; this one has exited
        amber_thread_state s{};
        if (!state_of(local, s) || p.threads_count == capacity(p.threads)) return "cannot export a thread";
        if ((s.flags & AMBER_THREAD_EXITED) == 0) { // another process's thread: get_state stopped it
            s.flags = 0;
            sys::object_set_state(local, &s, sizeof s);
            return "the process holds a handle to a thread of another process (not supported)";
        }
        amber_image_Thread& t = p.threads[p.threads_count++];
        t = amber_image_Thread_init_zero;
        t.id = s.header.id;
        t.flags = s.flags;
        return nullptr;
    }
    default:
        return "the process holds an object checkpointd cannot recreate (region, mapping, another space or "
               "a device)";
    }
}

const char* export_handles(const CaptureContext& context, uint64_t space_id, amber_image_Process& p) {
    amber_handle_info infos[64];
    uint32_t next = 1;
    for (;;) {
        SyscallReturn r = sys::space_enumerate_handles(context.space, next, infos, 64ull);
        if (!r.ok()) return "cannot enumerate the handle table";
        if (r.value == 0) return nullptr;
        for (uint64_t i = 0; i < r.value; ++i) {
            const amber_handle_info& info = infos[i];
            next = info.handle + 1;
            if (p.handles_count == capacity(p.handles)) return "too many handles";
            amber_image_Handle& h = p.handles[p.handles_count++];
            h = {info.handle, info.type, info.rights, info.id, {}};
            if (info.type == AMBER_OBJECT_SPACE && info.id == space_id) continue; // its own space
            if (info.type == AMBER_OBJECT_PORT && info.id == context.supervisor_port_id) {
                __builtin_memcpy(h.external, "supervisor", 11);
                continue;
            }
            if (already_exported(p, info.type, info.id)) continue;
            SyscallReturn local = sys::space_handle_export(context.space, info.handle, info.rights);
            if (!local.ok()) return "cannot export a handle of the process";
            auto handle = static_cast<amber_handle_t>(local.value);
            const char* error = export_object(handle, info.type, p);
            sys::handle_close(handle);
            if (error != nullptr) return error;
        }
    }
}

const char* export_memory(amber_handle_t space, amber_image_Process& p) {
    amber_memory_range ranges[64];
    SyscallReturn r = sys::space_enumerate_memory(space, 0ull, ranges, 64ull);
    if (!r.ok()) return "cannot enumerate the memory";
    for (uint64_t i = 0; i < r.value; ++i) {
        const amber_memory_range& m = ranges[i];
        if (m.kind != AMBER_MEMORY_ANONYMOUS) return "the process has mapped or device memory (not supported)";
        p.memory[p.memory_count++] = {m.base, m.size, m.protection, m.kind, m.present_pages};
    }
    return nullptr;
}

bool has_object(const amber_image_Process& p, uint32_t type, uint64_t id) {
    return already_exported(p, type, id) || (type == AMBER_OBJECT_SPACE && id == p.space_id);
}

// Everything the objects name must be in the image too, or restore could not rebuild it: refuse
// now, while the process still runs, rather than write an image no restore accepts.
const char* check_closed(const amber_image_Process& p) {
    for (pb_size_t i = 0; i < p.ports_count; ++i) {
        if (p.ports[i].port_set_id != 0 && !has_object(p, AMBER_OBJECT_PORT_SET, p.ports[i].port_set_id))
            return "a port is attached to a port set the process holds no handle to (not supported)";
    }
    for (pb_size_t i = 0; i < p.references_count; ++i) {
        const amber_image_Reference& r = p.references[i];
        if (r.target_id != 0 && !has_object(p, r.target_type, r.target_id))
            return "a reference points at an object outside the process (not supported)";
    }
    for (pb_size_t i = 0; i < p.mutexes_count; ++i) {
        uint64_t owner = p.mutexes[i].owner_thread_id;
        if (owner != 0 && !has_object(p, AMBER_OBJECT_THREAD, owner))
            return "a mutex is held by a thread of another process (not supported)";
    }
    return nullptr;
}

} // namespace

const char* stop_threads(amber_handle_t space, StoppedThreads& threads) {
    for (int round = 0; round < 16; ++round) {
        amber_handle_t found[64];
        SyscallReturn r = sys::space_get_threads(space, found, 64ull);
        if (!r.ok()) return "cannot list the process's threads";
        if (r.value > 64) return "too many threads";
        bool new_ones = false;
        for (uint64_t i = 0; i < r.value; ++i) {
            amber_handle_info info{};
            sys::object_info(found[i], &info);
            if (stopped_already(threads, info.id)) {
                sys::handle_close(found[i]);
                continue;
            }
            amber_thread_state state{};
            if (!state_of(found[i], state)) { // stops it
                sys::handle_close(found[i]);
                continue; // it exited meanwhile
            }
            if ((state.flags & AMBER_THREAD_EXITED) != 0) {
                sys::handle_close(found[i]);
                continue;
            }
            if (threads.count == capacity(threads.handles)) { // threads ended and others began meanwhile
                for (uint64_t j = i; j < r.value; ++j) sys::handle_close(found[j]);
                return "the process keeps replacing its threads";
            }
            threads.handles[threads.count++] = found[i];
            new_ones = true;
        }
        if (!new_ones) return nullptr; // every live thread is stopped: none can make new ones
    }
    return "the process keeps creating threads";
}

void resume_threads(StoppedThreads& threads) {
    for (unsigned i = 0; i < threads.count; ++i) {
        amber_thread_state state{};
        if (state_of(threads.handles[i], state)) {
            state.flags = 0;
            sys::object_set_state(threads.handles[i], &state, sizeof state);
        }
        sys::handle_close(threads.handles[i]);
    }
    threads.count = 0;
}

void forget_threads(StoppedThreads& threads) {
    for (unsigned i = 0; i < threads.count; ++i) sys::handle_close(threads.handles[i]);
    threads.count = 0;
}

const char* export_process(const CaptureContext& context, const StoppedThreads& threads, amber_image_Process& process) {
    process = amber_image_Process_init_zero;
    amber_handle_info info{};
    if (!sys::object_info(context.space, &info).ok()) return "the process is gone";
    process.space_id = info.id;
    for (unsigned i = 0; i < threads.count; ++i) {
        const char* error = export_thread(threads.handles[i], process);
        if (error != nullptr) return error;
    }
    // A reliable connection is restored between two threads of the image: refuse one that leads out.
    for (pb_size_t i = 0; i < process.threads_count; ++i) {
        const amber_image_Thread& t = process.threads[i];
        for (uint64_t peer : {t.ipc_server_id, t.ipc_client_id}) {
            bool inside = peer == 0;
            for (pb_size_t j = 0; j < process.threads_count && !inside; ++j) inside = process.threads[j].id == peer;
            if (!inside) return "a thread has a reliable IPC connection to a thread of another process";
        }
    }
    const char* error = export_handles(context, info.id, process);
    if (error == nullptr) error = export_memory(context.space, process);
    if (error == nullptr) error = check_closed(process);
    return error;
}

} // namespace checkpointd
