// fsd: the file server. It mounts the FAT32 volume of the disk that blkd serves (the block port
// at block_port_handle) and serves the file protocol (userland/lib/protocols.hpp) on the port set
// at service_set_handle. Operations name files and give absolute offsets, so a request delivered
// twice does no harm. Without a mounted volume it answers every request with the reason.
#include <amber/abi.h>
#include <amber/ipc.h>

#include "../fs/fat32.hpp"
#include "../lib/block_client.hpp"
#include "../lib/protocols.hpp"
#include "../lib/server_loop.hpp"
#include "../runtime/runtime.hpp"

namespace {

namespace sys = amber::sys;
namespace protocol = amber::protocol;
using amber::fs::FsStatus;

amber::fs::RemoteBlockDevice disk;
amber::fs::Fat32 volume;
FsStatus mounted = FsStatus::NotMounted;
protocol::FileRequest request;
alignas(64) uint8_t data[protocol::max_file_chunk];

struct ListState {
    uint64_t skip, count;
};

// Serves one request into `reply`; `reply_data` bytes of `data` go back after it.
void serve(uint64_t received, protocol::Reply& reply, uint64_t& reply_data) {
    reply = {};
    reply_data = 0;
    FsStatus status = mounted;
    const char* name = request.name;
    size_t length = request.name_length;
    bool well_formed = received >= sizeof request && request.name_length < protocol::max_name &&
                       request.other_length < protocol::max_name;
    if (status == FsStatus::Ok && !well_formed) status = FsStatus::InvalidName;
    if (status == FsStatus::Ok) {
        switch (request.op) {
        case protocol::FileOp::Info: reply.value = volume.free_bytes(); break;
        case protocol::FileOp::Stat: {
            amber::fs::FileInfo info;
            status = volume.stat(name, length, info);
            reply.value = info.size;
            break;
        }
        case protocol::FileOp::Create: status = volume.create(name, length); break;
        case protocol::FileOp::Write:
            if (received != sizeof request + request.length || request.length > sizeof data)
                status = FsStatus::InvalidName;
            else
                status = volume.write(name, length, request.offset, data, request.length);
            break;
        case protocol::FileOp::Read: {
            size_t done = 0;
            uint64_t wanted = request.length < sizeof data ? request.length : sizeof data;
            status = volume.read(name, length, request.offset, data, wanted, done);
            reply.value = done;
            reply_data = status == FsStatus::Ok ? done : 0;
            break;
        }
        case protocol::FileOp::Remove: status = volume.remove(name, length); break;
        case protocol::FileOp::Replace:
            status = volume.replace(name, length, request.other, request.other_length);
            break;
        case protocol::FileOp::Flush: status = volume.flush(); break;
        case protocol::FileOp::List: {
            ListState state{request.offset, 0};
            auto* entries = reinterpret_cast<protocol::FileEntry*>(data);
            constexpr uint64_t capacity =
                sizeof data / sizeof(protocol::FileEntry) < 32 ? sizeof data / sizeof(protocol::FileEntry) : 32;
            status = volume.list([&](const amber::fs::FileInfo& info) {
                if (info.is_directory()) return true;
                if (state.skip > 0) {
                    --state.skip;
                    return true;
                }
                protocol::FileEntry& e = entries[state.count++];
                e = {};
                e.size = info.size;
                size_t n = info.name_length < protocol::max_name - 1 ? info.name_length : protocol::max_name - 1;
                __builtin_memcpy(e.name, info.name, n);
                return state.count < capacity;
            });
            reply.value = state.count;
            reply_data = state.count * sizeof(protocol::FileEntry);
            break;
        }
        default: status = FsStatus::InvalidName; break;
        }
    }
    reply.status = -static_cast<int32_t>(status);
    if (status != FsStatus::Ok) reply_data = 0;
}

} // namespace

int main(int, char**) {
    if (!disk.connect(protocol::block_port_handle)) {
        amber::print("fsd: the block server has no disk\n");
        mounted = FsStatus::IoError;
    } else {
        mounted = volume.mount(disk);
        if (mounted == FsStatus::Ok) {
            amber::print("fsd: FAT32 volume mounted, %lu MiB free\n", volume.free_bytes() >> 20);
        } else {
            amber::print("fsd: cannot mount the disk: %s\n", amber::fs::describe(mounted));
        }
    }
    amber::serve_forever(protocol::service_set_handle, &request, sizeof request, data, sizeof data, serve);
}
