// A virtio-blk disk through the legacy (transitional) virtio PCI interface: registers in I/O BAR0,
// one virtqueue, one request in flight, completion found by polling the used ring (yielding
// between polls; no interrupts). Requests of up to max_request_sectors go through a bounce buffer
// in DMA memory; larger ones are split. FLUSH is negotiated when offered; a read-only device
// refuses writes. Not thread-safe: callers serialise.
//
// Usage:
//   amber::drivers::Pci pci(AMBER_HANDLE_MACHINE);
//   amber::drivers::VirtioBlk disk;
//   if (disk.initialize(pci, AMBER_HANDLE_SELF_SPACE, 0x50000000)) disk.read(0, 1, buffer);
// initialize() takes dma_size bytes of DMA memory at that (page-aligned, free) address of `space`.
#pragma once

#include <amber/objects.h>
#include <stdint.h>

#include "../fs/block_device.hpp"
#include "pci.hpp"

namespace amber::drivers {

class VirtioBlk final : public fs::BlockDevice {
  public:
    static constexpr uint16_t vendor_id = 0x1af4, legacy_device_id = 0x1001;
    static constexpr uint32_t max_request_sectors = 2048; // 1 MiB per request
    static constexpr uint32_t max_queue_size = 1024;
    static constexpr uint64_t dma_size =
        36 * 1024 + (1u << 20); // queue (at most 32 KiB), request header page, bounce buffer

    // Finds the first legacy virtio-blk function, resets it, negotiates features and sets up its
    // queue in DMA memory at `dma_address` of `space`. False if any of that fails.
    [[nodiscard]] bool initialize(const Pci& pci, amber_handle_t space, uint64_t dma_address);

    [[nodiscard]] uint64_t sector_count() const override { return capacity_; }
    [[nodiscard]] bool read(uint64_t sector, uint32_t count, void* buffer) override;
    [[nodiscard]] bool write(uint64_t sector, uint32_t count, const void* buffer) override;
    [[nodiscard]] bool flush() override;

    bool ready() const { return ready_; }
    bool has_flush() const { return has_flush_; }
    bool read_only() const { return read_only_; }
    PciFunction function() const { return function_; }
    uint64_t dma_physical() const { return dma_physical_; }

  private:
    struct Descriptor {
        uint64_t address;
        uint32_t length;
        uint16_t flags;
        uint16_t next;
    };

    bool in_range(uint64_t sector, uint32_t count) const;
    // One request: header, optional data in the bounce buffer, status. True if the device said OK.
    bool submit(uint32_t type, uint64_t sector, uint32_t data_bytes);
    uint32_t read_register(uint16_t offset, unsigned width) const;
    bool write_register(uint16_t offset, unsigned width, uint32_t value) const;

    amber_handle_t machine_ = 0;
    PciFunction function_{};
    uint16_t io_base_ = 0;
    uint16_t queue_size_ = 0;
    uint16_t next_available_ = 0; // our copy of avail->idx
    uint16_t last_used_ = 0;      // used->idx seen last
    uint64_t capacity_ = 0;
    bool ready_ = false, has_flush_ = false, read_only_ = false;
    uint64_t dma_physical_ = 0;
    // Views of the DMA memory (virtual addresses in this process).
    Descriptor* descriptors_ = nullptr;
    volatile uint16_t* available_ = nullptr; // flags, idx, ring[queue_size]
    volatile uint16_t* used_ = nullptr;      // flags, idx, then {u32 id, u32 length}[queue_size]
    uint8_t* request_ = nullptr;             // header (16 bytes) and status byte
    uint8_t* bounce_ = nullptr;
    uint64_t request_physical_ = 0, bounce_physical_ = 0;
};

} // namespace amber::drivers
