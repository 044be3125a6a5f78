#include <arch/cpu.hpp>
#include <arch/platform.hpp>

#include "../../core/entry_points.hpp"
#include "descriptors.hpp"

namespace arch {
namespace {

constexpr uint16_t com1 = 0x3f8;

void serial_put(char c) {
    for (unsigned spins = 0; spins < 100000 && (in8(com1 + 5) & 0x20) == 0; ++spins) pause();
    out8(com1, static_cast<uint8_t>(c));
}

} // namespace

void initialize_serial() {
    out8(com1 + 1, 0x00); // no interrupts
    out8(com1 + 3, 0x80); // DLAB
    out8(com1 + 0, 0x01); // 115200 baud
    out8(com1 + 1, 0x00);
    out8(com1 + 3, 0x03); // 8N1
    out8(com1 + 2, 0xc7); // FIFO on, cleared, 14-byte threshold
    out8(com1 + 4, 0x03); // DTR, RTS
}

void enable_console_input() {
    out8(com1 + 1, 0x01); // interrupt when received data is available
    out8(com1 + 4, 0x0b); // DTR, RTS, OUT2 (connects the UART's interrupt line to the PIC)
    unmask_legacy_irq(irq_console);
}

void receive_console_bytes() {
    uint8_t bytes[64];
    size_t count = 0;
    while (count < sizeof bytes && (in8(com1 + 5) & 0x01) != 0) bytes[count++] = in8(com1);
    end_legacy_irq(irq_console);
    if (count > 0) kernel::receive_console_input(bytes, count);
}

uint32_t port_read(uint16_t port, unsigned width) {
    if (width == 1) return in8(port);
    if (width == 2) return in16(port);
    return in32(port);
}

void port_write(uint16_t port, unsigned width, uint32_t value) {
    if (width == 1)
        out8(port, static_cast<uint8_t>(value));
    else if (width == 2)
        out16(port, static_cast<uint16_t>(value));
    else
        out32(port, value);
}

bool port_reserved_by_kernel(uint32_t port, unsigned width) {
    struct Range {
        uint32_t base, end;
    };
    constexpr Range reserved[] = {{0x20, 0x22}, {0xa0, 0xa2}, {com1, com1 + 8}}; // the PICs, COM1
    for (const Range& r : reserved) {
        if (port < r.end && r.base < port + width) return true;
    }
    return false;
}

void console_write(const char* bytes, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        if (bytes[i] == '\n') serial_put('\r');
        serial_put(bytes[i]);
    }
}

void halt_forever() {
    for (;;) asm volatile("cli; hlt");
}

void power_off(int status) {
    // QEMU isa-debug-exit (iobase 0xf4): exits with (value << 1) | 1. Absent: the write is ignored.
    out32(0xf4, static_cast<uint32_t>(status));
    // QEMU pc/q35 ACPI S5 (exit status 0); asynchronous, so keep halting afterwards.
    out16(0x604, 0x2000);
    // Bochs: shutdown port and its ACPI PM block.
    for (const char* p = "Shutdown"; *p != '\0'; ++p) out8(0x8900, static_cast<uint8_t>(*p));
    out16(0xb004, 0x2000);
    halt_forever();
}

void idle_wait() { wait_for_interrupt(); }

void poll_interrupts() { asm volatile("sti; nop; cli" : : : "memory"); }

uint64_t timestamp() { return read_timestamp(); }

} // namespace arch
