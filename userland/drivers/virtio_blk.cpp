#include "virtio_blk.hpp"

#include "../runtime/runtime.hpp"

namespace amber::drivers {
namespace {

// Legacy virtio PCI registers in I/O BAR0 (MSI-X off: the device config follows at 0x14).
namespace reg {
constexpr uint16_t device_features = 0x00, driver_features = 0x04, queue_address = 0x08, queue_size = 0x0c;
constexpr uint16_t queue_select = 0x0e, queue_notify = 0x10, status = 0x12, capacity = 0x14;
} // namespace reg

namespace status {
constexpr uint8_t acknowledge = 1, driver = 2, driver_ok = 4, failed = 128;
} // namespace status

constexpr uint32_t feature_read_only = 1u << 5, feature_flush = 1u << 9;
constexpr uint32_t request_in = 0, request_out = 1, request_flush = 4;
constexpr uint16_t descriptor_next = 1, descriptor_device_writes = 2;
constexpr uint16_t available_no_interrupt = 1;
constexpr uint64_t page = 4096;
constexpr uint64_t queue_area = 32 * 1024; // the layout for max_queue_size entries fits
constexpr uint64_t request_offset = queue_area, bounce_offset = queue_area + page;
constexpr uint64_t completion_timeout_ticks = 30 * 1000;
static_assert(bounce_offset + VirtioBlk::max_request_sectors * VirtioBlk::sector_size <= VirtioBlk::dma_size);

uint64_t align_page(uint64_t n) { return (n + page - 1) & ~(page - 1); }

void fence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

} // namespace

uint32_t VirtioBlk::read_register(uint16_t offset, unsigned width) const {
    return static_cast<uint32_t>(sys::io_port_read(machine_, io_base_ + offset, width).value);
}

bool VirtioBlk::write_register(uint16_t offset, unsigned width, uint32_t value) const {
    return sys::io_port_write(machine_, io_base_ + offset, width, value).ok();
}

bool VirtioBlk::initialize(const Pci& pci, amber_handle_t space, uint64_t dma_address) {
    ready_ = false;
    machine_ = pci.machine();
    PciBar bar0;
    if (!pci.find(vendor_id, legacy_device_id, function_) || !pci.bar(function_, 0, bar0) || !bar0.io) return false;
    if (bar0.address == 0 && !pci.assign_io_bar(function_, 0, bar0)) return false;
    if (bar0.address == 0 || bar0.address > 0xffff) return false;
    io_base_ = static_cast<uint16_t>(bar0.address);
    if (!pci.enable(function_, pci_command::io_space | pci_command::bus_master)) return false;
    SyscallReturn dma = sys::dma_allocate(machine_, space, dma_address, dma_size);
    if (!dma.ok()) return false;
    dma_physical_ = dma.value;

    write_register(reg::status, 1, 0); // reset
    write_register(reg::status, 1, status::acknowledge);
    write_register(reg::status, 1, status::acknowledge | status::driver);
    uint32_t offered = read_register(reg::device_features, 4);
    has_flush_ = (offered & feature_flush) != 0;
    read_only_ = (offered & feature_read_only) != 0;
    write_register(reg::driver_features, 4, offered & (feature_flush | feature_read_only));

    write_register(reg::queue_select, 2, 0);
    queue_size_ = static_cast<uint16_t>(read_register(reg::queue_size, 2));
    if (queue_size_ < 3 || queue_size_ > max_queue_size) {
        write_register(reg::status, 1, status::failed);
        return false;
    }
    // Legacy layout: descriptors, the available ring, then the used ring on the next page.
    auto* base = reinterpret_cast<uint8_t*>(dma_address);
    uint64_t used_offset = align_page(16ull * queue_size_ + 6 + 2ull * queue_size_);
    descriptors_ = reinterpret_cast<Descriptor*>(base);
    available_ = reinterpret_cast<volatile uint16_t*>(base + 16ull * queue_size_);
    used_ = reinterpret_cast<volatile uint16_t*>(base + used_offset);
    request_ = base + request_offset;
    bounce_ = base + bounce_offset;
    request_physical_ = dma_physical_ + request_offset;
    bounce_physical_ = dma_physical_ + bounce_offset;
    available_[0] = available_no_interrupt; // we poll
    next_available_ = 0;
    last_used_ = 0;
    write_register(reg::queue_address, 4, static_cast<uint32_t>(dma_physical_ / page));

    capacity_ = read_register(reg::capacity, 4) | uint64_t{read_register(reg::capacity + 4, 4)} << 32;
    write_register(reg::status, 1, status::acknowledge | status::driver | status::driver_ok);
    ready_ = true;
    return true;
}

bool VirtioBlk::in_range(uint64_t sector, uint32_t count) const {
    return ready_ && sector <= capacity_ && count <= capacity_ - sector;
}

bool VirtioBlk::submit(uint32_t type, uint64_t sector, uint32_t data_bytes) {
    auto* header = reinterpret_cast<uint32_t*>(request_);
    header[0] = type;
    header[1] = 0;
    *reinterpret_cast<uint64_t*>(request_ + 8) = sector;
    volatile uint8_t* status_byte = request_ + 16;
    *status_byte = 0xff;
    uint16_t next = 1;
    descriptors_[0] = {request_physical_, 16, descriptor_next, next};
    if (data_bytes > 0) {
        uint16_t direction = type == request_in ? descriptor_device_writes : 0;
        descriptors_[next] = {bounce_physical_, data_bytes, static_cast<uint16_t>(descriptor_next | direction), 2};
        next = 2;
    }
    descriptors_[next] = {request_physical_ + 16, 1, descriptor_device_writes, 0};
    available_[2 + next_available_ % queue_size_] = 0; // the chain starts at descriptor 0
    fence();
    available_[1] = ++next_available_;
    fence();
    write_register(reg::queue_notify, 2, 0);
    uint64_t start = ticks();
    while (used_[1] == last_used_) {
        if (ticks() - start > completion_timeout_ticks) {
            ready_ = false; // the request may still complete: the queue cannot be trusted any more
            return false;
        }
        sys::thread_yield();
    }
    fence();
    last_used_ = used_[1];
    return *status_byte == 0;
}

bool VirtioBlk::read(uint64_t sector, uint32_t count, void* buffer) {
    if (!in_range(sector, count)) return false;
    auto* out = static_cast<uint8_t*>(buffer);
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < max_request_sectors ? count - done : max_request_sectors;
        if (!submit(request_in, sector + done, n * sector_size)) return false;
        __builtin_memcpy(out + uint64_t{done} * sector_size, bounce_, n * sector_size);
        done += n;
    }
    return true;
}

bool VirtioBlk::write(uint64_t sector, uint32_t count, const void* buffer) {
    if (read_only_ || !in_range(sector, count)) return false;
    const auto* in = static_cast<const uint8_t*>(buffer);
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < max_request_sectors ? count - done : max_request_sectors;
        __builtin_memcpy(bounce_, in + uint64_t{done} * sector_size, n * sector_size);
        if (!submit(request_out, sector + done, n * sector_size)) return false;
        done += n;
    }
    return true;
}

// Without VIRTIO_BLK_F_FLUSH the device writes through: a completed write is already durable.
bool VirtioBlk::flush() { return ready_ && (!has_flush_ || submit(request_flush, 0, 0)); }

} // namespace amber::drivers
