// GDT, TSS and IDT of the boot CPU.
#pragma once

#include <stdint.h>

namespace arch {

constexpr uint8_t vector_timer = 0x30;
constexpr uint8_t vector_spurious = 0xff;
// The legacy PICs' lines 0..15 arrive at these vectors (all masked but those unmasked below).
constexpr uint8_t vector_legacy_irq_base = 0x20;
constexpr unsigned irq_console = 4; // COM1
constexpr uint8_t vector_console = vector_legacy_irq_base + irq_console;

// Loads the GDT (with the TSS) and IDT, and remaps and masks the legacy 8259 PICs.
void initialize_descriptors(uint64_t kernel_stack_top);
// Lets one legacy IRQ line through the PICs; end_legacy_irq() acknowledges it (EOI).
void unmask_legacy_irq(unsigned irq);
void end_legacy_irq(unsigned irq);
// COM1's receive interrupt (platform.cpp): enabling it, and draining the UART when it fires.
void enable_console_input();
void receive_console_bytes();
// Where the CPU saves user state on the next interrupt from user mode.
void set_interrupt_frame_top(uint64_t top);

} // namespace arch
