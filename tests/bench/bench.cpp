// Micro-benchmarks of the kernel API, timed with rdtsc in user mode. Under QEMU -icount
// (shift=0) one TSC tick is one executed guest instruction, so the figures are instruction counts;
// under KVM they are TSC cycles. Prints "@@AMBER-BENCH name samples=N median=M min=L max=X" lines
// for tools/bench.py. Each sample times one operation (minus the cost of an empty rdtsc pair).
#include <amber/abi.h>
#include <amber/ipc.h>
#include <amber/objects.h>
#include <initializer_list>

#include "../../userland/lib/pager.hpp"
#include "../../userland/runtime/runtime.hpp"
#include "../../userland/runtime/short_ipc.hpp"

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

// IPC between two spaces: this program copies its own memory into a new space and runs an echo
// server there, reached through a port set installed at a fixed handle.
constexpr amber_handle_t child_port_set = 3;
alignas(16) uint8_t server_stack[16384];
alignas(4096) uint8_t server_in[65536];

// One buffer of `length` bytes at `bytes`.
amber_ipc_message whole(const void* bytes, uint64_t length) {
    return {1, 0, 0, {{reinterpret_cast<uint64_t>(bytes), length}}, {}, 0, 0, 0};
}

// An echo server loop (runs in the copy): `first` receives the first request into `in`; `next`
// answers with `out` (what arrived) and receives the next request into `in`.
template <typename First, typename Next>
[[noreturn]] void echo(First first, Next next) {
    amber_ipc_message in = whole(server_in, sizeof server_in), out{};
    first(in);
    for (;;) {
        out = whole(server_in, in.transferred);
        in = whole(server_in, sizeof server_in);
        next(out, in);
    }
}

[[noreturn]] void echo_server(void*) {
    echo([](amber_ipc_message& in) { amber::sys::ipc_wait_receive(child_port_set, &in); },
         [](amber_ipc_message& out, amber_ipc_message& in) {
             amber::sys::ipc_reply_wait_receive(&out, child_port_set, &in);
         });
}

// The fastpath echo server: four words in registers each way.
[[noreturn]] void short_echo(void*) {
    amber::ShortMessage m{};
    amber::wait_receive_short(child_port_set, m);
    for (;;) amber::reply_wait_receive_short(child_port_set, m);
}

// The reliable echo servers: one connection per request (the server loop of ipc.md), and one
// connection whose turn goes back and forth.
[[noreturn]] void reliable_echo(void*) {
    echo([](amber_ipc_message& in) { amber::sys::ipc_setup_wait_receive(child_port_set, &in); },
         [](amber_ipc_message& out, amber_ipc_message& in) {
             amber::sys::ipc_server_ack_send_wait_receive(&out, child_port_set, &in);
         });
}

[[noreturn]] void turn_echo(void*) {
    echo([](amber_ipc_message& in) { amber::sys::ipc_setup_wait_receive(child_port_set, &in); },
         [](amber_ipc_message& out, amber_ipc_message& in) {
             amber::sys::ipc_side_ack_send_over_receive(AMBER_IPC_SIDE_SERVER, &out, &in);
         });
}

// The keeper of a region of the bench's space (handle 4 in the keeper's space): maps the page.
constexpr amber_handle_t child_client_space = 4;
[[noreturn]] void pager(void*) {
    amber_fault_message report{};
    amber_ipc_message in = whole(&report, sizeof report), out{};
    amber::sys::ipc_wait_receive(child_port_set, &in);
    for (;;) {
        amber::sys::memory_allocate(child_client_space, report.address & ~uint64_t{4095}, 4096,
                                    AMBER_PROT_READ | AMBER_PROT_WRITE);
        in = whole(&report, sizeof report);
        amber::sys::ipc_reply_wait_receive(&out, child_port_set, &in);
    }
}

