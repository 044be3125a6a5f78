// Guest tests of the platform: the syscall ABI, argument validation, the timer, preemptive
// scheduling and per-thread CPU state. Started as `platform_tests:alpha:beta` by the harness.
#include <amber/abi.h>
#include <amber/objects.h>

#include "../../userland/runtime/test.hpp"

namespace {

int saved_argc;
char** saved_argv;

constexpr uint64_t kernel_address = 0xffffffff80100000ull;
constexpr uint64_t non_canonical_address = 0x0000800000000000ull;

// Waits (without yielding) until `done()` or `limit` ticks pass; true if done() became true.
template <typename Done>
bool spin_until(Done done, uint64_t limit = 3000) {
    uint64_t start = amber::ticks();
    while (!done()) {
        if (amber::ticks() - start > limit) return false;
    }
    return true;
}

} // namespace

AMBER_TEST(program_arguments_arrive_on_the_stack) {
    CHECK_EQ(saved_argc, 3);
    CHECK(saved_argv[saved_argc] == nullptr);
    const char* expected[] = {"platform_tests", "alpha", "beta"};
    for (int i = 0; i < 3 && i < saved_argc; ++i) {
        const char* a = saved_argv[i];
        const char* b = expected[i];
        while (*a != '\0' && *a == *b) ++a, ++b;
        CHECK(*a == *b);
    }
}

AMBER_TEST(null_syscall_returns_ok) {
    for (int i = 0; i < 100; ++i) CHECK_EQ(amber::sys::null().status, AMBER_OK);
}

AMBER_TEST(unknown_syscall_numbers_are_rejected) {
    CHECK_EQ(amber::raw_syscall(AMBER_SYSCALL_COUNT).status, AMBER_ERR_INVALID_SYSCALL);
    CHECK_EQ(amber::raw_syscall(1000).status, AMBER_ERR_INVALID_SYSCALL);
    CHECK_EQ(amber::raw_syscall(~0ull).status, AMBER_ERR_INVALID_SYSCALL);
    CHECK_EQ(amber::raw_syscall(0x8000000000000000ull).status, AMBER_ERR_INVALID_SYSCALL);
}

uint64_t registers_after_syscall[11];

AMBER_TEST(syscall_preserves_every_register_but_rax_rdx_rcx_r11) {
    // rbx rbp rdi rsi r8 r9 r10 r12 r13 r14 r15, loaded with patterns, stored after the syscall.
    asm volatile("push %%rbp\n"
                 "mov $0x1111111111111111, %%rbx\n"
                 "mov $0x2222222222222222, %%rbp\n"
                 "mov $0x3333333333333333, %%rdi\n"
                 "mov $0x4444444444444444, %%rsi\n"
                 "mov $0x5555555555555555, %%r8\n"
                 "mov $0x6666666666666666, %%r9\n"
                 "mov $0x7777777777777777, %%r10\n"
                 "mov $0x8888888888888888, %%r12\n"
                 "mov $0x9999999999999999, %%r13\n"
                 "mov $0xaaaaaaaaaaaaaaaa, %%r14\n"
                 "mov $0xbbbbbbbbbbbbbbbb, %%r15\n"
                 "xor %%eax, %%eax\n"
                 "syscall\n"
                 "mov %%rbx, registers_after_syscall+0(%%rip)\n"
                 "mov %%rbp, registers_after_syscall+8(%%rip)\n"
                 "mov %%rdi, registers_after_syscall+16(%%rip)\n"
                 "mov %%rsi, registers_after_syscall+24(%%rip)\n"
                 "mov %%r8, registers_after_syscall+32(%%rip)\n"
                 "mov %%r9, registers_after_syscall+40(%%rip)\n"
                 "mov %%r10, registers_after_syscall+48(%%rip)\n"
                 "mov %%r12, registers_after_syscall+56(%%rip)\n"
                 "mov %%r13, registers_after_syscall+64(%%rip)\n"
                 "mov %%r14, registers_after_syscall+72(%%rip)\n"
                 "mov %%r15, registers_after_syscall+80(%%rip)\n"
                 "pop %%rbp\n"
                 :
                 :
                 : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                   "memory");
    const uint64_t expected[11] = {0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
                                   0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
                                   0x9999999999999999, 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb};
    for (int i = 0; i < 11; ++i) CHECK_EQ(registers_after_syscall[i], expected[i]);
}

