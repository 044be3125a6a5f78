// blkd: the block server. It drives the machine's virtio-blk disk, or if there is none the ATA disk
// at the primary IDE master (userland/drivers), with the machine capability it was given, and
// serves the block protocol (userland/lib/protocols.hpp) on the port set at service_set_handle:
// read, write and flush of 512-byte sectors, up to 64 KiB a request. Every request is idempotent
// (absolute sector numbers), as the IPC used may deliver one twice. Without a usable disk it keeps
// serving, answering every request with an error, so that its clients never wait forever.
#include <amber/abi.h>
#include <amber/ipc.h>

#include "../drivers/ata_pio.hpp"
#include "../drivers/virtio_blk.hpp"
#include "../lib/protocols.hpp"
#include "../lib/server_loop.hpp"
#include "../runtime/runtime.hpp"

namespace {

namespace sys = amber::sys;
namespace protocol = amber::protocol;

constexpr uint64_t dma_address = 0x0000000050000000ull;
constexpr uint64_t max_bytes = protocol::max_block_sectors * amber::fs::BlockDevice::sector_size;

amber::drivers::VirtioBlk virtio;
amber::drivers::AtaPio ata;
amber::fs::BlockDevice* disk = nullptr;
protocol::BlockRequest request;
alignas(64) uint8_t data[max_bytes];

// Serves one request; `reply_data` bytes of `data` go back after the reply header.
protocol::Reply serve(uint64_t received, uint64_t& reply_data) {
    reply_data = 0;
    protocol::Reply reply{-1, 0, 0};
    if (disk == nullptr || received < sizeof request || request.count > protocol::max_block_sectors) return reply;
    uint64_t bytes = uint64_t{request.count} * amber::fs::BlockDevice::sector_size;
    switch (request.op) {
    case protocol::BlockOp::Info: reply = {0, 0, disk->sector_count()}; break;
    case protocol::BlockOp::Read:
        if (disk->read(request.sector, request.count, data)) {
            reply.status = 0;
            reply_data = bytes;
        }
        break;
    case protocol::BlockOp::Write:
        if (received == sizeof request + bytes && disk->write(request.sector, request.count, data)) reply.status = 0;
        break;
    case protocol::BlockOp::Flush:
        if (disk->flush()) reply.status = 0;
        break;
    }
    return reply;
}

} // namespace

int main(int, char**) {
    amber::drivers::Pci pci(AMBER_HANDLE_MACHINE);
    if (virtio.initialize(pci, AMBER_HANDLE_SELF_SPACE, dma_address)) {
        disk = &virtio;
        amber::print("blkd: virtio-blk disk of %lu MiB%s\n", virtio.sector_count() / 2048,
                     virtio.read_only() ? ", read-only" : "");
    } else if (ata.initialize(AMBER_HANDLE_MACHINE)) {
        disk = &ata;
        amber::print("blkd: ATA disk of %lu MiB (PIO, LBA%d)\n", ata.sector_count() / 2048, ata.lba48() ? 48 : 28);
    } else {
        amber::print("blkd: no usable virtio-blk or ATA disk; answering every request with an error\n");
    }
    amber::serve_forever(
        protocol::service_set_handle, &request, sizeof request, data, sizeof data,
        [&](uint64_t received, protocol::Reply& reply, uint64_t& reply_data) { reply = serve(received, reply_data); });
}
