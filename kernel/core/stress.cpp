#include "stress.hpp"

#include <amber/objects.h>
#include <amber/syscall_numbers.h>

#include "../lib/random.hpp"
#include "frame_allocator.hpp"
#include "kernel_heap.hpp"
#include "reclaim.hpp"

namespace kernel {
namespace detail {
bool stress_is_enabled = false;
uint32_t stress_point_mask = all_stress_points;
} // namespace detail
namespace {

bool& enabled = detail::stress_is_enabled;

uint64_t seed_value = 0;
lib::SplitMix64 random{0};
uint32_t rate = 0;
uint32_t& point_mask = detail::stress_point_mask;
uint64_t current_call = 0;
amber_stats stats = {};

} // namespace

void configure_stress(uint64_t seed, uint32_t rate_per_mille, uint32_t points) {
    enabled = rate_per_mille > 0;
    point_mask = points;
    seed_value = seed;
    random.state = seed;
    rate = rate_per_mille > 1000 ? 1000 : rate_per_mille;
}

bool stress_fires(StressPoint point) {
    if (!enabled || (point_mask & (1u << static_cast<unsigned>(point))) == 0) return false;
    uint64_t scale = point == StressPoint::Export ? 8000 : 1000; // an export is costly and thorough
    return random.next() % scale < rate;
}

void set_current_call(uint64_t call) {
    current_call = call < AMBER_STATS_MAX_CALLS ? call : AMBER_STATS_MAX_CALLS - 1;
    ++stats.calls[current_call];
}

void count_restart(bool forced) {
    ++stats.restarts[current_call];
    if (forced) ++stats.forced_restarts[current_call];
}

void count_forced() { ++stats.forced_restarts[current_call]; }

void count_export() { ++stats.exports[current_call]; }

void read_stats(amber_stats& out) {
    out = stats;
    out.version = AMBER_STATE_VERSION;
    out.call_count = AMBER_SYSCALL_COUNT < AMBER_STATS_MAX_CALLS ? AMBER_SYSCALL_COUNT : AMBER_STATS_MAX_CALLS;
    out.stress_seed = enabled ? seed_value : 0;
    out.stress_rate = enabled ? rate : 0;
    out.stress_points = enabled ? point_mask : 0;
    out.heap_blocks = heap().blocks_in_use();
    out.free_frames = frames().free_frames();
    out.heap_frames = heap().pages_held();
    out.reclaim_pending = reclaim_pending();
    out.reclaim_slices = reclaim_slices();
}

} // namespace kernel
