// Reliable IPC connections: the links between a client and a server thread, and how a thread's
// registers say what it is doing on one.
//
// A connection is two Connection ends (thread.hpp) that name each other: the client's
// connections[AMBER_IPC_SIDE_CLIENT] and the server's connections[AMBER_IPC_SIDE_SERVER]. Exactly
// one end holds the turn to send; the turn passes only when both threads are in the kernel (one
// running, one waiting), so the two flags never disagree. Nothing else is kept: a thread waiting
// on a connection waits *for its peer thread* (waiting_for = the peer, in no queue) and its stage
// is its registers (rax: the call or continuation; its arguments: side and descriptors). The peer
// that arrives second reads those registers, moves the data, and completes, rewrites or wakes the
// waiting one. Stopping or cancelling a thread keeps its connections; exit breaks them and the
// peer's current or next call returns AMBER_ERR_DISCONNECTED.
#pragma once

#include <amber/ipc.h>

#include "syscall.hpp"

namespace kernel {

enum class Stage : uint8_t {
    None,    // not a call on a connection
    Send,    // pushing a message (ipc_side_send, the send part of the combined calls)
    Receive, // taking data (ipc_side_receive)
    Over,    // the sender hands the turn over and waits to receive (ipc_side_over_receive)
    Ack,     // the receiver takes the turn to send (ipc_side_ack_send and combinations)
};

// A thread's call on a connection, decoded from its registers.
struct Step {
    uint64_t call = 0;
    Stage stage = Stage::None;
    uint32_t side = 0;
    uint64_t send = 0;    // address of its send descriptor, 0 if the call has none
    uint64_t receive = 0; // address of its receive descriptor, 0 if none
};

// Decodes `call` with `arguments`; Stage::None for calls that are not stages of a connection.
Step read_step(uint64_t call, const SyscallArguments& arguments);
// True (and `step` filled) when `peer` waits for `self` in a stage of the connection that `self`
// holds on `side`. A peer that is running, stopped, or waiting for a keeper is not.
bool peer_waits(Thread& peer, Thread& self, uint32_t side, Step& step);

// Links `client` (its CLIENT end) and `server` (its SERVER end); both ends must be free.
void link(Thread& client, Thread& server, bool client_sends);
// Breaks the connection on `side` of `thread`, if any. A peer waiting for it is woken: it
// re-executes its call and finds no connection (DISCONNECTED); a stopped peer finds the same when
// resumed.
void disconnect(Thread& thread, uint32_t side);
// A thread's exit: both of its connections break.
void end_connections(Thread& thread);

// Continuations. The send part of `call` is over: the next call (0: the call has completed), with
// the arguments rewritten for it.
uint64_t after_send(uint64_t call, SyscallArguments& arguments);
// The turn has passed: an Ack stage continues as its Send stage, an Over stage as Receive.
uint64_t after_turn(uint64_t call);

// Runs the caller's stage call `call` (its arguments in `arguments`) on its connection until it
// completes, waits or restarts (syscalls/side_calls.cpp).
SyscallResult run_stage(Thread& caller, SyscallArguments& arguments, uint64_t call);

// Exported state: AMBER_THREAD_IPC_* of a thread.
uint32_t connection_flags(const Thread& thread);

} // namespace kernel
