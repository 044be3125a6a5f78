// IPC calls: one-way send (at most once) and idempotent call/reply (a request may be delivered
// more than once), over ports gathered in port sets.
//
// Rendezvous: a sender meets a receiver waiting on the port's set, or waits on the port; a
// receiver meets a sender waiting on one of its set's ports, or waits on the set. The thread that
// arrives second is active: it binds the waiting one (ipc_partner) and copies the message. At each
// preemption point it commits progress (`transferred` in both descriptors) and restarts; the
// binding carries the transfer over. Whatever breaks a binding (stop, cancel, exit) makes the
// waiting side start its call over, so no message is half-delivered. Completing the message
// completes the waiting side's call for it. A client whose request arrived waits for the reply on
// the port; the server's reply completes its call (reply_calls.cpp).
#include "../ipc.hpp"
#include "../scheduler.hpp"
#include "../syscall.hpp"

namespace kernel {
namespace {

// An error ends the call: a transfer it was carrying on is abandoned (the partner starts over).
SyscallResult fail(Thread& caller, amber_status status) {
    if (caller.ipc_partner != nullptr) ipc_break(caller);
    return SyscallResult::done(status);
}

// The message a waiting sender (ipc_send or ipc_call) offers: its second argument.
amber_status sender_message(Thread& sender, Message& message) {
    return load_message(*sender.space, sender.context.frame.rsi, message);
}

// The receive descriptor of a waiting receiver (ipc_wait_receive: second argument).
amber_status receiver_message(Thread& receiver, Message& message) {
    return load_message(*receiver.space, receiver.context.frame.rsi, message);
}

enum class MoveEnd { Delivered, Preempted, WaitingForKeeper, SenderFault, ReceiverFault };

// Moves the message of `sender` to `receiver`, bound to each other; `caller` is whichever of them
// is running. At a preemption point the progress is committed in both descriptors; a fault in a
// kept region makes the caller wait for the keeper (the binding stays). Otherwise the binding ends
// and the sender's descriptor is reset for reuse (a restarted call sends it whole); a receiver
// gets nothing from a sender whose buffer faulted, and on delivery its descriptor gets the
// truncation flag, the port's badge and the handles.
MoveEnd move_message(Thread& caller, Thread& sender, Message& sent, Thread& receiver, Message& received,
                     const Port& port, bool& forced) {
    CopyEnd end = copy_message(sent, received, forced);
    if (end == CopyEnd::Preempted) {
        store_message(sent);
        store_message(received);
        return MoveEnd::Preempted;
    }
    if (fault_went_to_keeper(caller, end, sent, received)) return MoveEnd::WaitingForKeeper;
    unbind(sender, receiver);
    sent.descriptor.transferred = 0;
    store_message(sent);
    if (end == CopyEnd::SourceFault) {
        received.descriptor.transferred = 0;
        store_message(received);
        return MoveEnd::SenderFault;
    }
    if (end == CopyEnd::DestinationFault) return MoveEnd::ReceiverFault;
    if (end == CopyEnd::DestinationFull) received.descriptor.flags |= AMBER_IPC_TRUNCATED;
    received.descriptor.badge = port.badge;
    transfer_handles(sender, sent, received);
    store_message(received);
    return MoveEnd::Delivered;
}

// The fault report of `faulting`, waiting on its keeper `port`, becomes `caller`'s received
// message; `faulting` then waits for the reply (an idempotent call), its IPC binding untouched.
SyscallResult receive_fault_report(Thread& caller, Thread& faulting, Port& port, Message& received) {
    deliver_fault(faulting, port, received);
    faulting.wait_queue = &port.callers; // still Waiting, now for our reply
    port.callers.push_back(&faulting);
    faulting.ipc_server = &caller;
    caller.ipc_client = &faulting;
    return SyscallResult::done(AMBER_OK, 1);
}

} // namespace

// Sender side, shared by ipc_send and ipc_call (the caller is the sender).
static SyscallResult send_message(Thread& caller, SyscallArguments& arguments, bool is_call) {
    uint64_t call = is_call ? AMBER_SYS_ipc_call : AMBER_SYS_ipc_send;
    Port* port;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, port);
    if (status != AMBER_OK) return fail(caller, status);
    Message sent, reply;
    status = load_own_message(caller, arguments[1], sent);
    if (status == AMBER_OK) status = check_handles(caller, sent);
    if (status == AMBER_OK && is_call) status = load_own_message(caller, arguments[2], reply);
    if (status != AMBER_OK) return fail(caller, status);

