// GDT, TSS and IDT of the boot CPU.
#pragma once

#include <stdint.h>

namespace arch {

constexpr uint8_t vector_timer = 0x30;
constexpr uint8_t vector_spurious = 0xff;

// Loads the GDT (with the TSS) and IDT, and remaps and masks the legacy 8259 PICs.
void initialize_descriptors(uint64_t kernel_stack_top);
// Where the CPU saves user state on the next interrupt from user mode.
void set_interrupt_frame_top(uint64_t top);

} // namespace arch
