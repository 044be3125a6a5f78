// Small helpers for IPC in user programs: message descriptors over a few buffers, and a port
// attached to a port set of its own.
#pragma once

#include <amber/ipc.h>

#include <initializer_list>

#include "../runtime/syscalls.hpp"

namespace amber::ipc {

struct Piece {
    const void* data;
    uint64_t length;
};

// A descriptor of up to AMBER_IPC_MAX_BUFFERS buffers, to send from or receive into.
inline amber_ipc_message message(std::initializer_list<Piece> pieces) {
    amber_ipc_message m{};
    for (const Piece& p : pieces) m.buffers[m.buffer_count++] = {reinterpret_cast<uint64_t>(p.data), p.length};
    return m;
}

struct Endpoint {
    amber_handle_t port = 0, set = 0;
};

// A new port with `badge`, attached to a new port set; zeros if the kernel refused.
inline Endpoint endpoint(uint64_t badge) {
    amber_port_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, badge, 0};
    SyscallReturn port = sys::port_create(&state), set = sys::port_set_create(0ull);
    if (!port.ok() || !set.ok()) return {};
    Endpoint e{static_cast<amber_handle_t>(port.value), static_cast<amber_handle_t>(set.value)};
    sys::port_attach(e.port, e.set);
    return e;
}

} // namespace amber::ipc
