// An ATA (IDE) disk on the primary channel's master (command block 0x1f0-0x1f7, control 0x3f6)
// in PIO mode with polling: no interrupts (nIEN is set), no DMA, no heap. IDENTIFY gives the
// size; reads and writes go as READ/WRITE SECTORS (LBA28) or their EXT variants (LBA48, used
// whenever the device has it unless initialize() is told not to), at most 256 sectors a command;
// flush() is FLUSH CACHE (EXT). Every wait is bounded, so a missing or stuck device makes calls
// fail instead of hanging; a timed-out command leaves the driver not ready. Data moves 32 bits a
// port access (QEMU and Bochs accept that on the data port). Devices without LBA, ATAPI devices
// (CD-ROMs) and SATA signatures are not driven. Not thread-safe: callers serialise.
//
// Usage:
//   amber::drivers::AtaPio disk;
//   if (disk.initialize(AMBER_HANDLE_MACHINE)) disk.read(0, 1, buffer);
#pragma once

#include <amber/objects.h>
#include <stdint.h>

#include "../fs/block_device.hpp"

namespace amber::drivers {

class AtaPio final : public fs::BlockDevice {
  public:
    static constexpr uint16_t command_base = 0x1f0, control_port = 0x3f6;
    static constexpr uint32_t max_command_sectors = 256;

    // Looks for an ATA disk at the primary master and IDENTIFYs it; false if there is none (a
    // floating bus, no answer, an ATAPI or SATA signature, no LBA) or port I/O is refused.
    [[nodiscard]] bool initialize(amber_handle_t machine, bool allow_lba48 = true);

    [[nodiscard]] uint64_t sector_count() const override { return capacity_; }
    [[nodiscard]] bool read(uint64_t sector, uint32_t count, void* buffer) override;
    [[nodiscard]] bool write(uint64_t sector, uint32_t count, const void* buffer) override;
    [[nodiscard]] bool flush() override;

    bool ready() const { return ready_; }
    bool lba48() const { return lba48_; }

  private:
    enum class Wait { NotBusy, Data };

    // Sends a read or write command for `count` (1..256) sectors at `sector`.
    bool start(bool writing, uint64_t sector, uint32_t count);
    // Polls until the device is not busy (and, for Wait::Data, asks for data); false on ERR or
    // DF, or after the timeout (the driver is then no longer ready).
    bool wait(Wait what);
    // One command's sectors (1..256) through the data port.
    bool transfer(bool writing, uint64_t sector, uint32_t count, uint8_t* data);
    // A whole read or write: checked against the capacity, split into commands.
    bool request(bool writing, uint64_t sector, uint32_t count, uint8_t* data);
    uint8_t read8(uint16_t port) const;
    bool write8(uint16_t port, uint8_t value) const;
    void settle() const; // the 400 ns a device needs after a drive select or a command

    amber_handle_t machine_ = 0;
    uint64_t capacity_ = 0;
    bool ready_ = false, lba48_ = false;
};

} // namespace amber::drivers
