#include "clock.hpp"

#include <amber/abi.h>

#include "../userland/runtime/runtime.hpp"

namespace checkpointd {
namespace {

uint64_t tsc_per_ms = 0;

uint64_t tsc() {
    uint32_t low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (uint64_t{high} << 32) | low;
}

uint64_t next_tick() {
    uint64_t start = amber::ticks();
    uint64_t now;
    while ((now = amber::ticks()) == start) {}
    return now;
}

} // namespace

void calibrate_clock() {
    constexpr uint64_t ticks = 20;
    uint64_t first = next_tick();
    uint64_t begin = tsc();
    while (amber::ticks() < first + ticks) {}
    uint64_t cycles = tsc() - begin;
    tsc_per_ms = cycles / (ticks * 1000 / AMBER_TICK_HZ);
    if (tsc_per_ms == 0) tsc_per_ms = 1;
}

// tsc * 1000 overflows after ~200 days at 1 GHz; the boot-relative TSC is far from that.
uint64_t now_us() {
    uint64_t t = tsc();
    return t / tsc_per_ms * 1000 + t % tsc_per_ms * 1000 / tsc_per_ms;
}

} // namespace checkpointd
