#include "connection.hpp"

#include "panic.hpp"
#include "scheduler.hpp"

namespace kernel {
namespace {

constexpr uint32_t other(uint32_t side) { return side ^ 1u; }

} // namespace

Step read_step(uint64_t call, const SyscallArguments& a) {
    Step s;
    s.call = call;
    switch (call) {
    case AMBER_SYS_ipc_side_send: s = {call, Stage::Send, 0, a[1], 0}; break;
    case AMBER_SYS_ipc_side_receive: s = {call, Stage::Receive, 0, 0, a[1]}; break;
    case AMBER_SYS_ipc_side_over_receive: s = {call, Stage::Over, 0, 0, a[1]}; break;
    case AMBER_SYS_ipc_side_ack_send: s = {call, Stage::Ack, 0, a[1], 0}; break;
    case AMBER_SYS_ipc_side_send_over_receive: s = {call, Stage::Send, 0, a[1], a[2]}; break;
    case AMBER_SYS_ipc_side_ack_send_over_receive: s = {call, Stage::Ack, 0, a[1], a[2]}; break;
    case AMBER_SYS_ipc_server_send_wait_receive: return {call, Stage::Send, AMBER_IPC_SIDE_SERVER, a[0], a[2]};
    case AMBER_SYS_ipc_server_ack_send_wait_receive: return {call, Stage::Ack, AMBER_IPC_SIDE_SERVER, a[0], a[2]};
    default: return s;
    }
    // The ipc_side_* calls name their side; anything but the two sides is no stage at all.
    if (a[0] > AMBER_IPC_SIDE_SERVER) return {call, Stage::None, 0, 0, 0};
    s.side = static_cast<uint32_t>(a[0]);
    return s;
}

bool peer_waits(Thread& peer, Thread& self, uint32_t side, Step& step) {
    if (peer.run_state != RunState::Waiting || peer.waiting_for != &self || peer.fault_pending) return false;
    SyscallArguments registers(peer.context.frame);
    step = read_step(peer.context.frame.rax, registers);
    return step.stage != Stage::None && step.side == other(side) && peer.connections[step.side].peer == &self;
}

void link(Thread& client, Thread& server, bool client_sends) {
    KERNEL_ASSERT(client.connections[AMBER_IPC_SIDE_CLIENT].peer == nullptr);
    KERNEL_ASSERT(server.connections[AMBER_IPC_SIDE_SERVER].peer == nullptr);
    client.connections[AMBER_IPC_SIDE_CLIENT] = {&server, client_sends, false};
    server.connections[AMBER_IPC_SIDE_SERVER] = {&client, !client_sends, false};
}

void disconnect(Thread& thread, uint32_t side) {
    Thread* peer = thread.connections[side].peer;
    if (peer == nullptr) return;
    KERNEL_ASSERT(peer->connections[other(side)].peer == &thread);
    thread.connections[side] = {};
    peer->connections[other(side)] = {};
    // The peer waits for us only on this connection (the stage it waits in names its side).
    if (peer->run_state == RunState::Waiting && peer->waiting_for == &thread && !peer->fault_pending) {
        wake_thread(peer);
    }
}

void end_connections(Thread& thread) {
    disconnect(thread, AMBER_IPC_SIDE_CLIENT);
    disconnect(thread, AMBER_IPC_SIDE_SERVER);
}

uint64_t after_send(uint64_t call, SyscallArguments& a) {
    switch (call) {
    case AMBER_SYS_ipc_side_send_over_receive: // (side, send, receive) -> over_receive(side, receive)
        a.set(1, a[2]);
        return AMBER_SYS_ipc_side_over_receive;
    case AMBER_SYS_ipc_server_send_wait_receive: // (send, set, receive) -> wait_receive(set, receive)
        a.set(0, a[1]);
        a.set(1, a[2]);
        return AMBER_SYS_ipc_server_wait_receive;
    default: return 0; // ipc_side_send: done
    }
}

uint64_t after_turn(uint64_t call) {
    switch (call) {
    case AMBER_SYS_ipc_side_ack_send: return AMBER_SYS_ipc_side_send;
    case AMBER_SYS_ipc_side_ack_send_over_receive: return AMBER_SYS_ipc_side_send_over_receive;
    case AMBER_SYS_ipc_server_ack_send_wait_receive: return AMBER_SYS_ipc_server_send_wait_receive;
    case AMBER_SYS_ipc_side_over_receive: return AMBER_SYS_ipc_side_receive;
    default: return call;
    }
}

uint32_t connection_flags(const Thread& thread) {
    uint32_t flags = 0;
    const Connection& client = thread.connections[AMBER_IPC_SIDE_CLIENT];
    const Connection& server = thread.connections[AMBER_IPC_SIDE_SERVER];
    if (client.peer != nullptr) {
        flags |= AMBER_THREAD_IPC_CLIENT | (client.sender ? AMBER_THREAD_IPC_CLIENT_SENDER : 0) |
                 (client.alerted ? AMBER_THREAD_IPC_CLIENT_ALERTED : 0);
    }
    if (server.peer != nullptr) {
        flags |= AMBER_THREAD_IPC_SERVER | (server.sender ? AMBER_THREAD_IPC_SERVER_SENDER : 0) |
                 (server.alerted ? AMBER_THREAD_IPC_SERVER_ALERTED : 0);
    }
    return flags;
}

} // namespace kernel
