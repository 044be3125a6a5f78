// The managed process's side of the supervisor protocol (protocols.hpp): a process that
// checkpointd started or restored tells it when its state is built, asks whether it should
// verify itself, and reports the result. Outside checkpointd the handle is absent and every call
// returns false.
#pragma once

#include <amber/ipc.h>

#include "../runtime/syscalls.hpp"
#include "ipc.hpp"
#include "protocols.hpp"

namespace amber::supervisor {

inline bool call(protocol::SupervisorOp op, uint32_t argument, uint64_t& value) {
    protocol::SupervisorRequest request{op, argument};
    protocol::Reply reply{};
    amber_ipc_message m = ipc::message({{&request, sizeof request}});
    amber_ipc_message r = ipc::message({{&reply, sizeof reply}});
    if (!sys::ipc_call(protocol::supervisor_handle, &m, &r).ok() || r.transferred < sizeof reply) return false;
    value = reply.value;
    return reply.status == 0;
}

inline bool ready() {
    uint64_t unused;
    return call(protocol::SupervisorOp::Ready, 0, unused);
}

// True once `check PID` was given in the shell.
inline bool check_requested() {
    uint64_t value = 0;
    return call(protocol::SupervisorOp::Poll, 0, value) && value == 1;
}

inline bool report(bool passed) {
    uint64_t unused;
    return call(protocol::SupervisorOp::Report, passed ? 1 : 0, unused);
}

} // namespace amber::supervisor
