#include <amber/abi.h>
#include <amber/ipc.h>

#include "../../kernel/lib/format.hpp"
#include "../../userland/lib/supervisor_client.hpp"
#include "../../userland/runtime/runtime.hpp"
#include "zdtm_support.hpp"

namespace zdtm {
namespace {

namespace sys = amber::sys;

constexpr uint64_t stack_size = 16384;
alignas(16) uint8_t stacks[8][stack_size];

uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

// --- threads ---
struct Worker {
    volatile uint64_t count = 0;
    volatile double published = 0; // 1.5 * count at publication, computed in SSE registers
    volatile uint64_t published_count = 0;
    volatile bool stop = false;
};
Worker workers[8];

void count_forever(void* argument) {
    auto& w = *static_cast<Worker*>(argument);
    double shadow = 0;
    for (uint64_t n = 1; !w.stop; ++n) {
        shadow += 1.5;
        w.count = n;
        if (n % 256 == 0) {
            w.published = shadow;
            w.published_count = n;
            sys::thread_yield();
        }
    }
}

// --- memory ---
struct Patterned {
    uint64_t* words;
    uint64_t count;
    uint64_t changes;
};

uint64_t pattern(uint64_t i) { return mix(i + 1) | 1; } // never zero: every page is stored

void change_some(void* argument) {
    auto& m = *static_cast<Patterned*>(argument);
    uint64_t index = mix(++m.changes) % m.count;
    m.words[index] = pattern(index) ^ m.changes; // recorded in the word itself: checkable
}

bool memory_intact(const Patterned& m, uint64_t& bad) {
    for (uint64_t i = 0; i < m.count; ++i) {
        uint64_t delta = m.words[i] ^ pattern(i);
        if (delta != 0 && (delta > m.changes || mix(delta) % m.count != i)) {
            bad = i;
            return false;
        }
    }
    return true;
}

bool allocate(uint64_t base, uint64_t bytes) {
    return sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, base, bytes, AMBER_PROT_READ | AMBER_PROT_WRITE).ok();
}

} // namespace

int usage() {
    amber::write("usage: zdtm threads [N] | blocked | transfer [MIB] | stream [MIB] | bigmem [MIB]\n");
    return 2;
}

void wait_for_check(void (*tick)(void*), void* context) {
    for (uint64_t polls = 0;; ++polls) {
        if (tick != nullptr) tick(context);
        if (polls % 64 == 0 && amber::supervisor::check_requested()) return;
        sys::thread_yield();
    }
}

Result run_threads(uint64_t count) {
    Result r;
    if (count == 0 || count > 8) {
        r.failure = "N must be 1..8";
        return r;
    }
    for (uint64_t i = 0; i < count; ++i) amber::start_thread(count_forever, &workers[i], stacks[i], stack_size);
    amber::supervisor::ready();
    wait_for_check();
    uint64_t total = 0;
    for (uint64_t i = 0; i < count; ++i) {
        Worker& w = workers[i];
        uint64_t before = w.count;
        for (int spin = 0; spin < 100 && w.count == before; ++spin) sys::thread_yield();
        if (w.count == before) r.failure = "a thread stopped counting";
        if (w.published != 1.5 * static_cast<double>(w.published_count))
            r.failure = "a thread's floating-point state was lost";
        w.stop = true;
        total += w.count;
    }
    lib::format_to(r.detail, sizeof r.detail, "%lu threads, %lu counts", count, total);
    return r;
}

Result run_bigmem(uint64_t mib) {
    Result r;
    constexpr uint64_t base = 0x0000300000000000ull;
    Patterned m{reinterpret_cast<uint64_t*>(base), mib * (1u << 20) / 8, 0};
    if (mib == 0 || mib > 2048 || !allocate(base, mib << 20)) {
        r.failure = "cannot allocate the memory";
        return r;
    }
    for (uint64_t i = 0; i < m.count; ++i) m.words[i] = pattern(i);
    amber::supervisor::ready();
    wait_for_check(change_some, &m);
    uint64_t bad = 0;
    if (!memory_intact(m, bad)) r.failure = "memory changed behind the program's back";
    lib::format_to(r.detail, sizeof r.detail, "%lu MiB, %lu changes, first bad word %lu", mib, m.changes, bad);
    return r;
}

} // namespace zdtm