char writable_text[64] = "debug_write accepts a valid buffer\n";

AMBER_TEST(debug_write_validates_its_buffer) {
    CHECK_EQ(amber::sys::debug_write(writable_text, 35).status, AMBER_OK);
    CHECK_EQ(amber::sys::debug_write(writable_text, 0).status, AMBER_OK);
    CHECK_EQ(amber::sys::debug_write(nullptr, 5).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::debug_write(kernel_address, 5).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::debug_write(non_canonical_address, 5).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::debug_write(0xfffffffffffffff0ull, 0x20).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::debug_write(0x10000000ull, 16).status, AMBER_ERR_BAD_ADDRESS); // unmapped gap
    // Starts in mapped data, runs off the end of the program image.
    CHECK_EQ(amber::sys::debug_write(writable_text, 1000000).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::debug_write(writable_text, (1u << 20) + 1).status, AMBER_ERR_INVALID_ARGUMENT);
}

AMBER_TEST(clock_ticks_advance_monotonically) {
    uint64_t first = amber::ticks();
    uint64_t previous = first;
    bool monotonic = true;
    bool advanced = spin_until([&] {
        uint64_t now = amber::ticks();
        if (now < previous) monotonic = false;
        previous = now;
        return now >= first + 20;
    });
    CHECK(advanced);
    CHECK(monotonic);
}

volatile uint64_t spinner_count;
volatile bool spinner_stop;
alignas(16) uint8_t spinner_stack[16384];

void spinner(void*) {
    while (!spinner_stop) spinner_count = spinner_count + 1;
}

AMBER_TEST(timer_preempts_a_thread_that_never_yields) {
    spinner_count = 0;
    spinner_stop = false;
    amber_status status;
    CHECK(amber::start_thread(spinner, nullptr, spinner_stack, sizeof spinner_stack, &status) != 0);
    CHECK_EQ(status, AMBER_OK);
    // Neither thread yields: the spinner can only run if the timer preempts this one.
    CHECK(spin_until([] { return spinner_count > 1000; }));
    uint64_t seen = spinner_count;
    CHECK(spin_until([&] { return spinner_count > seen + 1000; })); // and again, after a switch back
    spinner_stop = true;
    amber::sys::thread_yield();
}

volatile bool yielded_thread_ran;
alignas(16) uint8_t yield_stack[16384];

AMBER_TEST(yield_hands_the_cpu_to_another_thread) {
    yielded_thread_ran = false;
    CHECK(amber::start_thread([](void*) { yielded_thread_ran = true; }, nullptr, yield_stack, sizeof yield_stack) != 0);
    for (int i = 0; i < 100 && !yielded_thread_ran; ++i) CHECK_EQ(amber::sys::thread_yield().status, AMBER_OK);
    CHECK(yielded_thread_ran);
}

// Each SSE thread fills xmm0..xmm15 with its own pattern, runs across many time slices and checks
// that every register still holds its pattern.
constexpr int sse_threads = 3;
alignas(16) uint8_t sse_stacks[sse_threads][16384];
volatile int sse_done;
volatile int sse_errors;

