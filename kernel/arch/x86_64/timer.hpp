// The local APIC timer, calibrated against the PIT, and the TSC frequency.
#pragma once

#include <stdint.h>

namespace arch {

// Maps the local APIC, calibrates it and the TSC over ~10 ms of PIT time, and starts a periodic
// interrupt at `hz` on vector_timer. Returns false if the CPU has no local APIC.
bool initialize_timer(uint32_t hz);
void acknowledge_interrupt();

} // namespace arch
