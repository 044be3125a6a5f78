// Idempotent IPC, the server's side: replies go to the client last received from (ipc_client),
// which waits on the port for them (ipc_calls.cpp). A long reply is carried on across preemption
// points through a transfer binding, like a request. Stopping, cancelling or ending either thread
// breaks the link; a reply that finds no client waiting for it returns DISCONNECTED, whatever the
// reason (the client went away, was stopped, or never called; the server was stopped or moved
// into another thread object): the result depends on no state but the link, and the client, if
// any, calls again.
#include "../ipc.hpp"
#include "../scheduler.hpp"
#include "../syscall.hpp"

namespace kernel {

// Sends `reply` (the caller's first argument) to the client the caller owes a reply.
static SyscallResult reply_to_client(Thread& caller, SyscallArguments& arguments, uint64_t call, bool& replied) {
    replied = false;
    Message reply;
    amber_status status = load_own_message(caller, arguments[0], reply);
    if (status == AMBER_OK) status = check_handles(caller, reply);
    if (status != AMBER_OK) {
        // A reply it was carrying on is abandoned, unless the call is only waiting for a keeper to
        // provide an argument's page (the dispatcher re-makes it, and it carries the reply on).
        if (caller.ipc_partner != nullptr && status != AMBER_ERR_BAD_ADDRESS) ipc_break(caller);
        return SyscallResult::done(status);
    }
    Thread* client = caller.ipc_client;
    if (client == nullptr || client->run_state != RunState::Waiting) { // the latter cannot happen
        if (client != nullptr) ipc_break(caller);
        return SyscallResult::done(AMBER_ERR_DISCONNECTED); // nobody waits for this reply
    }
    if (client->context.frame.rax == AMBER_SYS_ipc_call_short) {
        return SyscallResult::done(AMBER_ERR_BAD_STATE); // a short client takes a short reply only
    }
    if (client->fault_pending) { // the keeper has dealt with the fault: the thread retries the access
        caller.ipc_client = nullptr;
        client->ipc_server = nullptr;
        end_wait_for_completion(client);
        replied = true;
        return SyscallResult::done(AMBER_OK);
    }
    Message answer;
    if (load_message(*client->space, client->context.frame.rdx, answer) != AMBER_OK) {
        ipc_break(caller); // its reply buffer went bad: it calls again
        return SyscallResult::done(AMBER_ERR_DISCONNECTED);
    }
    if (caller.ipc_partner == nullptr) { // first round of this reply
        caller.ipc_partner = client;
        client->ipc_partner = &caller;
        reply.descriptor.transferred = 0;
        answer.descriptor.transferred = 0;
        answer.descriptor.flags = 0;
    }
    bool forced;
    CopyEnd end = copy_message(reply, answer, forced);
    if (end == CopyEnd::Preempted) {
        store_message(reply);
        store_message(answer);
        return SyscallResult::restart(call, forced);
    }
    // A fault restart stress injected (a present page): the keeper resolves it, the reply goes on.
    if (last_copy_fault().injected && fault_went_to_keeper(caller, end, reply, answer))
        return SyscallResult::wait(call);
    unbind(caller, *client);
    if (end == CopyEnd::SourceFault) {
        reply.descriptor.transferred = 0;
        store_message(reply);
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS); // the client keeps waiting
    }
    caller.ipc_client = nullptr;
    client->ipc_server = nullptr;
    if (end == CopyEnd::DestinationFault) {
        store_message(answer);
        complete_waiting_call(*client, AMBER_ERR_BAD_ADDRESS, 0);
    } else {
        if (end == CopyEnd::DestinationFull) answer.descriptor.flags |= AMBER_IPC_TRUNCATED;
        answer.descriptor.badge = 0;
        transfer_handles(caller, reply, answer);
        store_message(answer);
        complete_waiting_call(*client, AMBER_OK, 0);
    }
    reply.descriptor.transferred = 0;
    store_message(reply);
    replied = true;
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_ipc_reply(Thread& caller, SyscallArguments& arguments) {
    bool replied;
    return reply_to_client(caller, arguments, AMBER_SYS_ipc_reply, replied);
}

// Stage 1 replies, stage 2 is ipc_wait_receive(port set, message). The port set and the receive
// descriptor are checked before anything is sent; an error returns rdx = the stage reached (the call
// its registers held), so the caller knows whether its reply went out.
SyscallResult sys_ipc_reply_wait_receive(Thread& caller, SyscallArguments& arguments) {
    constexpr uint64_t replying = AMBER_SYS_ipc_reply_wait_receive, receiving = AMBER_SYS_ipc_wait_receive;
    PortSet* set;
    Message receive;
    amber_status status = lookup(caller, arguments.handle(1), AMBER_RIGHT_OPERATE, set);
    if (status == AMBER_OK) status = load_own_message(caller, arguments[2], receive);
    if (status != AMBER_OK) {
        // A reply it was carrying on is abandoned, unless the call is only waiting for a keeper to
        // provide an argument's page (the dispatcher re-makes it, and it carries the reply on).
        if (caller.ipc_partner != nullptr && status != AMBER_ERR_BAD_ADDRESS) ipc_break(caller);
        return SyscallResult::done(status, replying);
    }
    bool replied;
    SyscallResult result = reply_to_client(caller, arguments, replying, replied);
    // No client waits (DISCONNECTED), or a short one (BAD_STATE), which wait_receive lets call again.
    bool nobody_to_answer = result.kind == SyscallResult::Kind::Done &&
                            (result.status == AMBER_ERR_BAD_STATE || result.status == AMBER_ERR_DISCONNECTED);
    if (!replied && !nobody_to_answer) { // still replying, or the reply failed
        if (result.kind == SyscallResult::Kind::Done) result.value = replying;
        return result;
    }
    arguments.set(0, arguments[1]);
    arguments.set(1, arguments[2]);
    result = wait_receive(caller, *set, receive); // checked before the reply
    if (result.kind == SyscallResult::Kind::Done && result.status != AMBER_OK) result.value = receiving;
    return result;
}

} // namespace kernel
