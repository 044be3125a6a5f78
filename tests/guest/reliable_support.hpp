// Helpers shared by the reliable-IPC test programs: the seed, payload patterns, descriptors split
// over several buffers, a progress watchdog, and the interferer: a third thread that cancels,
// exports and re-imports, or moves into fresh thread objects the threads of a scenario.
#pragma once

#include "../../kernel/lib/random.hpp"
#include "ipc_test_support.hpp"

namespace reliable {

using namespace object_tests;
using namespace ipc_tests;

// The run's seed: the program argument, else the kernel's stress seed, else 1 (printed at start).
extern uint64_t seed;

using Random = lib::SplitMix64;

// Byte `offset` of the stream named `key`.
inline uint8_t pattern(uint64_t key, uint64_t offset) {
    uint64_t k = key * 0x9e3779b97f4a7c15ull;
    return static_cast<uint8_t>((k >> 32) + offset * 0x9d + (offset >> 8) * 0x3b + (offset >> 16) + (k >> 56));
}
inline void fill(uint8_t* bytes, uint64_t n, uint64_t key, uint64_t from = 0) {
    for (uint64_t i = 0; i < n; ++i) bytes[i] = pattern(key, from + i);
}
// True if `bytes` hold stream `key` from `from` on; prints the first difference.
bool matches(const uint8_t* bytes, uint64_t n, uint64_t key, uint64_t from = 0);

// A descriptor for [bytes, + n) cut into up to four buffers (some may be empty) at random points.
amber_ipc_message split(uint8_t* bytes, uint64_t n, Random& random);

// Scenario threads count their completed steps here; the watchdog fails a run that stops moving.
extern volatile uint64_t progress;
// Waits until done() while `progress` keeps moving (no move for `stall` ticks is a failure, as is
// a total over `limit` ticks); prints the seed and `what` on failure.
bool run_until(const char* what, bool (*done)(), uint64_t stall = 8000, uint64_t limit = 60000);

// The threads a scenario runs, by slot; the interferer may replace a slot's thread object.
constexpr int max_slots = 3;
struct Cast {
    volatile amber_handle_t threads[max_slots];
    int count;
};

enum class Interference { None, Cancel, Export, Reimport };
const char* name_of(Interference kind);

// Starts `function(argument)` on `stack` in slot `slot` of `cast`.
void start(Cast& cast, int slot, void (*function)(void*), void* argument, uint8_t* stack, size_t size);

// Failures seen by scenario threads (which cannot CHECK): `expect` prints and counts them.
extern volatile uint64_t failures;
bool expect(bool ok, const char* what, uint64_t got = 0, uint64_t wanted = 0);

// Runs the started `cast` with a third thread interfering as `kind` until done(), under the
// watchdog; closes the cast's handles. A run that stops making progress prints the seed and the
// state of each thread of the cast and ends the program (status 3).
void run_scenario(const char* name, Cast& cast, Interference kind, bool (*done)());

} // namespace reliable
