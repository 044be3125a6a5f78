// A user-mode system-call fuzzer: random calls with hostile arguments (bad handles, kernel and
// non-canonical pointers, huge sizes, random state structs) from a seeded generator. It must never
// panic the kernel, and every status it gets back must be one of uapi/amber/status.h (no kernel-
// internal code may leak). Usage: fuzzer SEED CALLS.
//
// Not fuzzed: thread_exit, process_exit and system_poweroff (they end the fuzzer), and the calls
// that may wait forever for a fuzzed thread: mutex_lock, cond_wait, ipc_send, ipc_call,
// ipc_wait_receive, ipc_reply_wait_receive, their short forms, the reliable calls that wait for a connection
// (ipc_connect_send*, ipc_server_wait_receive, ipc_setup_wait_receive: the other reliable calls
// return at once, as the fuzzer's own thread is never connected), console_read (no input comes), and
// region_set_keeper (a fuzzed thread faulting in a kept region would wait for a keeper that never
// answers); tests/guest covers them all. Handles 1 and 2 (the fuzzer's own space and thread) are never
// passed, so the fuzzer cannot free its own memory, and it closes the machine capability (handle 3)
// first: random port writes could reset the machine. The device calls are still fuzzed, without it.
#include <amber/abi.h>
#include <amber/objects.h>

#include "../../kernel/lib/random.hpp"
#include "../../userland/runtime/syscall_names.hpp"
#include "../../userland/runtime/test.hpp"

namespace {

uint64_t seed = 1;
uint64_t calls = 20000;

using Random = lib::SplitMix64;

alignas(4096) uint8_t scratch[3 * 4096];

uint64_t handle(Random& r) {
    switch (r.below(8)) {
    case 0: return 0;
    case 1: return r.next() & 0xffffffffu;
    case 2: return 4095 + r.below(3);
    default: return 3 + r.below(40); // objects the fuzzer made
    }
}

uint64_t pointer(Random& r) {
    switch (r.below(8)) {
    case 0: return 0;
    case 1: return 0xffffffff80100000ull + r.below(1 << 20);
    case 2: return 0x0000800000000000ull + r.below(1 << 20);
    case 3: return r.next();
    case 4: return reinterpret_cast<uint64_t>(scratch) + 4096 - r.below(64); // crosses a page
    default: return reinterpret_cast<uint64_t>(scratch) + r.below(64);
    }
}

uint64_t size(Random& r) {
    switch (r.below(6)) {
    case 0: return 0;
    case 1: return r.below(300);
    case 2: return 4096 * (1 + r.below(4));
    case 3: return r.next();
    default: return 8 * r.below(100);
    }
}

uint64_t user_address(Random& r) { return (0x10000000 + r.below(64) * 4096) | (r.below(4) == 0 ? r.below(4096) : 0); }

// Arguments by the kind of call; some calls get plausible state structs in the scratch buffer.
uint64_t argument(Random& r, uint64_t call, unsigned index) {
    if (index == 0 && call != AMBER_SYS_debug_write && call != AMBER_SYS_system_stats &&
        call != AMBER_SYS_port_create && call != AMBER_SYS_thread_set_fs_base) {
        return handle(r);
    }
    switch (r.below(5)) {
    case 0: return handle(r);
    case 1: return pointer(r);
    case 2: return size(r);
    case 3: return user_address(r);
    default: return r.below(8); // small values: rights, protections, flags
    }
}

void plausible_state(Random& r) {
    auto* header = reinterpret_cast<amber_state_header*>(scratch);
    for (uint64_t i = 0; i < 1024; ++i) scratch[i] = static_cast<uint8_t>(r.below(4) == 0 ? r.next() : 0);
    header->version = r.below(4) == 0 ? static_cast<uint32_t>(r.next()) : AMBER_STATE_VERSION;
    header->type = static_cast<uint32_t>(r.below(AMBER_OBJECT_TYPE_COUNT + 1));
    auto* words = reinterpret_cast<uint64_t*>(scratch + sizeof *header);
    words[0] = user_address(r); // base, or rax
    words[1] = 4096 * (1 + r.below(4));
}

bool excluded(uint64_t call) {
    return call == AMBER_SYS_thread_exit || call == AMBER_SYS_process_exit || call == AMBER_SYS_system_poweroff ||
           call == AMBER_SYS_mutex_lock || call == AMBER_SYS_cond_wait || call == AMBER_SYS_ipc_send ||
           call == AMBER_SYS_ipc_call || call == AMBER_SYS_ipc_wait_receive ||
           call == AMBER_SYS_ipc_reply_wait_receive || call == AMBER_SYS_region_set_keeper ||
           call == AMBER_SYS_ipc_connect_send || call == AMBER_SYS_ipc_connect_send_over_receive ||
           call == AMBER_SYS_ipc_server_wait_receive || call == AMBER_SYS_ipc_setup_wait_receive ||
           call == AMBER_SYS_ipc_call_short || call == AMBER_SYS_ipc_wait_receive_short ||
           call == AMBER_SYS_ipc_reply_wait_receive_short || call == AMBER_SYS_console_read;
}

bool uses_handle_one_or_two(const uint64_t (&a)[6]) {
    for (uint64_t v : a) {
        if ((v & 0xffffffffu) == 1 || (v & 0xffffffffu) == 2) return true;
    }
    return false;
}

} // namespace

