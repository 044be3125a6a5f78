// A user-mode system-call fuzzer: random calls with hostile arguments (bad handles, kernel and
// non-canonical pointers, huge sizes, random state structs) from a seeded generator. It must never
// panic the kernel, and every status it gets back must be one of uapi/amber/status.h (no kernel-
// internal code may leak). Usage: fuzzer SEED CALLS.
//
// Not fuzzed: thread_exit, process_exit and system_poweroff (they end the fuzzer), and the calls
// that may wait forever for a fuzzed thread: mutex_lock, cond_wait (and cond_wait_released), ipc_send, ipc_call,
// ipc_wait_receive, ipc_reply_wait_receive, their short forms, the reliable calls that wait for a connection
// (ipc_connect_send*, ipc_server_wait_receive, ipc_setup_wait_receive: the other reliable calls
// return at once, as the fuzzer's own thread is never connected), console_read (no input comes), and
// region_set_keeper (a fuzzed thread faulting in a kept region would wait for a keeper that never
// answers); tests/guest covers them all. Handles 1 and 2 (the fuzzer's own space and thread) are never
// passed, so the fuzzer cannot free its own memory, and it closes the machine capability (handle 3)
// first: random port writes could reset the machine. The device calls are still fuzzed, without it.
//
// It aims at objects of every type, each also through duplicated handles with random subsets of
// rights. A second test fuzzes from two child processes at once (`fuzzer SEED CALLS child`, spawned
// from the boot archive), ends them, and checks that the kernel heap and the free frames are back
// where they started: whatever the fuzzed calls made, nothing is left behind once their spaces go.
#include <amber/abi.h>
#include <amber/objects.h>
#include <amber/stats.h>

#include "../../kernel/lib/format.hpp"
#include "../../kernel/lib/random.hpp"
#include "../../userland/lib/spawn.hpp"
#include "../../userland/runtime/syscall_names.hpp"
#include "../../userland/runtime/test.hpp"
#include "object_test_support.hpp"

