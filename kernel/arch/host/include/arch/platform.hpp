// Host fake of <arch/platform.hpp>: the console appends to a string tests can inspect and clear,
// time is std::chrono::steady_clock in nanoseconds, and power_off()/halt_forever() throw.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace arch {

namespace host {
// Everything written with console_write() since the last clear().
inline std::string& console_output() {
    static std::string output;
    return output;
}

struct PoweredOff : std::runtime_error {
    explicit PoweredOff(int exit_status)
        : std::runtime_error("arch::power_off(" + std::to_string(exit_status) + ")"), status(exit_status) {}
    int status;
};

struct Halted : std::runtime_error {
    Halted() : std::runtime_error("arch::halt_forever") {}
};
} // namespace host

inline void console_write(const char* bytes, size_t length) { host::console_output().append(bytes, length); }

inline uint64_t timestamp() {
    auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count());
}
inline uint64_t timestamp_hz() { return 1'000'000'000; }

inline void idle_wait() {}

[[noreturn]] inline void power_off(int status) { throw host::PoweredOff(status); }
[[noreturn]] inline void halt_forever() { throw host::Halted(); }

inline void poll_interrupts() {}

} // namespace arch
