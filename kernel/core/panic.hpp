// Unrecoverable kernel errors. panic() prints "KERNEL PANIC: ..." and ends the machine (or halts,
// with panic=halt on the command line, so a debugger can look around).
#pragma once

namespace kernel {

[[noreturn]] void panic(const char* format, ...) __attribute__((format(printf, 1, 2)));

} // namespace kernel

#define KERNEL_ASSERT(condition)                                                                                       \
    do {                                                                                                               \
        if (!(condition)) ::kernel::panic("assertion failed: %s (%s:%d)", #condition, __FILE__, __LINE__);             \
    } while (0)
