// Micro-benchmarks of the kernel API, timed with rdtsc in user mode. Under QEMU -icount
// (shift=0) one TSC tick is one executed guest instruction, so the figures are instruction counts;
// under KVM they are TSC cycles. Prints "@@AMBER-BENCH name samples=N median=M min=L max=X" lines
// for tools/bench.py. Each sample times one operation (minus the cost of an empty rdtsc pair).
#include <amber/abi.h>
#include <amber/objects.h>

#include "../../userland/runtime/runtime.hpp"

namespace {

constexpr int samples = 1000;
uint64_t deltas[samples];

inline uint64_t stamp() {
    uint32_t low, high;
    asm volatile("lfence; rdtsc; lfence" : "=a"(low), "=d"(high) : : "memory");
    return static_cast<uint64_t>(high) << 32 | low;
}

void sort(uint64_t* values, int n) {
    for (int i = 1; i < n; ++i) {
        uint64_t v = values[i];
        int j = i;
        for (; j > 0 && values[j - 1] > v; --j) values[j] = values[j - 1];
        values[j] = v;
    }
}

uint64_t overhead = 0;

void report(const char* name, uint64_t* values, int n) {
    for (int i = 0; i < n; ++i) values[i] = values[i] > overhead ? values[i] - overhead : 0;
    sort(values, n);
    amber::print("@@AMBER-BENCH %s samples=%d median=%lu min=%lu max=%lu\n", name, n,
                 static_cast<unsigned long>(values[n / 2]), static_cast<unsigned long>(values[0]),
                 static_cast<unsigned long>(values[n - 1]));
}

template <typename Operation>
void measure(const char* name, Operation operation, int n = samples) {
    for (int i = 0; i < 10; ++i) operation(); // warm caches and TLBs
    for (int i = 0; i < n; ++i) {
        uint64_t start = stamp();
        operation();
        deltas[i] = stamp() - start;
    }
    report(name, deltas, n);
}

// Contended mutex: the waiter is blocked in mutex_lock; time from our unlock to its return.
amber_handle_t contended;
volatile uint64_t acquired_at;
volatile int rounds_done;
volatile bool waiter_ready;
alignas(16) uint8_t waiter_stack[16384];

void waiter(void*) {
    for (int i = 0; i < samples + 10; ++i) {
        waiter_ready = true;
        amber::sys::mutex_lock(contended);
        acquired_at = stamp();
        amber::sys::mutex_unlock(contended);
        rounds_done = i + 1;
        while (rounds_done == i + 1 && waiter_ready) {} // until main takes the mutex again (see below)
    }
}

volatile bool parked_stop;
alignas(16) uint8_t parked_stack[16384];
void parked(void*) {
    while (!parked_stop) amber::sys::thread_yield();
}

constexpr uint64_t child_base = 0x10000000;
constexpr uint64_t big = 1u << 20;
alignas(4096) uint8_t buffer[big];

} // namespace

int main(int argc, char** argv) {
    bool restart_only = argc > 1 && argv[1][0] == 'r';
    for (int i = 0; i < samples; ++i) {
        uint64_t start = stamp();
        deltas[i] = stamp() - start;
    }
    sort(deltas, samples);
    overhead = deltas[samples / 2];
    amber::print("@@AMBER-BENCH rdtsc_overhead samples=%d median=%lu min=%lu max=%lu\n", samples,
                 static_cast<unsigned long>(overhead), static_cast<unsigned long>(deltas[0]),
                 static_cast<unsigned long>(deltas[samples - 1]));

    // The most expensive call: reading 1 MiB of another space (256 pages, 15 preemption points).
    amber_handle_t space = static_cast<amber_handle_t>(amber::sys::space_create(0).value);
    amber::sys::memory_allocate(space, child_base, big, AMBER_PROT_READ | AMBER_PROT_WRITE);
    measure(
        "memory_read_1MiB", [&] { amber::sys::memory_read(space, child_base, buffer, big); }, 50);
    if (restart_only) return 0; // the restart-cost boot (stress=...,1000,p) needs only this

    measure("null_syscall", [] { amber::sys::null(); });
    amber_handle_t mutex = static_cast<amber_handle_t>(amber::sys::mutex_create(0).value);
    measure("mutex_lock_unlock_uncontended", [&] {
        amber::sys::mutex_lock(mutex);
        amber::sys::mutex_unlock(mutex);
    });

    contended = static_cast<amber_handle_t>(amber::sys::mutex_create(0).value);
    amber::start_thread(waiter, nullptr, waiter_stack, sizeof waiter_stack);
    for (int i = 0; i < samples + 10; ++i) {
        amber::sys::mutex_lock(contended);
        waiter_ready = false;
        while (!waiter_ready) amber::sys::thread_yield();       // it is about to block in mutex_lock
        for (int k = 0; k < 3; ++k) amber::sys::thread_yield(); // and now it has
        int before = rounds_done;
        uint64_t start = stamp();
        amber::sys::mutex_unlock(contended);
        while (rounds_done == before) amber::sys::thread_yield();
        if (i >= 10) deltas[i - 10] = acquired_at - start;
    }
    report("mutex_contended_handoff", deltas, samples);

    parked_stop = false;
    amber_handle_t thread =
        static_cast<amber_handle_t>(amber::start_thread(parked, nullptr, parked_stack, sizeof parked_stack));
    amber_thread_state state{};
    amber::sys::object_get_state(thread, &state, sizeof state); // stop it
    measure("thread_get_state", [&] { amber::sys::object_get_state(thread, &state, sizeof state); });
    measure("thread_set_state_stopped", [&] { amber::sys::object_set_state(thread, &state, sizeof state); });
    parked_stop = true;
    state.flags = 0;
    amber::sys::object_set_state(thread, &state, sizeof state);
    amber::sys::object_destroy(space);
    return 0;
}
