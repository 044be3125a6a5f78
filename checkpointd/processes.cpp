#include "processes.hpp"

#include "../userland/runtime/runtime.hpp"

namespace checkpointd {

namespace sys = amber::sys;

Process* ProcessTable::allocate(amber_handle_t service_set) {
    for (unsigned slot = 0; slot < capacity; ++slot) {
        Process& p = processes_[slot];
        if (p.used) continue;
        amber_port_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, badge_base + slot, 0};
        amber::SyscallReturn port = sys::port_create(&state);
        if (!port.ok()) return nullptr;
        p = Process{};
        p.used = true;
        p.supervisor = static_cast<amber_handle_t>(port.value);
        amber_handle_info info{};
        sys::object_info(p.supervisor, &info);
        p.supervisor_id = info.id;
        sys::port_attach(p.supervisor, service_set);
        return &p;
    }
    return nullptr;
}

void ProcessTable::release(Process& p) {
    if (p.space != 0) {
        sys::object_destroy(p.space);
        sys::handle_close(p.space);
    }
    if (p.supervisor != 0) {
        sys::object_destroy(p.supervisor);
        sys::handle_close(p.supervisor);
    }
    p = Process{};
}

Process* ProcessTable::by_pid(uint64_t pid) {
    for (Process& p : processes_) {
        if (p.used && p.pid == pid) return &p;
    }
    return nullptr;
}

Process* ProcessTable::by_badge(uint64_t badge) {
    if (badge < badge_base || badge - badge_base >= capacity) return nullptr;
    Process& p = processes_[badge - badge_base];
    return p.used ? &p : nullptr;
}

const char* ProcessTable::phase_name(ProcessPhase phase) {
    switch (phase) {
    case ProcessPhase::Running: return "running";
    case ProcessPhase::Ready: return "ready";
    case ProcessPhase::CheckRequested: return "checking";
    case ProcessPhase::Passed: return "passed";
    case ProcessPhase::Failed: return "FAILED";
    }
    return "?";
}

const char* ProcessTable::state_name(const Process& p) {
    if (p.phase == ProcessPhase::Passed || p.phase == ProcessPhase::Failed) return phase_name(p.phase);
    return thread_count(p) == 0 ? "exited" : phase_name(p.phase);
}

const char* ProcessTable::name(Process& p) {
    amber_space_state state{};
    if (sys::object_get_state(p.space, &state, sizeof state).ok()) __builtin_memcpy(p.name, state.name, sizeof p.name);
    return p.name;
}

uint32_t ProcessTable::thread_count(const Process& process) {
    amber_space_state state{};
    if (!sys::object_get_state(process.space, &state, sizeof state).ok()) return 0;
    return state.thread_count;
}

} // namespace checkpointd
