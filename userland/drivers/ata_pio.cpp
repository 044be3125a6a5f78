#include "ata_pio.hpp"

#include "../runtime/runtime.hpp"

namespace amber::drivers {
namespace {

// Command block registers, as offsets from command_base.
namespace reg {
constexpr uint16_t data = 0, error = 1, count = 2, lba_low = 3, lba_mid = 4, lba_high = 5, drive = 6;
constexpr uint16_t status = 7, command = 7;
} // namespace reg

namespace status {
constexpr uint8_t error = 1u << 0, data_request = 1u << 3, fault = 1u << 5, busy = 1u << 7;
} // namespace status

namespace command {
constexpr uint8_t read = 0x20, read_ext = 0x24, write = 0x30, write_ext = 0x34;
constexpr uint8_t flush = 0xe7, flush_ext = 0xea, identify = 0xec;
} // namespace command

constexpr uint8_t select_master_lba = 0xe0;
constexpr uint8_t control_no_interrupts = 1u << 1;
constexpr uint64_t lba48_limit = 1ull << 48;
constexpr uint64_t timeout_ticks = 10 * 1000;  // a flush of a large write cache can take seconds
constexpr unsigned spins_before_yielding = 64; // QEMU and Bochs usually answer at once
constexpr unsigned words_per_sector = 256;

} // namespace

uint8_t AtaPio::read8(uint16_t port) const {
    SyscallReturn r = sys::io_port_read(machine_, port, 1);
    return r.ok() ? static_cast<uint8_t>(r.value) : 0xff; // like a floating bus
}

bool AtaPio::write8(uint16_t port, uint8_t value) const { return sys::io_port_write(machine_, port, 1, value).ok(); }

void AtaPio::settle() const {
    for (int i = 0; i < 4; ++i) read8(control_port); // each alternate-status read takes >= 100 ns
}

bool AtaPio::wait(Wait what) {
    uint64_t start = ticks();
    for (unsigned spin = 0;; ++spin) {
        uint8_t s = read8(command_base + reg::status);
        if ((s & status::busy) == 0) {
            if ((s & (status::error | status::fault)) != 0) return false;
            if (what == Wait::NotBusy || (s & status::data_request) != 0) return true;
        }
        if (spin >= spins_before_yielding) {
            if (ticks() - start > timeout_ticks) {
                ready_ = false; // the device may still finish the command: do not trust it any more
                return false;
            }
            sys::thread_yield();
        }
    }
}

bool AtaPio::initialize(amber_handle_t machine, bool allow_lba48) {
    ready_ = lba48_ = false;
    capacity_ = 0;
    machine_ = machine;
    if (read8(command_base + reg::status) == 0xff) return false; // floating bus: no controller or no drive
    if (!write8(control_port, control_no_interrupts) || !write8(command_base + reg::drive, 0xa0)) return false;
    settle();
    for (uint16_t r = reg::count; r <= reg::lba_high; ++r) write8(command_base + r, 0);
    write8(command_base + reg::command, command::identify);
    settle();
    if (read8(command_base + reg::status) == 0) return false; // no drive on this channel
    bool answered = wait(Wait::NotBusy);
    // ATAPI (0x14, 0xeb) and SATA (0x3c, 0xc3) devices abort IDENTIFY and leave their signature.
    bool ata = read8(command_base + reg::lba_mid) == 0 && read8(command_base + reg::lba_high) == 0;
    if (!answered || !ata || !wait(Wait::Data)) return false;
    uint16_t identify[words_per_sector];
    if (!sys::io_port_transfer(machine_, command_base + reg::data, 2, identify, words_per_sector, AMBER_IO_READ).ok())
        return false;
    if ((identify[49] & (1u << 9)) == 0) return false; // no LBA: CHS only
    lba48_ = allow_lba48 && (identify[83] & (1u << 10)) != 0;
    if (lba48_) {
        for (int i = 3; i >= 0; --i) capacity_ = capacity_ << 16 | identify[100 + i];
        if (capacity_ > lba48_limit) capacity_ = lba48_limit;
    } else {
        capacity_ = identify[60] | uint32_t{identify[61]} << 16;
    }
    ready_ = capacity_ > 0;
    return ready_;
}

bool AtaPio::start(bool writing, uint64_t sector, uint32_t count) {
    const uint16_t base = command_base;
    if (lba48_) {
        write8(base + reg::drive, select_master_lba);
        // The high bytes first, then the low: each register keeps the previous value written.
        write8(base + reg::count, static_cast<uint8_t>(count >> 8));
        for (unsigned i = 0; i < 3; ++i) write8(base + reg::lba_low + i, static_cast<uint8_t>(sector >> (24 + 8 * i)));
    } else {
        write8(base + reg::drive, static_cast<uint8_t>(select_master_lba | ((sector >> 24) & 0x0f)));
    }
    write8(base + reg::count, static_cast<uint8_t>(count)); // 256 is 0 for LBA28
    for (unsigned i = 0; i < 3; ++i) write8(base + reg::lba_low + i, static_cast<uint8_t>(sector >> (8 * i)));
    uint8_t op =
        writing ? (lba48_ ? command::write_ext : command::write) : (lba48_ ? command::read_ext : command::read);
    bool sent = write8(base + reg::command, op);
    settle();
    return sent;
}

bool AtaPio::transfer(bool writing, uint64_t sector, uint32_t count, uint8_t* data) {
    if (!wait(Wait::NotBusy) || !start(writing, sector, count)) return false;
    for (uint32_t s = 0; s < count; ++s) {
        if (!wait(Wait::Data)) return false;
        uint8_t* at = data + uint64_t{s} * sector_size;
        // The whole sector in one call (rep insd/outsd in the kernel).
        if (!sys::io_port_transfer(machine_, command_base + reg::data, 4, at, sector_size / 4,
                                   writing ? AMBER_IO_WRITE : AMBER_IO_READ)
                 .ok())
            return false;
    }
    settle();
    return wait(Wait::NotBusy); // a write fails here if the device could not store the last sector
}

bool AtaPio::request(bool writing, uint64_t sector, uint32_t count, uint8_t* data) {
    if (!ready_ || sector > capacity_ || count > capacity_ - sector) return false; // capacity_ fits the LBA size
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < max_command_sectors ? count - done : max_command_sectors;
        if (!transfer(writing, sector + done, n, data + uint64_t{done} * sector_size)) return false;
        done += n;
    }
    return true;
}

bool AtaPio::read(uint64_t sector, uint32_t count, void* buffer) {
    return request(false, sector, count, static_cast<uint8_t*>(buffer));
}

bool AtaPio::write(uint64_t sector, uint32_t count, const void* buffer) {
    // transfer() only reads the buffer of a write.
    return request(true, sector, count, const_cast<uint8_t*>(static_cast<const uint8_t*>(buffer)));
}

bool AtaPio::flush() {
    if (!ready_ || !wait(Wait::NotBusy)) return false;
    write8(command_base + reg::drive, select_master_lba);
    if (!write8(command_base + reg::command, lba48_ ? command::flush_ext : command::flush)) return false;
    settle();
    return wait(Wait::NotBusy);
}

} // namespace amber::drivers
