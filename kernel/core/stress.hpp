// Restart stress: forced rollback and restart at the kernel's restart points.
//
// Boot option stress=SEED[,RATE[,POINTS]]: at every restart point a SplitMix64 sequence seeded with SEED
// decides, with probability RATE/1000 (default 100), to force a restart there:
//   Entry      - a call restarts before doing anything (every restartable call);
//   Preemption - a long call commits its progress and restarts as if preempted;
//   Commit     - a multi-stage call restarts right after committing a stage; console_read restarts
//                after copying input out, before consuming it;
//   WakeUp     - a wake-up of one waiter wakes them all (the others wait again);
//   CopyFault  - a kernel copy (IPC transfer, memory_read/memory_write) meets a present page of a
//                kept region as if it were absent: the keeper is called (the report says "absent",
//                as when another fault brought the page meanwhile) and the call goes on once replied
//                (Fluke's IPC_TRANSFER_CAN_FAULT).
//   Export     - a thread about to restart or wait is stopped, exported, destroyed, and its state is
//                imported into a fresh thread that takes its place (export_stress.hpp); fires at
//                one eighth of RATE.
// POINTS limits injection to some kinds of point: letters e, p, c, w, f, x (default all); `make bench`
// uses p alone to price one forced restart of a long call.
// Same seed, same sequence of restart points: same injections (deterministic under QEMU -icount).
// Counters per call (forced and all restarts) are readable with system_stats.
#pragma once

#include <amber/stats.h>
#include <stdint.h>

namespace kernel {

enum class StressPoint : uint8_t { Entry, Preemption, Commit, WakeUp, CopyFault, Export };

constexpr uint32_t all_stress_points = 0x3f;           // bit (1 << StressPoint)
constexpr const char* stress_point_letters = "epcwfx"; // in StressPoint order
void configure_stress(uint64_t seed, uint32_t rate_per_mille, uint32_t points = all_stress_points);
namespace detail {
extern bool stress_is_enabled; // configure_stress's; read inline on hot paths
extern uint32_t stress_point_mask;
} // namespace detail
inline bool stress_enabled() { return detail::stress_is_enabled; }
// True if stress may force restarts at points of this kind (a cheap test before a costly check).
inline bool stress_may_fire(StressPoint point) {
    return detail::stress_is_enabled && (detail::stress_point_mask & (1u << static_cast<unsigned>(point))) != 0;
}
// True when the stress sequence says to force a restart at this point. Counting is the caller's:
// count_restart(true) for the call that restarts.
bool stress_fires(StressPoint point);

// The call being executed by the current syscall, for attributing restarts.
void set_current_call(uint64_t call);
// Counts a restart (forced or natural) of the current call.
void count_restart(bool forced);
// Marks the current call's next restart, which the dispatcher counts, as forced (an injected fault).
void count_forced();
// Counts an export-stress replacement of the current call's thread.
void count_export();
void read_stats(amber_stats& out);

} // namespace kernel
