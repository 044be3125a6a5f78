// counter: the process the demo checkpoints. It counts, and with every count it changes its own
// memory and folds the change into a running checksum; every half second it prints the count,
// the running checksum and whether a full recomputation over its memory agrees. A process
// restored from an image continues the sequence exactly where the image left it.
//
// Usage: counter [KIB]   KIB of memory to work on (default 256)
#include <amber/abi.h>

#include "../../kernel/lib/command_line.hpp"
#include "../lib/supervisor_client.hpp"
#include "../runtime/runtime.hpp"

namespace {

namespace sys = amber::sys;

constexpr uint64_t memory_base = 0x0000200000000000ull;

uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

// The checksum of the whole memory: a sum of mixed (index, value) pairs, so that changing one
// word changes it by a computable amount.
uint64_t full_checksum(const uint64_t* words, uint64_t count) {
    uint64_t sum = 0;
    for (uint64_t i = 0; i < count; ++i) sum += mix(words[i] ^ (i * 0x9e3779b97f4a7c15ull));
    return sum;
}

} // namespace

int main(int argc, char** argv) {
    uint64_t kib = 256;
    if (argc > 1 && (!lib::parse_unsigned({argv[1], __builtin_strlen(argv[1])}, kib) || kib < 4 || kib > 4u << 20)) {
        amber::print("usage: counter [KIB]  (4 .. 4194304 KiB of memory to work on)\n");
        return 2;
    }
    uint64_t bytes = (kib * 1024 + 4095) & ~uint64_t{4095};
    if (!sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, memory_base, bytes, AMBER_PROT_READ | AMBER_PROT_WRITE).ok()) {
        amber::print("counter: cannot allocate %lu KiB\n", kib);
        return 1;
    }
    auto* words = reinterpret_cast<uint64_t*>(memory_base);
    uint64_t count_words = bytes / 8;
    uint64_t checksum = full_checksum(words, count_words);
    amber::supervisor::ready(); // absent when started by the kernel: ignored
    amber::print("counter: started with %lu KiB\n", kib);
    for (uint64_t count = 1;; ++count) {
        uint64_t index = mix(count) % count_words;
        checksum -= mix(words[index] ^ (index * 0x9e3779b97f4a7c15ull));
        words[index] += count;
        checksum += mix(words[index] ^ (index * 0x9e3779b97f4a7c15ull));
        if (count % 50 == 0) {
            bool agrees = full_checksum(words, count_words) == checksum;
            amber::print("counter: count=%lu checksum=%016lx %s\n", count, checksum, agrees ? "ok" : "MISMATCH");
            if (!agrees) return 1;
        }
        uint64_t until = amber::ticks() + 10;
        while (amber::ticks() < until) sys::thread_yield();
    }
}