amber_handle_t spawn_copy_running(void (*entry)(void*), amber_handle_t port_set) {
    amber_handle_t space = static_cast<amber_handle_t>(amber::sys::space_create(0).value);
    amber_memory_range ranges[16];
    uint64_t count = amber::sys::space_enumerate_memory(AMBER_HANDLE_SELF_SPACE, 0, ranges, 16).value;
    for (uint64_t i = 0; i < count; ++i) {
        amber::sys::memory_allocate(space, ranges[i].base, ranges[i].size, ranges[i].protection);
        amber::sys::memory_write(space, ranges[i].base, ranges[i].base, ranges[i].size);
    }
    amber::sys::space_handle_install(space, child_port_set, port_set, AMBER_RIGHT_OPERATE);
    amber::sys::space_handle_install(space, child_client_space, AMBER_HANDLE_SELF_SPACE, AMBER_RIGHT_SET_STATE);
    uint64_t top = reinterpret_cast<uint64_t>(server_stack + sizeof server_stack) - 8;
    amber::sys::thread_start(space, reinterpret_cast<void*>(entry), top, 0);
    return space;
}

alignas(4096) uint8_t request[65536];
alignas(4096) uint8_t reply[65536];

// Faults served by the user-level pager (userland/lib/pager.hpp), a thread of this space: each
// sample is one write that faults, calls the keeper, is answered and retried. Demand-zero: the
// pager maps a zeroed page (memory_allocate). Copy-on-write: the page is a clone's, shared read-only
// with its source, and the pager gives it a private copy (memory_unshare).
constexpr int fault_samples = 200;
constexpr uint64_t fault_pages = fault_samples + 10; // the warm-up touches pages too
constexpr uint64_t zero_base = 0x20000000, cow_source = 0x28000000, cow_clone = 0x30000000;
amber::Pager user_pager;
alignas(16) uint8_t pager_stack[16384];

