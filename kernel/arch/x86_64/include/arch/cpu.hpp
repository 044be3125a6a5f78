// Thin wrappers over x86_64 instructions. Kernel-only; every function is inline and side-effect
// free except for the instruction it names.
#pragma once

#include <stdint.h>

namespace arch {

inline void out8(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
inline void out16(uint16_t port, uint16_t value) { asm volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
inline void out32(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
inline uint8_t in8(uint16_t port) {
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
inline uint16_t in16(uint16_t port) {
    uint16_t value;
    asm volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
inline uint32_t in32(uint16_t port) {
    uint32_t value;
    asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline uint64_t read_msr(uint32_t msr) {
    uint32_t low, high;
    asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
    return static_cast<uint64_t>(high) << 32 | low;
}
inline void write_msr(uint32_t msr, uint64_t value) {
    asm volatile("wrmsr" : : "c"(msr), "a"(static_cast<uint32_t>(value)), "d"(static_cast<uint32_t>(value >> 32)));
}

namespace msr {
constexpr uint32_t efer = 0xc0000080;
constexpr uint32_t star = 0xc0000081;
constexpr uint32_t lstar = 0xc0000082;
constexpr uint32_t fmask = 0xc0000084;
constexpr uint32_t fs_base = 0xc0000100;
constexpr uint32_t gs_base = 0xc0000101;
constexpr uint32_t kernel_gs_base = 0xc0000102;
constexpr uint32_t apic_base = 0x1b;
} // namespace msr

inline uint64_t read_cr0() {
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr2() {
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
inline uint64_t read_cr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
inline void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
inline void invalidate_page(uint64_t address) { asm volatile("invlpg (%0)" : : "r"(address) : "memory"); }

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t read_timestamp() {
    uint32_t low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return static_cast<uint64_t>(high) << 32 | low;
}

inline void disable_interrupts() { asm volatile("cli" : : : "memory"); }
inline void enable_interrupts() { asm volatile("sti" : : : "memory"); }
// Enables interrupts and halts until one arrives (sti's one-instruction shadow makes this atomic).
inline void wait_for_interrupt() { asm volatile("sti; hlt; cli" : : : "memory"); }
inline void pause() { asm volatile("pause"); }

} // namespace arch
