// The receive loop of a user-level server speaking a protocol of protocols.hpp: each request
// arrives as a header plus data, and is answered with a Reply plus data.
#pragma once

#include <amber/ipc.h>

#include "../runtime/syscalls.hpp"
#include "ipc.hpp"
#include "protocols.hpp"

namespace amber {

// Serves calls on `set` forever. A request lands in [header, +header_size) then [data, +data_size);
// `handle(received_bytes, reply, reply_data_bytes)` fills the reply, whose data is the first
// reply_data_bytes of `data`. One-way sends (no reply owed) are dropped.
template <typename Handle>
[[noreturn]] void serve_forever(amber_handle_t set, void* header, uint64_t header_size, void* data, uint64_t data_size,
                                Handle handle) {
    protocol::Reply reply{};
    amber_ipc_message in{}, out{};
    bool owe_reply = false;
    for (;;) {
        in = ipc::message({{header, header_size}, {data, data_size}});
        SyscallReturn r = owe_reply ? sys::ipc_reply_wait_receive(&out, set, &in) : sys::ipc_wait_receive(set, &in);
        owe_reply = r.ok() && r.value == 1;
        if (!owe_reply) continue;
        uint64_t reply_data = 0;
        reply = {};
        handle(in.transferred, reply, reply_data);
        out = ipc::message({{&reply, sizeof reply}, {data, reply_data}});
    }
}

} // namespace amber