void sse_worker(void* argument) {
    auto seed = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(argument));
    alignas(16) uint64_t in[32], out[32];
    for (int i = 0; i < 32; ++i) in[i] = seed * 0x0101010101010101ull + static_cast<uint64_t>(i);
    asm volatile(
        "movdqa 0(%0), %%xmm0\n movdqa 16(%0), %%xmm1\n movdqa 32(%0), %%xmm2\n movdqa 48(%0), %%xmm3\n"
        "movdqa 64(%0), %%xmm4\n movdqa 80(%0), %%xmm5\n movdqa 96(%0), %%xmm6\n movdqa 112(%0), %%xmm7\n"
        "movdqa 128(%0), %%xmm8\n movdqa 144(%0), %%xmm9\n movdqa 160(%0), %%xmm10\n movdqa 176(%0), %%xmm11\n"
        "movdqa 192(%0), %%xmm12\n movdqa 208(%0), %%xmm13\n movdqa 224(%0), %%xmm14\n movdqa 240(%0), %%xmm15\n"
        :
        : "r"(in)
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
          "xmm13", "xmm14", "xmm15");
    uint64_t start = amber::ticks(); // syscalls touch no xmm register
    while (amber::ticks() - start < 60) {}
    asm volatile(
        "movdqa %%xmm0, 0(%0)\n movdqa %%xmm1, 16(%0)\n movdqa %%xmm2, 32(%0)\n movdqa %%xmm3, 48(%0)\n"
        "movdqa %%xmm4, 64(%0)\n movdqa %%xmm5, 80(%0)\n movdqa %%xmm6, 96(%0)\n movdqa %%xmm7, 112(%0)\n"
        "movdqa %%xmm8, 128(%0)\n movdqa %%xmm9, 144(%0)\n movdqa %%xmm10, 160(%0)\n movdqa %%xmm11, 176(%0)\n"
        "movdqa %%xmm12, 192(%0)\n movdqa %%xmm13, 208(%0)\n movdqa %%xmm14, 224(%0)\n movdqa %%xmm15, 240(%0)\n"
        :
        : "r"(out)
        : "memory");
    for (int i = 0; i < 32; ++i) {
        if (out[i] != in[i]) __atomic_fetch_add(&sse_errors, 1, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&sse_done, 1, __ATOMIC_RELAXED);
}

AMBER_TEST(sse_registers_are_private_to_each_thread) {
    sse_done = 0;
    sse_errors = 0;
    for (int i = 0; i < sse_threads; ++i) {
        CHECK(amber::start_thread(sse_worker, reinterpret_cast<void*>(static_cast<uintptr_t>(i + 1)), sse_stacks[i],
                                  sizeof sse_stacks[i]) != 0);
    }
    CHECK(spin_until([] { return sse_done == sse_threads; }));
    CHECK_EQ(sse_errors, 0);
}

uint64_t registers_after_spin[8];

AMBER_TEST(general_registers_survive_preemption) {
    spinner_count = 0;
    spinner_stop = false;
    CHECK(amber::start_thread(spinner, nullptr, spinner_stack, sizeof spinner_stack) != 0);
    // Spin in registers only until the spinner has run (so this thread was preempted), then store.
    asm volatile("push %%rbp\n"
                 "mov $0x0123456789abcdef, %%rbx\n"
                 "mov $0x1122334455667788, %%rbp\n"
                 "mov $0x99aabbccddeeff00, %%r8\n"
                 "mov $0x0f1e2d3c4b5a6978, %%r9\n"
                 "mov $0x8796a5b4c3d2e1f0, %%r12\n"
                 "mov $0xdeadbeefcafef00d, %%r13\n"
                 "mov $0x5a5a5a5aa5a5a5a5, %%r14\n"
                 "mov $0x3c3c3c3cc3c3c3c3, %%r15\n"
                 "1: cmpq $100000, spinner_count(%%rip)\n"
                 "jb 1b\n"
                 "mov %%rbx, registers_after_spin+0(%%rip)\n"
                 "mov %%rbp, registers_after_spin+8(%%rip)\n"
                 "mov %%r8, registers_after_spin+16(%%rip)\n"
                 "mov %%r9, registers_after_spin+24(%%rip)\n"
                 "mov %%r12, registers_after_spin+32(%%rip)\n"
                 "mov %%r13, registers_after_spin+40(%%rip)\n"
                 "mov %%r14, registers_after_spin+48(%%rip)\n"
                 "mov %%r15, registers_after_spin+56(%%rip)\n"
                 "pop %%rbp\n"
                 :
                 :
                 : "rbx", "r8", "r9", "r12", "r13", "r14", "r15", "memory");
    spinner_stop = true;
    const uint64_t expected[8] = {0x0123456789abcdef, 0x1122334455667788, 0x99aabbccddeeff00, 0x0f1e2d3c4b5a6978,
                                  0x8796a5b4c3d2e1f0, 0xdeadbeefcafef00d, 0x5a5a5a5aa5a5a5a5, 0x3c3c3c3cc3c3c3c3};
    for (int i = 0; i < 8; ++i) CHECK_EQ(registers_after_spin[i], expected[i]);
    amber::sys::thread_yield();
}

