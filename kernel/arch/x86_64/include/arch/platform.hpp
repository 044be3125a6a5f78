// Machine-level services the kernel core needs: console, time, idling and power.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace arch {

// Writes to the serial console (COM1), translating "\n" to "\r\n".
void console_write(const char* bytes, size_t length);

// A monotonic cycle counter (TSC) and its calibrated frequency.
uint64_t timestamp();
uint64_t timestamp_hz();

// Sleeps until the next interrupt has been handled; called only with nothing to run.
void idle_wait();
// A preemption point's window: lets pending interrupts (the timer) be handled, then disables
// interrupts again.
void poll_interrupts();

// Ends the machine: under QEMU the process exits with (status << 1) | 1 through isa-debug-exit
// when present; otherwise ACPI S5 (QEMU) or the Bochs shutdown port.
[[noreturn]] void power_off(int status);
// Stops this CPU for good, interrupts off.
[[noreturn]] void halt_forever();

} // namespace arch
