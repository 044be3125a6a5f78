// Microseconds for checkpointd's statistics: the TSC, calibrated once against the kernel's
// 1 kHz tick (clock_ticks) over 20 ticks.
#pragma once

#include <stdint.h>

namespace checkpointd {

void calibrate_clock();
uint64_t now_us();

} // namespace checkpointd
