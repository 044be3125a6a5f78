// Reliable IPC: opening, ending and re-establishing connections, and alerts.
//
// A client's ipc_connect_send* meets a server's wait_receive (ipc_server_wait_receive,
// ipc_setup_wait_receive, or the wait of ipc_server_*_wait_receive) through a port and its port
// set: connectors wait on the port, acceptors on the set, and whichever arrives second links the
// two threads. At that moment both calls become their first stage on the new connection, in their
// registers: connect_send(port, send) continues as side_send(CLIENT, send),
// connect_send_over_receive(port, send, receive) as side_send_over_receive(CLIENT, send, receive),
// and the wait_receive(set, receive) as side_receive(SERVER, receive), its descriptor reset and
// given the badge of the port the connection came through. The client holds the first turn.
#include "../connection.hpp"
#include "../ipc.hpp"
#include "../scheduler.hpp"
#include "../stress.hpp"

namespace kernel {
namespace {

// A connect call's first stage on its new connection.
uint64_t connected_client(uint64_t call, SyscallArguments& arguments) {
    arguments.set(0, AMBER_IPC_SIDE_CLIENT);
    return call == AMBER_SYS_ipc_connect_send ? AMBER_SYS_ipc_side_send : AMBER_SYS_ipc_side_send_over_receive;
}

// An accepting wait_receive(set, receive) becomes side_receive(SERVER, receive) of a new message
// that came through `port`; false (nothing changed) if its descriptor is unusable.
bool accepted(Thread& server, SyscallArguments& arguments, const Port& port) {
    Message received;
    if (load_message(*server.space, arguments[1], received) != AMBER_OK) return false;
    received.descriptor.transferred = 0;
    received.descriptor.flags = 0;
    received.descriptor.badge = port.badge;
    if (!store_message(received)) return false;
    arguments.set(0, AMBER_IPC_SIDE_SERVER);
    return true;
}

// Both ends are linked and both calls rewritten: the caller goes on with its first stage.
SyscallResult go_on(Thread& caller, SyscallArguments& arguments, uint64_t call) {
    if (stress_fires(StressPoint::Commit)) return SyscallResult::restart(call, true);
    return run_stage(caller, arguments, call);
}

SyscallResult connect(Thread& caller, SyscallArguments& arguments, uint64_t call) {
    Port* port;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, port);
    Message sent, received;
    if (status == AMBER_OK) status = load_own_message(caller, arguments[1], sent);
    if (status == AMBER_OK) status = check_handles(caller, sent);
    if (status == AMBER_OK && call == AMBER_SYS_ipc_connect_send_over_receive) {
        status = load_own_message(caller, arguments[2], received);
    }
    if (status != AMBER_OK) return SyscallResult::done(status);
    disconnect(caller, AMBER_IPC_SIDE_CLIENT); // a client has one server at a time
    PortSet* set = port->port_set;
    while (set != nullptr && !set->acceptors.empty()) {
        Thread* server = set->acceptors.pop_front();
        SyscallArguments server_registers(server->context.frame);
        if (!accepted(*server, server_registers, *port)) {
            complete_waiting_call(*server, AMBER_ERR_BAD_ADDRESS, 0);
            continue;
        }
        server->context.frame.rax = AMBER_SYS_ipc_side_receive;
        rewait(server, &caller); // now waiting for its client's data
        link(caller, *server, true);
        return go_on(caller, arguments, connected_client(call, arguments));
    }
    wait_current(port->connectors, port);
    return SyscallResult::wait(call);
}

SyscallResult accept(Thread& caller, SyscallArguments& arguments, uint64_t call) {
    PortSet* set;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, set);
    Message received;
    if (status == AMBER_OK) status = load_own_message(caller, arguments[1], received);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (caller.connections[AMBER_IPC_SIDE_SERVER].peer != nullptr) {
        if (call == AMBER_SYS_ipc_setup_wait_receive) return SyscallResult::done(AMBER_ERR_BAD_STATE);
        disconnect(caller, AMBER_IPC_SIDE_SERVER); // the conversation is over
    }
    for (Port* port = set->ports; port != nullptr; port = port->next_in_set) {
        if (port->connectors.empty()) continue;
        if (!accepted(caller, arguments, *port)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
        Thread* client = port->connectors.pop_front();
        SyscallArguments client_registers(client->context.frame);
        client->context.frame.rax = connected_client(client->context.frame.rax, client_registers);
        rewait(client, &caller); // now waiting to send to its server
        link(*client, caller, true);
        return go_on(caller, arguments, AMBER_SYS_ipc_side_receive);
    }
    wait_current(set->acceptors, set);
    return SyscallResult::wait(call);
}

bool valid_side(uint64_t side) { return side <= AMBER_IPC_SIDE_SERVER; }

} // namespace