alignas(64) uint64_t test_tls_block[4] = {0, 0x7e57da7a, 0, 0};

AMBER_TEST(fs_base_is_settable_and_validated) {
    uint64_t original;
    asm volatile("mov %%fs:0, %0" : "=r"(original)); // the runtime's block points to itself
    test_tls_block[0] = reinterpret_cast<uint64_t>(test_tls_block);
    CHECK_EQ(amber::sys::thread_set_fs_base(test_tls_block).status, AMBER_OK);
    uint64_t value;
    asm volatile("mov %%fs:8, %0" : "=r"(value));
    CHECK_EQ(value, 0x7e57da7aull);
    amber::sys::thread_yield(); // survives a switch
    asm volatile("mov %%fs:8, %0" : "=r"(value));
    CHECK_EQ(value, 0x7e57da7aull);
    CHECK_EQ(amber::sys::thread_set_fs_base(kernel_address).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::thread_set_fs_base(non_canonical_address).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::thread_set_fs_base(original).status, AMBER_OK);
}

AMBER_TEST(thread_start_rejects_bad_addresses) {
    alignas(16) static uint8_t stack[4096];
    uint64_t good_stack = reinterpret_cast<uint64_t>(stack + sizeof stack);
    uint64_t good_entry = reinterpret_cast<uint64_t>(&spinner);
    constexpr amber_handle_t self = AMBER_HANDLE_SELF_SPACE;
    CHECK_EQ(amber::sys::thread_start(self, 0, good_stack, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::thread_start(self, kernel_address, good_stack, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::thread_start(self, non_canonical_address, good_stack, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::thread_start(self, good_entry, kernel_address, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::thread_start(self, good_entry, ~0ull, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::thread_start(999u, good_entry, good_stack, 0).status, AMBER_ERR_BAD_HANDLE);
}

constexpr int many = 70; // more than the per-process limit
alignas(16) uint8_t small_stacks[many][2048];
volatile bool release_waiters;
volatile int waiters_finished;

void waiter(void*) {
    while (!release_waiters) amber::sys::thread_yield();
    __atomic_fetch_add(&waiters_finished, 1, __ATOMIC_RELAXED);
}

AMBER_TEST(thread_limit_is_enforced_and_released) {
    release_waiters = false;
    waiters_finished = 0;
    int started = 0;
    amber_status last = AMBER_OK;
    for (int i = 0; i < many; ++i) {
        if (amber::start_thread(waiter, nullptr, small_stacks[i], sizeof small_stacks[i], &last) == 0) break;
        ++started;
    }
    CHECK_EQ(last, AMBER_ERR_LIMIT);
    CHECK(started > 0 && started < many);
    uint64_t self_before = amber::sys::thread_self().value;
    release_waiters = true;
    for (int i = 0; i < 10000 && waiters_finished < started; ++i) amber::sys::thread_yield();
    CHECK_EQ(waiters_finished, started);
    for (int i = 0; i < 100; ++i) amber::sys::thread_yield(); // let the finished ones exit
    yielded_thread_ran = false;
    CHECK(amber::start_thread([](void*) { yielded_thread_ran = true; }, nullptr, yield_stack, sizeof yield_stack) != 0);
    for (int i = 0; i < 100 && !yielded_thread_ran; ++i) amber::sys::thread_yield();
    CHECK(yielded_thread_ran);
    CHECK_EQ(amber::sys::thread_self().value, self_before);
}

int main(int argc, char** argv) {
    saved_argc = argc;
    saved_argv = argv;
    return amber::test::run_all("platform");
}
