#include "descriptors.hpp"

#include <arch/cpu.hpp>
#include <arch/frame.hpp>

extern "C" char arch_interrupt_stubs[];

namespace arch {
namespace {

struct __attribute__((packed)) TaskStateSegment {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base;
};
static_assert(sizeof(TaskStateSegment) == 104);

struct __attribute__((packed)) TablePointer {
    uint16_t limit;
    uint64_t base;
};

struct InterruptGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(InterruptGate) == 16);

// IST stacks for faults that must not trust the current stack.
constexpr unsigned ist_double_fault = 1, ist_nmi = 2, ist_machine_check = 3;
alignas(16) uint8_t ist_stacks[3][8192];

TaskStateSegment tss;
uint64_t gdt[10];
InterruptGate idt[256];

void set_gate(unsigned vector, unsigned ist, unsigned privilege = 0) {
    uint64_t handler = reinterpret_cast<uint64_t>(arch_interrupt_stubs) + vector * 16;
    InterruptGate& g = idt[vector];
    g.offset_low = static_cast<uint16_t>(handler);
    g.selector = selector::kernel_code;
    g.ist = static_cast<uint8_t>(ist);
    g.type_attributes = static_cast<uint8_t>(0x8e | privilege << 5); // present, 64-bit interrupt gate
    g.offset_middle = static_cast<uint16_t>(handler >> 16);
    g.offset_high = static_cast<uint32_t>(handler >> 32);
    g.reserved = 0;
}

void remap_and_mask_legacy_pics() {
    // ICW1..ICW4: vectors 0x20..0x2f, cascade on IRQ2, 8086 mode; then mask every line.
    out8(0x20, 0x11);
    out8(0xa0, 0x11);
    out8(0x21, 0x20);
    out8(0xa1, 0x28);
    out8(0x21, 0x04);
    out8(0xa1, 0x02);
    out8(0x21, 0x01);
    out8(0xa1, 0x01);
    out8(0x21, 0xff);
    out8(0xa1, 0xff);
}

} // namespace

void initialize_descriptors(uint64_t kernel_stack_top) {
    // The same selector values as Linux: the pvm "KVM" backend of the development machines runs
    // guests on the host's descriptor tables and only delivers `syscall` with this layout.
    gdt[0] = 0;
    gdt[1] = 0x00cf9a000000ffff; // 0x08 kernel code, 32-bit (unused)
    gdt[2] = 0x00af9a000000ffff; // 0x10 kernel code, 64-bit
    gdt[3] = 0x00cf92000000ffff; // 0x18 kernel data
    gdt[4] = 0x00cffa000000ffff; // 0x20 user code, 32-bit (unused; sysret layout)
    gdt[5] = 0x00cff2000000ffff; // 0x28 user data
    gdt[6] = 0x00affa000000ffff; // 0x30 user code, 64-bit
    gdt[7] = 0;
    auto base = reinterpret_cast<uint64_t>(&tss);
    uint64_t limit = sizeof tss - 1;
    gdt[8] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
             ((base >> 24) & 0xff) << 56;
    gdt[9] = base >> 32;

    tss.rsp[0] = kernel_stack_top;
    tss.ist[ist_double_fault - 1] = reinterpret_cast<uint64_t>(ist_stacks[0] + sizeof ist_stacks[0]);
    tss.ist[ist_nmi - 1] = reinterpret_cast<uint64_t>(ist_stacks[1] + sizeof ist_stacks[1]);
    tss.ist[ist_machine_check - 1] = reinterpret_cast<uint64_t>(ist_stacks[2] + sizeof ist_stacks[2]);
    tss.io_map_base = sizeof tss; // no I/O permission bitmap: user port I/O always faults

    TablePointer gdt_pointer{sizeof gdt - 1, reinterpret_cast<uint64_t>(gdt)};
    asm volatile("lgdt %0\n"
                 "mov %1, %%ds\n"
                 "mov %1, %%es\n"
                 "mov %1, %%ss\n"
                 "pushq %2\n"
                 "leaq 1f(%%rip), %%rax\n"
                 "pushq %%rax\n"
                 "lretq\n"
                 "1:\n"
                 :
                 : "m"(gdt_pointer), "r"(static_cast<uint64_t>(selector::kernel_data)),
                   "i"(static_cast<uint64_t>(selector::kernel_code))
                 : "rax", "memory");
    asm volatile("ltr %0" : : "r"(selector::tss));

    for (unsigned v = 0; v < 256; ++v) set_gate(v, 0);
    set_gate(2, ist_nmi);
    set_gate(8, ist_double_fault);
    set_gate(18, ist_machine_check);
    set_gate(3, 0, 3); // int3 and into from user mode raise #BP/#OF instead of #GP
    set_gate(4, 0, 3);
    TablePointer idt_pointer{sizeof idt - 1, reinterpret_cast<uint64_t>(idt)};
    asm volatile("lidt %0" : : "m"(idt_pointer));

    remap_and_mask_legacy_pics();
}

void unmask_legacy_irq(unsigned irq) {
    uint16_t port = irq < 8 ? 0x21 : 0xa1;
    out8(port, static_cast<uint8_t>(in8(port) & ~(1u << (irq % 8))));
    if (irq >= 8) out8(0x21, static_cast<uint8_t>(in8(0x21) & ~(1u << 2))); // the cascade
}

void end_legacy_irq(unsigned irq) {
    if (irq >= 8) out8(0xa0, 0x20);
    out8(0x20, 0x20);
}

void set_interrupt_frame_top(uint64_t top) { tss.rsp[0] = top; }

} // namespace arch