SyscallResult sys_ipc_connect_send(Thread& caller, SyscallArguments& arguments) {
    return connect(caller, arguments, AMBER_SYS_ipc_connect_send);
}
SyscallResult sys_ipc_connect_send_over_receive(Thread& caller, SyscallArguments& arguments) {
    return connect(caller, arguments, AMBER_SYS_ipc_connect_send_over_receive);
}
SyscallResult sys_ipc_server_wait_receive(Thread& caller, SyscallArguments& arguments) {
    return accept(caller, arguments, AMBER_SYS_ipc_server_wait_receive);
}
SyscallResult sys_ipc_setup_wait_receive(Thread& caller, SyscallArguments& arguments) {
    return accept(caller, arguments, AMBER_SYS_ipc_setup_wait_receive);
}

// Either end may disconnect at any time; without a connection it does nothing.
SyscallResult sys_ipc_side_disconnect(Thread& caller, SyscallArguments& arguments) {
    if (!valid_side(arguments[0])) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    disconnect(caller, static_cast<uint32_t>(arguments[0]));
    return SyscallResult::done(AMBER_OK);
}

// The alert stays pending on the peer's end (exported) until a call of the peer on that
// connection returns AMBER_ERR_ALERTED; a peer waiting for the caller is woken to make that call.
SyscallResult sys_ipc_side_alert(Thread& caller, SyscallArguments& arguments) {
    if (!valid_side(arguments[0])) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    auto side = static_cast<uint32_t>(arguments[0]);
    Thread* peer = caller.connections[side].peer;
    if (peer == nullptr) return SyscallResult::done(AMBER_ERR_DISCONNECTED, AMBER_SYS_ipc_side_alert);
    peer->connections[side ^ 1u].alerted = true;
    Step step;
    if (peer_waits(*peer, caller, side, step)) wake_thread(peer);
    return SyscallResult::done(AMBER_OK);
}

// Re-establishes a connection between two stopped threads (a restored checkpoint, a thread moved
// into a fresh thread object): `flags` are the AMBER_THREAD_IPC_* client half of the client's
// exported ipc_flags and the server half of the server's. Both ends must be free, so the importer
// first destroys the thread objects it replaces (which ends their connections), holding the peer
// stopped meanwhile so that it does not see the connection break.
SyscallResult sys_ipc_connect_threads(Thread& caller, SyscallArguments& arguments) {
    Thread *client, *server;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, client);
    if (status == AMBER_OK) status = lookup(caller, arguments.handle(1), AMBER_RIGHT_SET_STATE, server);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t flags = arguments[2];
    constexpr uint64_t known = AMBER_THREAD_IPC_CLIENT | AMBER_THREAD_IPC_CLIENT_SENDER |
                               AMBER_THREAD_IPC_CLIENT_ALERTED | AMBER_THREAD_IPC_SERVER |
                               AMBER_THREAD_IPC_SERVER_SENDER | AMBER_THREAD_IPC_SERVER_ALERTED;
    bool client_sends = (flags & AMBER_THREAD_IPC_CLIENT_SENDER) != 0;
    if ((flags & ~known) != 0 || (flags & AMBER_THREAD_IPC_CLIENT) == 0 || (flags & AMBER_THREAD_IPC_SERVER) == 0 ||
        client_sends == ((flags & AMBER_THREAD_IPC_SERVER_SENDER) != 0)) {
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT); // exactly one end holds the turn
    }
    if (client == server || client->run_state != RunState::Stopped || server->run_state != RunState::Stopped ||
        client->connections[AMBER_IPC_SIDE_CLIENT].peer != nullptr ||
        server->connections[AMBER_IPC_SIDE_SERVER].peer != nullptr) {
        return SyscallResult::done(AMBER_ERR_BAD_STATE);
    }
    link(*client, *server, client_sends);
    client->connections[AMBER_IPC_SIDE_CLIENT].alerted = (flags & AMBER_THREAD_IPC_CLIENT_ALERTED) != 0;
    server->connections[AMBER_IPC_SIDE_SERVER].alerted = (flags & AMBER_THREAD_IPC_SERVER_ALERTED) != 0;
    return SyscallResult::done(AMBER_OK);
}

} // namespace kernel
