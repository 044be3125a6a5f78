#include "block_client.hpp"

#include <amber/ipc.h>

#include "../runtime/runtime.hpp"
#include "ipc.hpp"
#include "protocols.hpp"

namespace amber::fs {
namespace {

namespace protocol = amber::protocol;

bool call(amber_handle_t port, protocol::BlockRequest request, const void* out, uint64_t out_length, void* in,
          uint64_t in_length, protocol::Reply& reply) {
    amber_ipc_message m = ipc::message({{&request, sizeof request}, {out, out_length}});
    amber_ipc_message r = ipc::message({{&reply, sizeof reply}, {in, in_length}});
    return sys::ipc_call(port, &m, &r).ok() && r.transferred == sizeof reply + (reply.status == 0 ? in_length : 0) &&
           reply.status == 0;
}

} // namespace

bool RemoteBlockDevice::connect(amber_handle_t port) {
    port_ = port;
    protocol::Reply reply{};
    if (!call(port_, {protocol::BlockOp::Info, 0, 0}, nullptr, 0, nullptr, 0, reply)) return false;
    sectors_ = reply.value;
    return sectors_ > 0;
}

bool RemoteBlockDevice::read(uint64_t sector, uint32_t count, void* buffer) {
    auto* bytes = static_cast<uint8_t*>(buffer);
    while (count > 0) {
        uint32_t n = count < protocol::max_block_sectors ? count : protocol::max_block_sectors;
        protocol::Reply reply{};
        if (!call(port_, {protocol::BlockOp::Read, n, sector}, nullptr, 0, bytes, uint64_t{n} * sector_size, reply))
            return false;
        sector += n, count -= n, bytes += uint64_t{n} * sector_size;
    }
    return true;
}

bool RemoteBlockDevice::write(uint64_t sector, uint32_t count, const void* buffer) {
    auto* bytes = static_cast<const uint8_t*>(buffer);
    while (count > 0) {
        uint32_t n = count < protocol::max_block_sectors ? count : protocol::max_block_sectors;
        protocol::Reply reply{};
        if (!call(port_, {protocol::BlockOp::Write, n, sector}, bytes, uint64_t{n} * sector_size, nullptr, 0, reply))
            return false;
        sector += n, count -= n, bytes += uint64_t{n} * sector_size;
    }
    return true;
}

bool RemoteBlockDevice::flush() {
    protocol::Reply reply{};
    return call(port_, {protocol::BlockOp::Flush, 0, 0}, nullptr, 0, nullptr, 0, reply);
}

} // namespace amber::fs
