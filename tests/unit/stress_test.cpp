// kernel/core/stress.cpp: the forced-restart decision sequence (deterministic per seed, SplitMix64,
// rate 0 = off, rate 1000 = always, rate 100 about 10%, rates above 1000 clamped), and read_stats:
// version, call count, seed and rate, and the per-call counters of set_current_call/count_restart.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdint.h>

#include <amber/objects.h>
#include <amber/stats.h>
#include <amber/syscall_numbers.h>
#include <vector>

#include "../../kernel/core/stress.hpp"

namespace {

using kernel::StressPoint;

// Stress is global kernel state: every test case starts and ends with it off.
struct StressFixture {
    StressFixture() { kernel::configure_stress(0, 0); }
    ~StressFixture() { kernel::configure_stress(0, 0); }
};

std::vector<bool> draws(size_t count) {
    const StressPoint points[] = {StressPoint::Entry, StressPoint::Preemption, StressPoint::Commit,
                                  StressPoint::WakeUp};
    std::vector<bool> fired;
    for (size_t i = 0; i < count; ++i) fired.push_back(kernel::stress_fires(points[i % 4]));
    return fired;
}

size_t count_fired(const std::vector<bool>& fired) {
    size_t n = 0;
    for (bool f : fired) n += f;
    return n;
}

// An independent SplitMix64 (Steele, Lea, Flood 2014): a replay with stress=SEED,RATE must see the
// same decisions on every kernel build, so the generator itself is pinned.
struct SplitMix64 {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
};

amber_stats stats_now() {
    amber_stats stats;
    kernel::read_stats(stats);
    return stats;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(stress, StressFixture)

BOOST_AUTO_TEST_CASE(same_seed_same_sequence) {
    kernel::configure_stress(42, 100);
    std::vector<bool> first = draws(1000);
    kernel::configure_stress(42, 100);
    std::vector<bool> second = draws(1000);
    BOOST_TEST(first == second);
    kernel::configure_stress(43, 100);
    std::vector<bool> other_seed = draws(1000);
    BOOST_TEST(first != other_seed);
}

BOOST_AUTO_TEST_CASE(sequence_is_splitmix64_modulo_1000) {
    const uint64_t seeds[] = {0, 1, 42, 0xdeadbeefcafef00dull};
    for (uint64_t seed : seeds) {
        BOOST_TEST_CONTEXT("seed " << seed) {
            kernel::configure_stress(seed, 300);
            SplitMix64 reference{seed};
            for (int i = 0; i < 200; ++i) {
                bool expected = reference.next() % 1000 < 300;
                if (kernel::stress_fires(StressPoint::Entry) != expected) BOOST_FAIL("draw " << i << " differs");
            }
        }
    }
    SplitMix64 known{0}; // the published first output for seed 0
    BOOST_TEST(known.next() == 0xe220a8397b1dcdafull);
}

BOOST_AUTO_TEST_CASE(rate_zero_never_fires) {
    BOOST_TEST(!kernel::stress_enabled());
    BOOST_TEST(count_fired(draws(1000)) == 0u);
    kernel::configure_stress(42, 0);
    BOOST_TEST(!kernel::stress_enabled());
    BOOST_TEST(count_fired(draws(1000)) == 0u);
    kernel::configure_stress(42, 1000);
    BOOST_TEST(kernel::stress_enabled());
    kernel::configure_stress(42, 0); // switches it off again
    BOOST_TEST(!kernel::stress_enabled());
    BOOST_TEST(count_fired(draws(1000)) == 0u);
}

BOOST_AUTO_TEST_CASE(rate_1000_always_fires) {
    kernel::configure_stress(7, 1000);
    BOOST_TEST(kernel::stress_enabled());
    BOOST_TEST(count_fired(draws(1000)) == 1000u);
    kernel::configure_stress(7, 5000); // clamped to 1000
    BOOST_TEST(count_fired(draws(1000)) == 1000u);
    BOOST_TEST(stats_now().stress_rate == 1000u);
}

BOOST_AUTO_TEST_CASE(rate_100_fires_about_ten_percent) {
    for (uint64_t seed : {1ull, 2ull, 12345ull}) {
        kernel::configure_stress(seed, 100);
        size_t fired = count_fired(draws(10000));
        BOOST_TEST_INFO("seed " << seed << ": " << fired << " of 10000");
        BOOST_TEST((fired >= 500u && fired <= 1500u));
    }
}

BOOST_AUTO_TEST_CASE(read_stats_reports_configuration) {
    amber_stats off = stats_now();
    BOOST_TEST(off.version == unsigned{AMBER_STATE_VERSION});
    BOOST_TEST(off.call_count == unsigned{AMBER_SYSCALL_COUNT});
    BOOST_TEST(off.stress_seed == 0u);
    BOOST_TEST(off.stress_rate == 0u);
    BOOST_TEST(off.stress_points == 0u);
    kernel::configure_stress(0x1122334455667788ull, 250);
    amber_stats on = stats_now();
    BOOST_TEST(on.stress_seed == 0x1122334455667788ull);
    BOOST_TEST(on.stress_rate == 250u);
    BOOST_TEST(on.stress_points == kernel::all_stress_points); // every kind, copy faults included
    BOOST_TEST(on.version == unsigned{AMBER_STATE_VERSION});
    draws(10); // drawing does not change what is reported
    BOOST_TEST(stats_now().stress_seed == 0x1122334455667788ull);
    kernel::configure_stress(7, 250, 1u << static_cast<unsigned>(kernel::StressPoint::CopyFault));
    BOOST_TEST(stats_now().stress_points == 0x10u);
    kernel::configure_stress(99, 0);
    BOOST_TEST(stats_now().stress_seed == 0u); // 0 when stress is off
    BOOST_TEST(stats_now().stress_rate == 0u);
}

// The counters are cumulative kernel state (never reset), so the test compares differences.
BOOST_AUTO_TEST_CASE(per_call_counters) {
    const amber_stats before = stats_now();
    kernel::set_current_call(AMBER_SYS_mutex_lock);
    kernel::set_current_call(AMBER_SYS_mutex_lock);
    kernel::count_restart(true);
    kernel::count_restart(false);
    kernel::set_current_call(AMBER_SYS_mutex_lock);
    kernel::count_restart(true);
    kernel::set_current_call(AMBER_SYS_null);
    kernel::count_restart(false);
    kernel::set_current_call(AMBER_SYS_system_stats);
    const amber_stats after = stats_now();

    for (unsigned call = 0; call < AMBER_STATS_MAX_CALLS; ++call) {
        uint64_t calls = 0, restarts = 0, forced = 0;
        if (call == AMBER_SYS_mutex_lock) calls = 3, restarts = 3, forced = 2;
        if (call == AMBER_SYS_null) calls = 1, restarts = 1;
        if (call == AMBER_SYS_system_stats) calls = 1;
        BOOST_TEST_CONTEXT("call " << call) {
            BOOST_TEST(after.calls[call] - before.calls[call] == calls);
            BOOST_TEST(after.restarts[call] - before.restarts[call] == restarts);
            BOOST_TEST(after.forced_restarts[call] - before.forced_restarts[call] == forced);
        }
    }
}

BOOST_AUTO_TEST_CASE(drawing_counts_nothing) {
    const amber_stats before = stats_now();
    kernel::configure_stress(5, 1000);
    draws(100);
    const amber_stats after = stats_now();
    for (unsigned call = 0; call < AMBER_STATS_MAX_CALLS; ++call) {
        BOOST_TEST_INFO("call " << call);
        BOOST_TEST(after.forced_restarts[call] == before.forced_restarts[call]);
        BOOST_TEST(after.restarts[call] == before.restarts[call]);
    }
}

// Numbers beyond the table (invalid system calls) are counted in the last slot, outside the
// call_count entries in use, instead of indexing past the arrays.
BOOST_AUTO_TEST_CASE(out_of_range_calls_use_the_last_slot) {
    const amber_stats before = stats_now();
    kernel::set_current_call(AMBER_STATS_MAX_CALLS);
    kernel::set_current_call(~uint64_t{0});
    kernel::count_restart(true);
    const amber_stats after = stats_now();
    const unsigned last = AMBER_STATS_MAX_CALLS - 1;
    BOOST_TEST(last >= after.call_count);
    BOOST_TEST(after.calls[last] - before.calls[last] == 2u);
    BOOST_TEST(after.restarts[last] - before.restarts[last] == 1u);
    BOOST_TEST(after.forced_restarts[last] - before.forced_restarts[last] == 1u);
    for (unsigned call = 0; call < last; ++call) BOOST_TEST(after.calls[call] == before.calls[call]);
}

BOOST_AUTO_TEST_SUITE_END()