namespace {

uint64_t seed = 1;
uint64_t calls = 20000;
bool child = false; // a child of the leak test: fuzz, print, exit

using Random = lib::SplitMix64;

alignas(4096) uint8_t scratch[3 * 4096];

uint64_t handle(Random& r) {
    switch (r.below(8)) {
    case 0: return 0;
    case 1: return r.next() & 0xffffffffu;
    case 2: return 4095 + r.below(3);
    default: return 3 + r.below(64); // objects the fuzzer made
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
           call == AMBER_SYS_mutex_lock || call == AMBER_SYS_cond_wait || call == AMBER_SYS_cond_wait_released ||
           call == AMBER_SYS_ipc_send || call == AMBER_SYS_ipc_call || call == AMBER_SYS_ipc_wait_receive ||
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

// Makes the objects to aim at, then `count` random calls; returns how many got a status that is
// not in uapi/amber/status.h (each printed), and counts the others by status.
uint64_t fuzz(uint64_t fuzz_seed, uint64_t count, uint64_t (&by_status)[AMBER_ERR_ALERTED + 1]) {
    Random r{fuzz_seed};
    uint64_t undefined = 0, made = 0;
    amber::sys::handle_close(AMBER_HANDLE_MACHINE); // if this process was given it
    // Objects of every type to aim at: spaces with memory, threads, regions, mappings, mutexes,
    // conds, ports in sets, references; then handles to them with random rights.
    for (int i = 0; i < 3; ++i) {
        auto space = static_cast<amber_handle_t>(amber::sys::space_create(0).value);
        amber::sys::memory_allocate(space, 0x10000000, 16 * 4096, AMBER_PROT_READ | AMBER_PROT_WRITE);
        amber::sys::thread_create(space, 0);
        amber_region_state region{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0},
                                  0x10000000,
                                  16 * 4096,
                                  AMBER_PROT_READ | AMBER_PROT_WRITE,
                                  0};
        auto made_region = static_cast<amber_handle_t>(amber::sys::region_create(space, &region).value);
        amber_mapping_state mapping{
            {AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, 0x20000000, 8 * 4096, 0, AMBER_PROT_READ, 0};
        amber::sys::mapping_create(space, made_region, &mapping);
        amber::sys::mutex_create(0);
        amber::sys::reference_create(0);
        amber::sys::cond_create(0);
        amber_port_state port{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, r.next(), 0};
        auto made_port = static_cast<amber_handle_t>(amber::sys::port_create(&port).value);
        amber::sys::port_attach(made_port, static_cast<amber_handle_t>(amber::sys::port_set_create(0).value));
    }
    for (amber_handle_t h = 3; h < 3 + 30; ++h) amber::sys::handle_duplicate(h, r.below(AMBER_RIGHTS_ALL + 1));
    while (made < count) {
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
    amber::print("fuzzer: seed %lu, %lu calls:", static_cast<unsigned long>(fuzz_seed),
                 static_cast<unsigned long>(made));
    for (uint64_t s = 0; s <= AMBER_ERR_ALERTED; ++s) amber::print(" %lu", static_cast<unsigned long>(by_status[s]));
    amber::print(" (by status 0..%d)\n", AMBER_ERR_ALERTED);
    return undefined;
}

} // namespace

namespace {

// Spawns `fuzzer SEED CALLS child` and returns its space and thread (0 on failure).
amber::Spawned spawn_child(uint64_t child_seed, uint64_t count) {
    char seed_text[24], count_text[24]; // spawn copies argv onto the child's stack
    lib::format_to(seed_text, sizeof seed_text, "%lu", static_cast<unsigned long>(child_seed));
    lib::format_to(count_text, sizeof count_text, "%lu", static_cast<unsigned long>(count));
    const char* argv[] = {"fuzzer", seed_text, count_text, "child"};
    amber::SpawnRequest request{"fuzzer", argv, 4, nullptr, 0, 0, false};
    amber::Spawned spawned{};
    const char* error = nullptr;
    if (amber::spawn(request, spawned, error) != AMBER_OK) {
        amber::print("fuzzer: cannot spawn a child: %s\n", error);
        return {};
    }
    return spawned;
}

// True once the child process has ended: its space is destroyed (a process's exit ends it) or has
// no thread left. Reading a space's state stops nothing.
bool ended(amber_handle_t space) {
    amber_space_state state{};
    amber_status status = amber::sys::object_get_state(space, &state, sizeof state).status;
    return status == AMBER_ERR_DESTROYED || (status == AMBER_OK && state.thread_count == 0);
}

amber_stats kernel_memory() { return object_tests::reclaimed_stats(); }

} // namespace

// First, while this process holds no fuzzed objects yet. Regression guard (issue 11): two fuzzing
// processes at once, then their spaces destroyed; the
// kernel's heap and free frames must come back exactly (one warm-up round first, so that the kernel
// heap's own growth and the boot archive's copy are not counted).
AMBER_TEST(fuzzed_processes_leave_no_kernel_memory_behind) {
    const uint8_t* archive;
    size_t archive_size;
    CHECK(amber::boot_archive(archive, archive_size));
    amber_stats before{};
    for (int round = 0; round < 2; ++round) {
        if (round == 1) before = kernel_memory();
        amber::Spawned children[2] = {spawn_child(seed * 2 + 1, round == 0 ? 100 : calls / 2),
                                      spawn_child(seed * 2 + 2, round == 0 ? 100 : calls / 2)};
        CHECK(children[0].space != 0 && children[1].space != 0);
        if (children[0].space == 0 || children[1].space == 0) return;
        CHECK(object_tests::wait_until([&] { return ended(children[0].space) && ended(children[1].space); }, 240000));
        for (const amber::Spawned& c : children) {
            amber::sys::object_destroy(c.space);
            amber::sys::handle_close(c.thread);
            amber::sys::handle_close(c.space);
        }
    }
    amber_stats after = kernel_memory();
    // Frames the heap took for itself meanwhile are its own, not a leak.
    uint64_t frames_before = before.free_frames + before.heap_frames,
             frames_after = after.free_frames + after.heap_frames;
    amber::print("fuzzer: kernel heap blocks %lu -> %lu, frames free or in the heap %lu -> %lu\n",
                 static_cast<unsigned long>(before.heap_blocks), static_cast<unsigned long>(after.heap_blocks),
                 static_cast<unsigned long>(frames_before), static_cast<unsigned long>(frames_after));
    CHECK_EQ(after.heap_blocks, before.heap_blocks);
    CHECK_EQ(frames_after, frames_before);
}

AMBER_TEST(random_calls_get_defined_statuses_and_never_panic_the_kernel) {
    uint64_t by_status[AMBER_ERR_ALERTED + 1] = {};
    CHECK_EQ(fuzz(seed, calls, by_status), 0u);
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
    child = argc > 3;
    if (child) { // a child of the leak test: its findings go to the console, its status says if any
        uint64_t by_status[AMBER_ERR_ALERTED + 1] = {};
        return fuzz(seed, calls, by_status) == 0 ? 0 : 1;
    }
    amber::print("fuzzer: seed %lu (replay: start=fuzzer:%lu:%lu)\n", static_cast<unsigned long>(seed),
                 static_cast<unsigned long>(seed), static_cast<unsigned long>(calls));
    return amber::test::run_all("fuzzer");
}
