// Ports and port sets: the endpoints IPC will run over. A port carries a badge that receivers
// are given with every message; only holders of the port's SET_STATE right can change it.
#include "../objects.hpp"
#include "../scheduler.hpp"
#include "../state_transfer.hpp"
#include "../syscall.hpp"

namespace kernel {

void Port::attach(PortSet* set) {
    if (port_set != nullptr) {
        for (Port** p = &port_set->ports; *p != nullptr; p = &(*p)->next_in_set) {
            if (*p == this) {
                *p = next_in_set;
                break;
            }
        }
        next_in_set = nullptr;
        --port_set->port_count;
        port_set->release();
    }
    port_set = set;
    if (set != nullptr) {
        set->retain();
        next_in_set = set->ports;
        set->ports = this;
        ++set->port_count;
    }
}

// Destroying a port or port set wakes everybody waiting on it: they re-make their call and get
// AMBER_ERR_DESTROYED from the handle lookup.
void Port::on_destroy() {
    attach(nullptr);
    wake_all(senders);
    wake_all(callers);
    wake_all(connectors);
    wake_all(short_callers);
}

void PortSet::on_destroy() {
    while (ports != nullptr) ports->attach(nullptr);
    wake_all(waiters);
    wake_all(acceptors);
    wake_all(short_waiters);
}

SyscallResult sys_port_create(Thread& caller, SyscallArguments& arguments) {
    amber_port_state state;
    amber_status status = state_in(caller, arguments[0], sizeof state, AMBER_OBJECT_PORT, state);
    if (status != AMBER_OK) return SyscallResult::done(status);
    Port* port = create<Port>(state.header.id);
    if (port == nullptr) return SyscallResult::done(AMBER_ERR_NO_MEMORY);
    port->badge = state.badge;
    SyscallResult result = return_new_handle(caller, port, AMBER_RIGHTS_ALL);
    port->release();
    return result;
}

SyscallResult sys_port_set_create(Thread& caller, SyscallArguments& arguments) {
    return create_with_handle<PortSet>(caller, arguments[0]);
}

SyscallResult sys_port_attach(Thread& caller, SyscallArguments& arguments) {
    Port* port;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, port);
    if (status != AMBER_OK) return SyscallResult::done(status);
    PortSet* set = nullptr;
    if (arguments.handle(1) != AMBER_HANDLE_NONE) {
        status = lookup(caller, arguments.handle(1), AMBER_RIGHT_OPERATE, set);
        if (status != AMBER_OK) return SyscallResult::done(status);
    }
    port->attach(set);
    return SyscallResult::done(AMBER_OK);
}

amber_status export_state(Thread& caller, Port& port, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_port_state>(port);
    state.badge = port.badge;
    state.port_set_id = port.port_set != nullptr ? port.port_set->id() : 0;
    return state_out(caller, buffer, size, state);
}

amber_status import_state(Thread& caller, Port& port, uint64_t buffer, uint64_t size) {
    amber_port_state state;
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_PORT, state);
    if (status != AMBER_OK) return status;
    port.badge = state.badge;
    return AMBER_OK;
}

amber_status export_state(Thread& caller, PortSet& set, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_port_set_state>(set);
    state.port_count = set.port_count;
    state.waiter_count = set.waiters.size() + set.acceptors.size() + set.short_waiters.size();
    return state_out(caller, buffer, size, state);
}

// A port set's state is read-only counts.
amber_status import_state(Thread& caller, PortSet&, uint64_t buffer, uint64_t size) {
    amber_port_set_state state;
    return state_in(caller, buffer, size, AMBER_OBJECT_PORT_SET, state);
}

} // namespace kernel
