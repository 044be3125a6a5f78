// The IPC fastpath: idempotent call/reply with the message in registers (four words each way, no
// descriptors, no buffers), for the common short RPC.
//
//   ipc_call_short(port, w0, w1, w2, w3)  -> OK, reply words in rsi, rdx, r10, r8
//   ipc_wait_receive_short(set)           -> OK, request words in rsi, rdx, r10, r8; r9 = badge
//   ipc_reply_wait_receive_short(set, w0, w1, w2, w3)
//                                         -> replies to the client last received from, then
//                                            continues as ipc_wait_receive_short(set)
//
// The semantics are those of ipc_call/ipc_reply_wait_receive (ipc_calls.cpp, reply_calls.cpp):
// the request may be delivered again (a client that stops waiting for its reply calls again), the
// kernel writes the port's badge, and the server owes the reply to the client it last received
// from. Short callers and short receivers meet only each other (their own queues on the port and
// the set), so a descriptor receiver never reads a word as a pointer. What makes it fast: the
// words move register to register, nothing is read from or written to user memory, and the
// whole exchange is one pass through each call.
#include "../ipc.hpp"
#include "../scheduler.hpp"
#include "../stress.hpp"
#include "../syscall.hpp"

namespace kernel {
namespace {

// Delivers `words` and `badge` into a thread's result registers (rsi, r10, r8, r9); w1 goes to
// rdx as the call's value.
void put_words(SyscallArguments registers, const uint64_t (&words)[4], uint64_t badge) {
    registers.set(1, words[0]);
    registers.set(3, words[2]);
    registers.set(4, words[3]);
    registers.set(5, badge);
}

void words_of(const SyscallArguments& arguments, uint64_t (&words)[4]) {
    for (unsigned i = 0; i < 4; ++i) words[i] = arguments[i + 1];
}

// `server` owes `client` the reply.
void owe_reply(Thread& client, Thread& server) {
    client.ipc_server = &server;
    server.ipc_client = &client;
}

} // namespace

SyscallResult sys_ipc_call_short(Thread& caller, SyscallArguments& arguments) {
    Port* port;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, port);
    if (status != AMBER_OK) return SyscallResult::done(status);
    PortSet* set = port->port_set;
    if (set == nullptr || set->short_waiters.empty()) {
        wait_current(port->short_callers, port);
        return SyscallResult::wait(AMBER_SYS_ipc_call_short);
    }
    Thread* server = set->short_waiters.pop_front();
    uint64_t words[4];
    words_of(arguments, words);
    put_words(SyscallArguments(server->context.frame), words, port->badge);
    complete_waiting_call(*server, AMBER_OK, words[1]);
    wait_current(port->callers, port); // for the reply; its registers still say ipc_call_short
    owe_reply(caller, *server);
    return SyscallResult::wait(AMBER_SYS_ipc_call_short);
}

SyscallResult sys_ipc_wait_receive_short(Thread& caller, SyscallArguments& arguments) {
    PortSet* set;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, set);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (caller.ipc_client != nullptr) ipc_break(caller); // an unreplied client calls again
    for (Port* port = set->ports; port != nullptr; port = port->next_in_set) {
        if (port->short_callers.empty()) continue;
        Thread* client = port->short_callers.pop_front();
        uint64_t words[4];
        words_of(SyscallArguments(client->context.frame), words);
        put_words(arguments, words, port->badge);
        client->wait_queue = &port->callers; // still Waiting for the port, now for the reply
        port->callers.push_back(client);
        owe_reply(*client, caller);
        return SyscallResult::done(AMBER_OK, words[1]);
    }
    wait_current(set->short_waiters, set);
    return SyscallResult::wait(AMBER_SYS_ipc_wait_receive_short);
}

// Stage 1 replies if a short client waits for it (a client that went away, or a descriptor
// client, is not answered: the latter calls again); stage 2 is ipc_wait_receive_short(set).
SyscallResult sys_ipc_reply_wait_receive_short(Thread& caller, SyscallArguments& arguments) {
    PortSet* set;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, set);
    if (status != AMBER_OK) return SyscallResult::done(status);
    Thread* client = caller.ipc_client;
    if (client != nullptr && client->run_state == RunState::Waiting &&
        client->context.frame.rax == AMBER_SYS_ipc_call_short) {
        uint64_t words[4];
        words_of(arguments, words);
        put_words(SyscallArguments(client->context.frame), words, 0);
        caller.ipc_client = nullptr;
        client->ipc_server = nullptr;
        complete_waiting_call(*client, AMBER_OK, words[1]);
        if (stress_fires(StressPoint::Commit)) return SyscallResult::restart(AMBER_SYS_ipc_wait_receive_short, true);
    }
    return sys_ipc_wait_receive_short(caller, arguments);
}

} // namespace kernel
