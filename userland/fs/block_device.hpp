// A disk as a file system sees it: numbered 512-byte sectors. Implemented by the virtio-blk driver,
// by the client side of the block server's IPC protocol, and by files on the host in unit tests.
//
// Contract: read/write transfer `count` whole sectors starting at `sector` and return false (with
// nothing promised about the buffer or the sectors) on any error or out-of-range request. A write
// that returned true reaches the disk before any later write; flush() returns once every earlier
// write is durable. A single-sector write is atomic: after a power cut the sector holds its old or
// its new contents, never a mix.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace amber::fs {

class BlockDevice {
  public:
    static constexpr uint32_t sector_size = 512;

    [[nodiscard]] virtual uint64_t sector_count() const = 0;
    [[nodiscard]] virtual bool read(uint64_t sector, uint32_t count, void* buffer) = 0;
    [[nodiscard]] virtual bool write(uint64_t sector, uint32_t count, const void* buffer) = 0;
    [[nodiscard]] virtual bool flush() = 0;

  protected:
    ~BlockDevice() = default; // not owned through this interface
};

} // namespace amber::fs