void measure_faults() {
    constexpr uint32_t read_write = AMBER_PROT_READ | AMBER_PROT_WRITE;
    constexpr uint64_t size = fault_pages * 4096;
    user_pager.start(pager_stack, sizeof pager_stack);
    for (uint64_t base : {zero_base, cow_source, cow_clone})
        user_pager.keep(AMBER_HANDLE_SELF_SPACE, base, size, read_write);
    uint64_t next = 0;
    measure(
        "demand_zero_fault_round_trip", [&] { *reinterpret_cast<volatile uint64_t*>(zero_base + 4096 * next++) = 1; },
        fault_samples);
    amber::sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, cow_source, size, read_write);
    user_pager.clone(AMBER_HANDLE_SELF_SPACE, cow_clone, AMBER_HANDLE_SELF_SPACE, cow_source, size);
    next = 0;
    measure(
        "cow_fault_round_trip", [&] { *reinterpret_cast<volatile uint64_t*>(cow_clone + 4096 * next++) = 1; },
        fault_samples);
    if (user_pager.zero_fills != fault_pages || user_pager.unshares != fault_pages || user_pager.unresolved != 0) {
        amber::print("bench: the pager served %lu zero fills and %lu copies, expected %lu each\n",
                     static_cast<unsigned long>(user_pager.zero_fills), static_cast<unsigned long>(user_pager.unshares),
                     static_cast<unsigned long>(fault_pages));
    }
}

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
    waiter_ready = false; // releases the waiter from its last spin: it exits

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

    amber_port_state port_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 1, 0};
    amber_handle_t port = static_cast<amber_handle_t>(amber::sys::port_create(&port_state).value);
    amber_handle_t set = static_cast<amber_handle_t>(amber::sys::port_set_create(0).value);
    amber::sys::port_attach(port, set);
    amber_handle_t server_space = spawn_copy_running(echo_server, set);
    for (uint64_t size : {uint64_t{0}, uint64_t{64}, uint64_t{65536}}) {
        amber_ipc_message out{}, in{};
        auto call = [&] {
            out = whole(request, size);
            in = whole(reply, sizeof reply);
            amber::sys::ipc_call(port, &out, &in);
        };
        const char* name = size == 0 ? "ipc_round_trip_0B" : size == 64 ? "ipc_round_trip_64B" : "ipc_round_trip_64KiB";
        measure(name, call, size == 65536 ? 200 : samples);
    }
    measure_faults();
    amber::sys::object_destroy(server_space);

    // The same round trip through the fastpath (ipc_call_short: four words each way in registers).
    amber_handle_t short_space = spawn_copy_running(short_echo, set);
    measure("ipc_short_round_trip_32B", [&] {
        amber::ShortMessage m{{1, 2, 3, 4}, 0};
        amber::call_short(port, m);
    });
    amber::sys::object_destroy(short_space);

    // Reliable IPC between two spaces: a whole RPC (connect, send, turn, reply, the server's
    // disconnect), and a round trip on an open connection (take the turn, send, hand it over, receive).
    for (int kind = 0; kind < 2; ++kind) {
        amber_port_state reliable_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 2, 0};
        amber_handle_t reliable_port = static_cast<amber_handle_t>(amber::sys::port_create(&reliable_state).value);
        amber_handle_t reliable_set = static_cast<amber_handle_t>(amber::sys::port_set_create(0).value);
        amber::sys::port_attach(reliable_port, reliable_set);
        amber_handle_t reliable_space = spawn_copy_running(kind == 0 ? reliable_echo : turn_echo, reliable_set);
        for (uint64_t size : {uint64_t{0}, uint64_t{64}, uint64_t{65536}}) {
            amber_ipc_message out{}, in{};
            auto prepare = [&] {
                out = whole(request, size);
                in = whole(reply, sizeof reply);
            };
            if (kind == 1 && size == 0) { // open the connection once
                prepare();
                amber::sys::ipc_connect_send_over_receive(reliable_port, &out, &in);
            }
            auto round_trip = [&] {
                prepare();
                if (kind == 0)
                    amber::sys::ipc_connect_send_over_receive(reliable_port, &out, &in);
                else
                    amber::sys::ipc_side_ack_send_over_receive(AMBER_IPC_SIDE_CLIENT, &out, &in);
            };
            static const char* const names[2][3] = {
                {"reliable_rpc_0B", "reliable_rpc_64B", "reliable_rpc_64KiB"},
                {"reliable_turn_round_trip_0B", "reliable_turn_round_trip_64B", "reliable_turn_round_trip_64KiB"}};
            measure(names[kind][size == 0 ? 0 : size == 64 ? 1 : 2], round_trip, size == 65536 ? 200 : samples);
        }
        amber::sys::object_destroy(reliable_space);
    }

    // A page fault in a kept region of this space, served by a keeper in another space that maps
    // the page; the sample ends when the faulting write has completed (the page is freed after).
    constexpr uint64_t lazy = 0x38000000; // clear of the pager regions of measure_faults()
    amber_port_state keeper_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 3, 0};
    amber_handle_t keeper_port = static_cast<amber_handle_t>(amber::sys::port_create(&keeper_state).value);
    amber_handle_t keeper_set = static_cast<amber_handle_t>(amber::sys::port_set_create(0).value);
    amber::sys::port_attach(keeper_port, keeper_set);
    amber_region_state region_state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, lazy, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    amber_handle_t region =
        static_cast<amber_handle_t>(amber::sys::region_create(AMBER_HANDLE_SELF_SPACE, &region_state).value);
    amber::sys::region_set_keeper(region, keeper_port);
    amber_handle_t keeper_space = spawn_copy_running(pager, keeper_set);
    for (int i = 0; i < samples + 10; ++i) {
        uint64_t start = stamp();
        *reinterpret_cast<volatile uint64_t*>(lazy) = 1;
        uint64_t end = stamp();
        amber::sys::memory_free(AMBER_HANDLE_SELF_SPACE, lazy, 4096);
        if (i >= 10) deltas[i - 10] = end - start;
    }
    report("fault_to_keeper_round_trip", deltas, samples);
    amber::sys::object_destroy(keeper_space);
    amber::sys::object_destroy(space);
    return 0;
}
