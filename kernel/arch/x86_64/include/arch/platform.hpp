// Machine-level services the kernel core needs: console, time, idling and power.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace arch {

// Writes to the serial console (COM1), translating "\n" to "\r\n". What it receives goes to
// kernel::receive_console_input() from COM1's interrupt (IRQ 4).
void console_write(const char* bytes, size_t length);

// Port I/O for user-level drivers (io_port_read/io_port_write); `width` is 1, 2 or 4 bytes.
uint32_t port_read(uint16_t port, unsigned width);
void port_write(uint16_t port, unsigned width, uint32_t value);
// True if [port, port + width) touches a port the kernel drives itself: the interrupt controllers
// and the console's UART (COM1). User drivers may not use those.
bool port_reserved_by_kernel(uint32_t port, unsigned width);

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
