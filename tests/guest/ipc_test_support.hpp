// Helpers shared by the IPC test programs: message descriptors and port/port-set pairs.
#pragma once

#include <amber/ipc.h>

#include "object_test_support.hpp"

namespace ipc_tests {

inline amber_ipc_message message(std::initializer_list<amber_ipc_buffer> buffers) {
    amber_ipc_message m{};
    for (const amber_ipc_buffer& b : buffers) m.buffers[m.buffer_count++] = b;
    return m;
}

inline amber_ipc_buffer buffer(const void* address, uint64_t length) {
    return {reinterpret_cast<uint64_t>(address), length};
}

// A port with `badge`, attached to a port set of its own.
struct Endpoint {
    amber_handle_t port, set;
};

inline Endpoint endpoint(uint64_t badge) {
    amber_port_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, badge, 0};
    Endpoint e{object_tests::handle_of(amber::sys::port_create(&state)),
               object_tests::handle_of(amber::sys::port_set_create(0))};
    amber::sys::port_attach(e.port, e.set);
    return e;
}

} // namespace ipc_tests
