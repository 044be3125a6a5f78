// Helpers shared by the object test programs.
#pragma once

#include <amber/abi.h>
#include <amber/objects.h>
#include <amber/stats.h>

#include <initializer_list>

#include "../../userland/runtime/test.hpp"

// A count of faults a keeper served: exact, or at least `expected` while copy faults are injected.
#define CHECK_FAULTS(actual, expected)                                                                                 \
    do {                                                                                                               \
        if (object_tests::copy_faults_injected()) {                                                                    \
            CHECK((actual) >= (expected));                                                                             \
        } else {                                                                                                       \
            CHECK_EQ(actual, expected);                                                                                \
        }                                                                                                              \
    } while (0)

// The error code of a fault a kernel copy reported: exact, or with AMBER_FAULT_PRESENT (bit 0) maybe
// clear while copy faults are injected (an injected fault says the page is absent).
#define CHECK_COPY_FAULT_CODE(actual, expected)                                                                        \
    do {                                                                                                               \
        if (object_tests::copy_faults_injected()) {                                                                    \
            CHECK_EQ((actual) | 1u, (expected) | 1u);                                                                  \
        } else {                                                                                                       \
            CHECK_EQ(actual, expected);                                                                                \
        }                                                                                                              \
    } while (0)

// A count of idempotent requests a server saw: exact, or at least `expected` under export stress,
// which stops clients waiting for replies (they call again: idempotent IPC may be re-delivered).
#define CHECK_DELIVERIES(actual, expected)                                                                             \
    do {                                                                                                               \
        if (object_tests::export_stress_active()) {                                                                    \
            CHECK((actual) >= (expected));                                                                             \
        } else {                                                                                                       \
            CHECK_EQ(actual, expected);                                                                                \
        }                                                                                                              \
    } while (0)

// For tests of exactly which call a stage or reply served, which need threads that are never stopped:
// export stress stops them at random (docs/restart.md), so there the test says so and passes.
#define SKIP_UNDER_EXPORT_STRESS(why)                                                                                  \
    do {                                                                                                               \
        if (object_tests::export_stress_active()) {                                                                    \
            ::amber::print("  skipped under export stress: %s\n", why);                                                \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)

namespace object_tests {

constexpr amber_handle_t self_space = AMBER_HANDLE_SELF_SPACE;
constexpr uint64_t kernel_address = 0xffffffff80100000ull;

// A new handle from a create call, or 0.
inline amber_handle_t handle_of(amber::SyscallReturn r) { return r.ok() ? static_cast<amber_handle_t>(r.value) : 0; }

template <typename State>
amber_status get_state(amber_handle_t handle, State& state) {
    return amber::sys::object_get_state(handle, &state, sizeof state).status;
}

template <typename State>
amber_status set_state(amber_handle_t handle, const State& state) {
    return amber::sys::object_set_state(handle, &state, sizeof state).status;
}

inline uint64_t id_of(amber_handle_t handle) {
    amber_handle_info info{};
    return amber::sys::object_info(handle, &info).ok() ? info.id : 0;
}

// True when restart stress injects copy faults (stress.hpp, CopyFault: bit 4 of stress_points): a
// keeper then also gets faults for pages already present, so counts of faults served are minimums.
inline bool copy_faults_injected() {
    amber_stats stats{};
    return amber::sys::system_stats(&stats, sizeof stats).ok() && (stats.stress_points & (1u << 4)) != 0;
}

// True when restart stress replaces threads by imported copies (stress.hpp, Export: bit 5 of
// stress_points): each such thread was stopped, which breaks its IPC links (docs/restart.md).
inline bool export_stress_active() {
    amber_stats stats{};
    return amber::sys::system_stats(&stats, sizeof stats).ok() && (stats.stress_points & (1u << 5)) != 0;
}

// True when restart stress forces restarts at preemption points (Preemption: bit 1 of stress_points):
// a call with preemption points then restarts at some of them for sure, whatever the timing.
inline bool preemption_stress_active() {
    amber_stats stats{};
    return amber::sys::system_stats(&stats, sizeof stats).ok() && stats.stress_points != 0 && stats.stress_rate > 0 &&
           (stats.stress_points & (1u << 1)) != 0;
}

// True when restart stress runs (it may add spurious cond wake-ups: exact counts become minimums).
inline bool stress_active() {
    amber_stats stats{};
    return amber::sys::system_stats(&stats, sizeof stats).ok() && stats.stress_points != 0;
}

// Stops `thread` (get_state) while it waits. Under export stress a thread seen to begin a wait may
// have been replaced right then, its copy not yet waiting again: resume it and stop it again.
inline amber_status stop_while_waiting(amber_handle_t thread, amber_thread_state& state) {
    amber_status status = get_state(thread, state);
    for (int tries = 0; status == AMBER_OK && (state.flags & AMBER_THREAD_WAITING) == 0 && tries < 100 &&
                        (state.flags & AMBER_THREAD_EXITED) == 0 && export_stress_active();
         ++tries) {
        state.flags = 0;
        set_state(thread, state);
        for (int i = 0; i < 20; ++i) amber::sys::thread_yield();
        status = get_state(thread, state);
    }
    return status;
}

// True if `thread` waits now on the object `target` names (thread_get_references; neither stops).
inline bool waits_on(amber_handle_t thread, amber_handle_t target) {
    amber_handle_t waited = handle_of(amber::sys::reference_create(0));
    amber_handle_t expected = handle_of(amber::sys::reference_create(0));
    amber_handle_t refs[2] = {0, waited};
    bool same = amber::sys::thread_get_references(thread, refs, 2).ok() &&
                amber::sys::reference_set(expected, target).ok() &&
                amber::sys::reference_compare(waited, expected).value == 1;
    amber::sys::handle_close(waited);
    amber::sys::handle_close(expected);
    return same;
}

// Waits (yielding) until done() or about `limit` ticks pass.
template <typename Done>
bool wait_until(Done done, uint64_t limit = 3000) {
    uint64_t start = amber::ticks();
    while (!done()) {
        if (amber::ticks() - start > limit) return false;
        amber::sys::thread_yield();
    }
    return true;
}

// Waits until `thread` has exited (get_state stops it; if still alive it is resumed).
inline bool wait_exited(amber_handle_t thread) {
    return wait_until([&] {
        amber_thread_state s{};
        if (get_state(thread, s) != AMBER_OK) return false;
        if ((s.flags & AMBER_THREAD_EXITED) != 0) return true;
        s.flags = 0;
        set_state(thread, s);
        return false;
    });
}

// The kernel's statistics once it has released what destroyed spaces left (reclaim_pending 0):
// what leak checks compare.
inline amber_stats reclaimed_stats() {
    amber_stats stats{};
    wait_until([&] { return amber::sys::system_stats(&stats, sizeof stats).ok() && stats.reclaim_pending == 0; });
    return stats;
}

inline uint64_t restarts_of(uint64_t call) {
    amber_stats stats{};
    amber::sys::system_stats(&stats, sizeof stats);
    return stats.restarts[call];
}

// Restarts of `call` not forced by stress: above all, the times a thread waited in it.
inline uint64_t waits_in(uint64_t call) {
    amber_stats stats{};
    amber::sys::system_stats(&stats, sizeof stats);
    return stats.restarts[call] - stats.forced_restarts[call];
}

} // namespace object_tests