    Thread* receiver = caller.ipc_partner;
    if (receiver != nullptr && (receiver->run_state != RunState::Waiting || port->port_set == nullptr ||
                                receiver->waiting_for != port->port_set || port->port_set->destroyed())) {
        ipc_break(caller); // not this port's receiver any more: start over
        receiver = nullptr;
    }
    if (receiver == nullptr) { // not continuing a transfer: find a receiver or wait for one
        PortSet* set = port->port_set;
        if (set == nullptr || set->waiters.empty()) {
            wait_current(port->senders, port);
            return SyscallResult::wait(call);
        }
        receiver = set->waiters.pop_front();
        receiver->wait_queue = nullptr; // still Waiting, now bound to us
        caller.ipc_partner = receiver;
        receiver->ipc_partner = &caller;
        sent.descriptor.transferred = 0;
    }
    bool fresh = sent.descriptor.transferred == 0;
    Message received;
    if (receiver_message(*receiver, received) != AMBER_OK) { // its descriptor went bad: it fails
        unbind(caller, *receiver);
        complete_waiting_call(*receiver, AMBER_ERR_BAD_ADDRESS, 0);
        return SyscallResult::restart(call);
    }
    if (fresh) { // the first round of this message: the receiver starts empty
        received.descriptor.transferred = 0;
        received.descriptor.flags = 0;
    }
    bool forced;
    switch (move_message(caller, caller, sent, *receiver, received, *port, forced)) {
    case MoveEnd::Preempted: return SyscallResult::restart(call, forced);
    case MoveEnd::WaitingForKeeper: return SyscallResult::wait(call);
    case MoveEnd::SenderFault:
        wake_thread(receiver); // it waits again for a whole message
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    case MoveEnd::ReceiverFault:
        complete_waiting_call(*receiver, AMBER_ERR_BAD_ADDRESS, 0);
        return SyscallResult::restart(call); // try the next receiver
    case MoveEnd::Delivered: break;
    }
    if (!is_call) {
        complete_waiting_call(*receiver, AMBER_OK, 0);
        return SyscallResult::done(AMBER_OK);
    }
    receiver->ipc_client = &caller;
    caller.ipc_server = receiver;
    complete_waiting_call(*receiver, AMBER_OK, 1); // rdx = 1: a reply is owed
    wait_current(port->callers, port);
    return SyscallResult::wait(call);
}

SyscallResult sys_ipc_send(Thread& caller, SyscallArguments& arguments) {
    return send_message(caller, arguments, false);
}
SyscallResult sys_ipc_call(Thread& caller, SyscallArguments& arguments) {
    return send_message(caller, arguments, true);
}

SyscallResult sys_ipc_wait_receive(Thread& caller, SyscallArguments& arguments) {
    PortSet* set;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, set);
    if (status != AMBER_OK) return fail(caller, status);
    Message received;
    status = load_own_message(caller, arguments[1], received);
    if (status != AMBER_OK) return fail(caller, status);
    return wait_receive(caller, *set, received);
}

SyscallResult wait_receive(Thread& caller, PortSet& port_set, Message& received) {
    PortSet* set = &port_set;
    if (caller.ipc_client != nullptr) ipc_break(caller); // an unreplied client calls again

    Thread* sender = caller.ipc_partner;
    if (sender != nullptr) {
        Port* from = object_cast<Port>(sender->waiting_for);
        if (sender->run_state != RunState::Waiting || from == nullptr || from->port_set != set || from->destroyed()) {
            ipc_break(caller); // not a sender on this set any more: start over
            sender = nullptr;
        }
    }
    Port* port = nullptr;
    if (sender == nullptr) {
        for (Port* p = set->ports; p != nullptr && sender == nullptr; p = p->next_in_set) {
            if (!p->senders.empty()) {
                sender = p->senders.pop_front();
                port = p;
            }
        }
        if (sender == nullptr) {
            wait_current(set->waiters, set);
            return SyscallResult::wait(AMBER_SYS_ipc_wait_receive);
        }
        sender->wait_queue = nullptr; // still Waiting (on `port`)
        // A thread reporting a fault to its keeper is never bound to us: it may be bound to the
        // partner of the transfer that faulted, which goes on once we have replied.
        if (sender->fault_pending) return receive_fault_report(caller, *sender, *port, received);
        caller.ipc_partner = sender; // now bound to us
        sender->ipc_partner = &caller;
        received.descriptor.transferred = 0;
        received.descriptor.flags = 0;
    }
    port = object_cast<Port>(sender->waiting_for);
    if (sender->fault_pending && port != nullptr) { // our own partner faulted and reports it to us
        unbind(caller, *sender);
        return receive_fault_report(caller, *sender, *port, received);
    }
    Message sent;
    if (port == nullptr || sender_message(*sender, sent) != AMBER_OK || check_handles(*sender, sent) != AMBER_OK) {
        unbind(caller, *sender);
        complete_waiting_call(*sender, AMBER_ERR_BAD_ADDRESS, 0);
        return SyscallResult::restart(AMBER_SYS_ipc_wait_receive);
    }
    if (received.descriptor.transferred == 0) sent.descriptor.transferred = 0; // a fresh start on both sides
    bool forced;
    switch (move_message(caller, *sender, sent, caller, received, *port, forced)) {
    case MoveEnd::Preempted: return SyscallResult::restart(AMBER_SYS_ipc_wait_receive, forced);
    case MoveEnd::WaitingForKeeper: return SyscallResult::wait(AMBER_SYS_ipc_wait_receive);
    case MoveEnd::SenderFault:
        complete_waiting_call(*sender, AMBER_ERR_BAD_ADDRESS, 0);
        return SyscallResult::restart(AMBER_SYS_ipc_wait_receive); // wait for another message
    case MoveEnd::ReceiverFault:
        wake_thread(sender); // it sends again, to somebody else
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    case MoveEnd::Delivered: break;
    }
    if (sender->context.frame.rax != AMBER_SYS_ipc_call) {
        complete_waiting_call(*sender, AMBER_OK, 0);
        return SyscallResult::done(AMBER_OK, 0);
    }
    // The caller now waits for our reply (its registers still say ipc_call: it may call again).
    sender->run_state = RunState::Waiting;
    sender->wait_queue = &port->callers;
    sender->waiting_for = port;
    port->callers.push_back(sender);
    sender->ipc_server = &caller;
    caller.ipc_client = sender;
    return SyscallResult::done(AMBER_OK, 1);
}

} // namespace kernel
