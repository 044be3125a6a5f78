// Reliable IPC: the stages of a call on an open connection (connection.hpp) and the ipc_side_*
// calls made of them.
//
// The caller is always the active thread: it validates its own descriptors, then looks at what its
// peer waits for (the peer's registers) and acts on it: moves data from the sender's descriptor
// to the receiver's, passes the turn, ends the peer's call, rewrites it to its next stage, or
// wakes it to make that stage itself. If the peer is not waiting for it, the caller waits for the
// peer with its registers describing the stage it is in. Every such point commits first: both
// descriptors' `transferred`, the turn, rewritten registers. So a thread stopped, cancelled,
// re-imported or forced to restart anywhere re-executes a call that continues the work exactly.
//
// Completion: a send stage ends when its whole message has been taken (rdx = bytes taken), or when
// the receiver takes the turn early (ack): the rest is dropped and `transferred` says what was
// taken. A receive ends when the sender hands the turn over (OK), when the buffers are full and the
// sender has more (OK, AMBER_IPC_MORE), when a message with handles has been taken (its handles
// are delivered), or when the connection breaks (DISCONNECTED, rdx = the stage reached).
#include "../connection.hpp"
#include "../ipc.hpp"
#include "../scheduler.hpp"
#include "../stress.hpp"

namespace kernel {
namespace {

// Ends a receive with `flags` and no handles.
void end_receive(Message& to, uint32_t flags) {
    to.descriptor.flags = flags;
    to.descriptor.handle_count = 0;
    store_message(to);
}

// A sender's message has been taken whole: commits both descriptors, delivering the sender's
// handles if it has any. True if it had: the receive then ends, to report them.
bool end_message(Thread& sender, Message& from, Message& to) {
    bool with_handles = from.descriptor.handle_count > 0;
    if (with_handles) {
        to.descriptor.flags = 0;
        transfer_handles(sender, from, to);
    }
    store_message(from);
    store_message(to);
    return with_handles;
}

// The send part of a waiting peer's call is over (`taken` bytes were taken): a plain send
// completes; send_over_receive waits on in its over stage; send_wait_receive is woken to end the
// connection and accept the next one itself.
void advance_waiting_sender(Thread& peer, uint64_t taken) {
    SyscallArguments registers(peer.context.frame);
    uint64_t next = after_send(peer.context.frame.rax, registers);
    if (next == 0) {
        complete_waiting_call(peer, AMBER_OK, taken);
        return;
    }
    peer.context.frame.rax = next;
    if (next == AMBER_SYS_ipc_server_wait_receive) wake_thread(&peer);
}

// The turn to send passes from `holder`'s end on `side` to the other end.
void pass_turn(Thread& holder, uint32_t side) {
    Connection& end = holder.connections[side];
    end.sender = false;
    end.peer->connections[side ^ 1u].sender = true;
}

bool commit_point() { return stress_fires(StressPoint::Commit); }

enum class Moved { Whole, Again, Ended };

// Moves data from `from` (the sender's descriptor) to `to` (the receiver's) between the caller
// and its waiting peer, the caller sending if `caller_sends`, and commits both descriptors. Whole:
// the message has been taken (not yet committed: end_message does, with its handles). Otherwise a
// preemption or keeper fault ends the caller's call for now (Ended, `result`); a fault or a full
// receive ends the call of the end it concerns: the caller's (Ended) or the peer's (Again: look at
// the peer once more).
Moved move(Thread& caller, Thread& peer, Message& from, Message& to, bool caller_sends, uint64_t call,
           SyscallResult& result) {
    bool forced;
    CopyEnd copied = copy_message(from, to, forced);
    if (fault_went_to_keeper(caller, copied, from, to)) {
        result = SyscallResult::wait(call);
        return Moved::Ended;
    }
    if (copied == CopyEnd::Done) return Moved::Whole;
    store_message(from);
    store_message(to);
    if (copied == CopyEnd::Preempted) {
        result = SyscallResult::restart(call, forced);
        return Moved::Ended;
    }
    amber_status status = AMBER_ERR_BAD_ADDRESS;
    if (copied == CopyEnd::DestinationFull) {
        end_receive(to, AMBER_IPC_MORE);
        status = AMBER_OK;
    }
    if ((copied == CopyEnd::SourceFault) == caller_sends) { // a source fault concerns the sender
        result = SyscallResult::done(status);
        return Moved::Ended;
    }
    complete_waiting_call(peer, status, 0);
    return Moved::Again;
}

} // namespace

SyscallResult run_stage(Thread& caller, SyscallArguments& arguments, uint64_t call) {
    Step me = read_step(call, arguments);
    if (me.stage == Stage::None) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    Message sent, received;
    amber_status status = AMBER_OK;
    if (me.send != 0) {
        status = load_own_message(caller, me.send, sent);
        if (status == AMBER_OK) status = check_handles(caller, sent);
    }
    if (status == AMBER_OK && me.receive != 0) status = load_own_message(caller, me.receive, received);
    if (status == AMBER_OK &&
        (call == AMBER_SYS_ipc_server_send_wait_receive || call == AMBER_SYS_ipc_server_ack_send_wait_receive)) {
        PortSet* set;
        status = lookup(caller, arguments.handle(1), AMBER_RIGHT_OPERATE, set);
    }
    if (status != AMBER_OK) return SyscallResult::done(status);
    Connection& end = caller.connections[me.side];
    if (end.peer == nullptr) return SyscallResult::done(AMBER_ERR_DISCONNECTED, call);
    if (end.sender != (me.stage == Stage::Send || me.stage == Stage::Over)) {
        return SyscallResult::done(AMBER_ERR_BAD_STATE); // not this end's turn for that
    }
    if (end.alerted) {
        end.alerted = false;
        return SyscallResult::done(AMBER_ERR_ALERTED, call);
    }
    Thread& peer = *end.peer; // fixed below: only the caller could break the connection
    for (;;) {
        Step other;
        bool waits = peer_waits(peer, caller, me.side, other);
        if (me.stage == Stage::Send) {
            if (waits && other.stage == Stage::Receive) {
                Message to;
                if (load_message(*peer.space, other.receive, to) != AMBER_OK) {
                    complete_waiting_call(peer, AMBER_ERR_BAD_ADDRESS, 0);
                    continue;
                }
                SyscallResult result;
                Moved moved = move(caller, peer, sent, to, true, call, result);
                if (moved == Moved::Ended) return result;
                if (moved == Moved::Again) continue;
                if (end_message(caller, sent, to)) complete_waiting_call(peer, AMBER_OK, 0);
            } else if (!waits || other.stage != Stage::Ack) { // an ack drops the rest of the message
                wait_current_for(&peer);
                return SyscallResult::wait(call);
            }
            uint64_t next = after_send(call, arguments);
            if (next == 0) return SyscallResult::done(AMBER_OK, sent.descriptor.transferred);
            call = next;
            if (call == AMBER_SYS_ipc_server_wait_receive) return sys_ipc_server_wait_receive(caller, arguments);
            me = read_step(call, arguments); // over_receive: same side, same receive descriptor
            if (commit_point()) return SyscallResult::restart(call, true);
        } else if (me.stage == Stage::Receive) {
            if (waits && other.stage == Stage::Over) {
                end_receive(received, 0);
                return SyscallResult::done(AMBER_OK);
            }
            if (!waits || other.stage != Stage::Send) {
                wait_current_for(&peer);
                return SyscallResult::wait(call);
            }
            Message from;
            status = load_message(*peer.space, other.send, from);
            if (status == AMBER_OK) status = check_handles(peer, from);
            if (status != AMBER_OK) {
                complete_waiting_call(peer, status, 0);
                continue;
            }
            SyscallResult result;
            Moved moved = move(caller, peer, from, received, false, call, result);
            if (moved == Moved::Ended) return result;
            if (moved == Moved::Again) continue;
            bool handles = end_message(peer, from, received);
            advance_waiting_sender(peer, from.descriptor.transferred);
            if (handles) return SyscallResult::done(AMBER_OK);
        } else { // Over or Ack: the turn passes when one end is in each
            bool over = me.stage == Stage::Over;
            if (waits && other.stage == (over ? Stage::Receive : Stage::Send)) {
                if (over) { // its receive ends: the message is complete
                    Message to;
                    bool loaded = load_message(*peer.space, other.receive, to) == AMBER_OK;
                    if (loaded) end_receive(to, 0);
                    complete_waiting_call(peer, loaded ? AMBER_OK : AMBER_ERR_BAD_ADDRESS, 0);
                } else { // the rest of its message is dropped
                    Message from;
                    bool loaded = load_message(*peer.space, other.send, from) == AMBER_OK;
                    advance_waiting_sender(peer, loaded ? from.descriptor.transferred : 0);
                }
                continue;
            }
            if (!waits || other.stage != (over ? Stage::Ack : Stage::Over)) {
                wait_current_for(&peer);
                return SyscallResult::wait(call);
            }
            if (over)
                pass_turn(caller, me.side);
            else
                pass_turn(peer, other.side);
            peer.context.frame.rax = after_turn(other.call); // it goes on waiting in its next stage
            call = after_turn(call);
            me = read_step(call, arguments);
            if (commit_point()) return SyscallResult::restart(call, true);
        }
    }
}

#define AMBER_STAGE_CALL(name)                                                                                         \
    SyscallResult sys_##name(Thread& caller, SyscallArguments& arguments) {                                            \
        return run_stage(caller, arguments, AMBER_SYS_##name);                                                         \
    }
AMBER_STAGE_CALL(ipc_side_send)
AMBER_STAGE_CALL(ipc_side_receive)
AMBER_STAGE_CALL(ipc_side_over_receive)
AMBER_STAGE_CALL(ipc_side_ack_send)
AMBER_STAGE_CALL(ipc_side_send_over_receive)
AMBER_STAGE_CALL(ipc_side_ack_send_over_receive)
AMBER_STAGE_CALL(ipc_server_send_wait_receive)
AMBER_STAGE_CALL(ipc_server_ack_send_wait_receive)
#undef AMBER_STAGE_CALL

} // namespace kernel
