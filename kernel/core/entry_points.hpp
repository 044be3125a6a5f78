// How the architecture layer hands control to the kernel core. Each [[noreturn]] function ends by
// entering user mode (through the scheduler); nothing of the interrupted thread stays on the
// kernel stack.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <arch/frame.hpp>

#include "boot_info.hpp"

namespace kernel {

struct UserFault {
    uint64_t vector;
    uint64_t error_code;
    uint64_t address; // CR2 for page faults, else 0
};

// The current thread executed `syscall`; its registers are in `frame`.
[[noreturn]] void handle_syscall(arch::UserFrame& frame);
// The current thread took a CPU exception in user mode.
[[noreturn]] void handle_user_fault(const UserFault& fault);
// A timer tick arrived (from user or kernel mode); interrupts are off.
void handle_timer_tick();
// Bytes arrived on the serial console (from its receive interrupt); interrupts are off. They are
// buffered (kernel/core/machine.hpp); readers are woken on the way out to user mode.
void receive_console_input(const uint8_t* bytes, size_t length);
// Picks the thread to run next and enters user mode (idles while none is runnable).
[[noreturn]] void return_to_user();
// Called once the architecture is up: starts the first processes and the scheduler.
[[noreturn]] void start_kernel(const BootInfo& boot_info);

} // namespace kernel