AMBER_TEST(random_calls_get_defined_statuses_and_never_panic_the_kernel) {
    Random r{seed};
    uint64_t by_status[AMBER_ERR_ALERTED + 1] = {};
    uint64_t undefined = 0, made = 0;
    amber::sys::handle_close(AMBER_HANDLE_MACHINE); // if this process was given it
    // Some objects to aim at: spaces with memory, threads, mutexes, ports, references.
    for (int i = 0; i < 3; ++i) {
        auto space = amber::sys::space_create(0);
        amber::sys::memory_allocate(space.value, 0x10000000, 16 * 4096, AMBER_PROT_READ | AMBER_PROT_WRITE);
        amber::sys::thread_create(space.value, 0);
        amber::sys::mutex_create(0);
        amber::sys::reference_create(0);
        amber::sys::cond_create(0);
    }
    while (made < calls) {
        uint64_t call = r.below(AMBER_SYSCALL_COUNT + 2); // a few unknown numbers too
        if (excluded(call)) continue;
        uint64_t a[6];
        for (unsigned i = 0; i < 6; ++i) a[i] = argument(r, call, i);
        if (uses_handle_one_or_two(a)) continue;
        if (r.below(3) == 0) {
            plausible_state(r);
            a[r.below(3)] = reinterpret_cast<uint64_t>(scratch);
        }
        if (call == AMBER_SYS_debug_write && a[0] - reinterpret_cast<uint64_t>(scratch) < sizeof scratch) {
            a[1] = 0; // bad pointers yes, console garbage no
        }
        amber_status status = amber::raw_syscall(call, a[0], a[1], a[2], a[3], a[4], a[5]).status;
        ++made;
        if (static_cast<uint64_t>(status) <= AMBER_ERR_ALERTED) {
            ++by_status[status];
        } else {
            ++undefined;
            amber::print("fuzzer: %s returned undefined status %lu\n", amber::syscall_name(call),
                         static_cast<unsigned long>(status));
        }
    }
    CHECK_EQ(undefined, 0u);
    amber::print("fuzzer: seed %lu, %lu calls:", static_cast<unsigned long>(seed), static_cast<unsigned long>(made));
    for (uint64_t s = 0; s <= AMBER_ERR_ALERTED; ++s) amber::print(" %lu", static_cast<unsigned long>(by_status[s]));
    amber::print(" (by status 0..%d)\n", AMBER_ERR_ALERTED);
    CHECK(by_status[AMBER_OK] > 0); // it did get past validation sometimes
}

int main(int argc, char** argv) {
    auto number = [](const char* text) {
        uint64_t v = 0;
        for (; *text >= '0' && *text <= '9'; ++text) v = v * 10 + static_cast<uint64_t>(*text - '0');
        return v;
    };
    if (argc > 1) seed = number(argv[1]);
    if (argc > 2) calls = number(argv[2]);
    amber::print("fuzzer: seed %lu (replay: start=fuzzer:%lu:%lu)\n", static_cast<unsigned long>(seed),
                 static_cast<unsigned long>(seed), static_cast<unsigned long>(calls));
    return amber::test::run_all("fuzzer");
}
