// SplitMix64: the small seeded generator shared by the kernel's restart stress and the user-space
// test programs (fuzzer, reliable-IPC scenarios). Same seed, same sequence.
#pragma once

#include <stdint.h>

namespace lib {

struct SplitMix64 {
    uint64_t state;

    uint64_t next() {
        state += 0x9e3779b97f4a7c15ull;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // Uniform enough in [0, n) for tests; 0 when n is 0.
    uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
};

} // namespace lib
