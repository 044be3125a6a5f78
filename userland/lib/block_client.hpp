// A disk served by blkd, seen through the block protocol as a BlockDevice (used by fsd).
#pragma once

#include <amber/objects.h>

#include "../fs/block_device.hpp"

namespace amber::fs {

class RemoteBlockDevice final : public BlockDevice {
  public:
    // Asks the server behind `port` for the disk's size; false if it has no usable disk.
    [[nodiscard]] bool connect(amber_handle_t port);
    [[nodiscard]] uint64_t sector_count() const override { return sectors_; }
    [[nodiscard]] bool read(uint64_t sector, uint32_t count, void* buffer) override;
    [[nodiscard]] bool write(uint64_t sector, uint32_t count, const void* buffer) override;
    [[nodiscard]] bool flush() override;

  private:
    amber_handle_t port_ = 0;
    uint64_t sectors_ = 0;
};

} // namespace amber::fs
