#include "timer.hpp"

#include <arch/cpu.hpp>
#include <arch/paging.hpp>
#include <arch/platform.hpp>

#include "../../core/log.hpp"
#include "descriptors.hpp"

namespace arch {
namespace {

namespace reg {
constexpr uint32_t id = 0x20, eoi = 0xb0, spurious = 0xf0, lvt_timer = 0x320, lvt_lint0 = 0x350;
constexpr uint32_t initial_count = 0x380, current_count = 0x390, divide = 0x3e0;
} // namespace reg

volatile uint32_t* lapic = nullptr;
uint64_t tsc_hz = 0;

uint32_t read_lapic(uint32_t r) { return lapic[r / 4]; }
void write_lapic(uint32_t r, uint32_t v) { lapic[r / 4] = v; }

constexpr uint32_t pit_hz = 1193182;
constexpr uint32_t calibration_ms = 10;

// Runs PIT channel 2 once for calibration_ms; returns the LAPIC ticks (divide 16) and TSC cycles.
void measure(uint32_t& lapic_ticks, uint64_t& tsc_cycles) {
    uint32_t pit_count = pit_hz * calibration_ms / 1000;
    out8(0x61, static_cast<uint8_t>((in8(0x61) & 0xfc) | 0x01)); // gate on, speaker off
    out8(0x43, 0xb0);                                            // channel 2, lo/hi, mode 0
    out8(0x42, static_cast<uint8_t>(pit_count));
    out8(0x42, static_cast<uint8_t>(pit_count >> 8));
    uint8_t gate = in8(0x61);
    out8(0x61, static_cast<uint8_t>(gate & 0xfe)); // restart the count with a gate edge
    out8(0x61, static_cast<uint8_t>(gate | 0x01));
    write_lapic(reg::initial_count, 0xffffffff);
    uint64_t tsc_start = read_timestamp();
    while ((in8(0x61) & 0x20) == 0) pause();
    uint64_t tsc_end = read_timestamp();
    uint32_t remaining = read_lapic(reg::current_count);
    write_lapic(reg::initial_count, 0);
    lapic_ticks = 0xffffffff - remaining;
    tsc_cycles = tsc_end - tsc_start;
}

} // namespace

bool initialize_timer(uint32_t hz) {
    if ((cpuid(1).edx & (1u << 9)) == 0) return false;
    uint64_t base = read_msr(msr::apic_base);
    write_msr(msr::apic_base, base | (1u << 11)); // global enable
    uint64_t address = map_device_memory(base & 0xfffff000, page_size);
    if (address == 0) return false;
    lapic = reinterpret_cast<volatile uint32_t*>(address);
    write_lapic(reg::spurious, 0x100 | vector_spurious); // software enable
    write_lapic(reg::divide, 0x3);                       // divide by 16
    write_lapic(reg::lvt_timer, 1u << 16);               // masked while calibrating
    // Virtual wire: the 8259 PICs (the console's IRQ 4) reach the CPU through LINT0 as ExtINT.
    // SeaBIOS sets this up; qboot (under KVM) leaves LINT0 masked.
    constexpr uint32_t delivery_extint = 7u << 8;
    write_lapic(reg::lvt_lint0, delivery_extint);

    uint32_t lapic_ticks = 0;
    uint64_t tsc_cycles = 0;
    measure(lapic_ticks, tsc_cycles);
    uint64_t lapic_hz = static_cast<uint64_t>(lapic_ticks) * (1000 / calibration_ms);
    tsc_hz = tsc_cycles * (1000 / calibration_ms);
    if (lapic_hz < hz) lapic_hz = hz; // a broken calibration still gives a (slow) timer
    kernel::log("timer: LAPIC %u kHz (divided), TSC %u MHz, tick %u Hz", static_cast<unsigned>(lapic_hz / 1000),
                static_cast<unsigned>(tsc_hz / 1000000), hz);

    write_lapic(reg::lvt_timer, (1u << 17) | vector_timer); // periodic
    write_lapic(reg::initial_count, static_cast<uint32_t>(lapic_hz / hz));
    return true;
}

void acknowledge_interrupt() { write_lapic(reg::eoi, 0); }

uint64_t timestamp_hz() { return tsc_hz; }

} // namespace arch
