// Golden ABI test: every syscall (number, name, argument count) from uapi/amber/syscalls.def, every
// status code of uapi/amber/status.h, the constants of uapi/amber/abi.h, and the layouts of
// arch::UserFrame and arch::PerCpu that the entry stubs depend on. An accidental change fails here;
// a deliberate one updates the expected values below (and AMBER_ABI_VERSION where incompatible).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stddef.h>

#include <amber/abi.h>
#include <amber/status.h>
#include <amber/syscall_numbers.h>
#include <arch/frame.hpp>
#include <arch/percpu.hpp>
#include <iterator>
#include <string>

namespace {

struct SyscallRow {
    unsigned number;
    std::string name;
    unsigned argument_count;
};

const SyscallRow syscalls_in_def[] = {
#define AMBER_SYSCALL(number, name, argument_count) {number, #name, argument_count},
#include <amber/syscalls.def>
#undef AMBER_SYSCALL
};

const SyscallRow expected_syscalls[] = {
    {0, "null", 0},          {1, "debug_write", 2},        {2, "thread_yield", 0},
    {3, "thread_create", 3}, {4, "thread_exit", 0},        {5, "process_exit", 1},
    {6, "clock_ticks", 0},   {7, "thread_set_fs_base", 1}, {8, "system_poweroff", 1},
    {9, "thread_self", 0},
};

struct StatusRow {
    std::string name;
    long value;
    std::string text;
};

const StatusRow statuses_in_header[] = {
#define AMBER_STATUS_ROW(name, value, text) {#name, value, text},
    AMBER_STATUS_LIST(AMBER_STATUS_ROW)
#undef AMBER_STATUS_ROW
};

const struct {
    std::string name;
    long value;
} expected_statuses[] = {
    {"OK", 0},
    {"ERR_INVALID_SYSCALL", 1},
    {"ERR_INVALID_ARGUMENT", 2},
    {"ERR_BAD_ADDRESS", 3},
    {"ERR_NO_MEMORY", 4},
    {"ERR_LIMIT", 5},
};

} // namespace

BOOST_AUTO_TEST_SUITE(uapi)

BOOST_AUTO_TEST_CASE(syscall_table_is_unchanged) {
    BOOST_REQUIRE_EQUAL(std::size(syscalls_in_def), std::size(expected_syscalls));
    for (size_t i = 0; i < std::size(expected_syscalls); ++i) {
        const SyscallRow& actual = syscalls_in_def[i];
        const SyscallRow& expected = expected_syscalls[i];
        BOOST_TEST_CONTEXT("syscalls.def row " << i << " (" << actual.name << ")") {
            BOOST_TEST(actual.number == expected.number);
            BOOST_TEST(actual.name == expected.name);
            BOOST_TEST(actual.argument_count == expected.argument_count);
            BOOST_TEST(actual.argument_count <= 6u); // six argument registers
        }
    }
    BOOST_TEST(AMBER_SYSCALL_COUNT == 10);
}

BOOST_AUTO_TEST_CASE(syscall_enum_matches_the_table) {
    BOOST_TEST(AMBER_SYS_null == 0);
    BOOST_TEST(AMBER_SYS_debug_write == 1);
    BOOST_TEST(AMBER_SYS_thread_yield == 2);
    BOOST_TEST(AMBER_SYS_thread_create == 3);
    BOOST_TEST(AMBER_SYS_thread_exit == 4);
    BOOST_TEST(AMBER_SYS_process_exit == 5);
    BOOST_TEST(AMBER_SYS_clock_ticks == 6);
    BOOST_TEST(AMBER_SYS_thread_set_fs_base == 7);
    BOOST_TEST(AMBER_SYS_system_poweroff == 8);
    BOOST_TEST(AMBER_SYS_thread_self == 9);
}

BOOST_AUTO_TEST_CASE(status_codes_are_unchanged) {
    BOOST_REQUIRE_EQUAL(std::size(statuses_in_header), std::size(expected_statuses));
    for (size_t i = 0; i < std::size(expected_statuses); ++i) {
        BOOST_TEST_CONTEXT("status row " << i << " (" << statuses_in_header[i].name << ")") {
            BOOST_TEST(statuses_in_header[i].name == expected_statuses[i].name);
            BOOST_TEST(statuses_in_header[i].value == expected_statuses[i].value);
            BOOST_TEST(!statuses_in_header[i].text.empty());
        }
    }
    BOOST_TEST(AMBER_OK == 0);
    BOOST_TEST(AMBER_ERR_INVALID_SYSCALL == 1);
    BOOST_TEST(AMBER_ERR_INVALID_ARGUMENT == 2);
    BOOST_TEST(AMBER_ERR_BAD_ADDRESS == 3);
    BOOST_TEST(AMBER_ERR_NO_MEMORY == 4);
    BOOST_TEST(AMBER_ERR_LIMIT == 5);
}

BOOST_AUTO_TEST_CASE(abi_constants_are_unchanged) {
    BOOST_TEST(AMBER_ABI_VERSION == 1);
    BOOST_TEST(AMBER_TICK_HZ == 1000);
    BOOST_TEST(AMBER_USER_MIN == 0x0000000000010000ull);
    BOOST_TEST(AMBER_USER_MAX == 0x0000800000000000ull);
    BOOST_TEST(AMBER_USER_STACK_TOP == 0x00007ffffff00000ull);
    BOOST_TEST(AMBER_USER_STACK_SIZE == 256ull * 1024);
}

BOOST_AUTO_TEST_CASE(user_frame_layout) {
    using arch::UserFrame;
    BOOST_TEST(sizeof(UserFrame) == 176u);
    BOOST_TEST(alignof(UserFrame) == 16u);
    const size_t offsets[] = {
        offsetof(UserFrame, r15),    offsetof(UserFrame, r14),        offsetof(UserFrame, r13),
        offsetof(UserFrame, r12),    offsetof(UserFrame, r11),        offsetof(UserFrame, r10),
        offsetof(UserFrame, r9),     offsetof(UserFrame, r8),         offsetof(UserFrame, rbp),
        offsetof(UserFrame, rdi),    offsetof(UserFrame, rsi),        offsetof(UserFrame, rdx),
        offsetof(UserFrame, rcx),    offsetof(UserFrame, rbx),        offsetof(UserFrame, rax),
        offsetof(UserFrame, vector), offsetof(UserFrame, error_code), offsetof(UserFrame, rip),
        offsetof(UserFrame, cs),     offsetof(UserFrame, rflags),     offsetof(UserFrame, rsp),
        offsetof(UserFrame, ss),
    };
    for (size_t i = 0; i < std::size(offsets); ++i) {
        BOOST_TEST_INFO("UserFrame field " << i);
        BOOST_TEST(offsets[i] == i * 8);
    }
    BOOST_TEST(offsetof(UserFrame, vector) == 120u);
    BOOST_TEST(offsetof(UserFrame, cs) == 144u);
    BOOST_TEST(arch::entry_vector_syscall == 0x100u);
}

BOOST_AUTO_TEST_CASE(per_cpu_layout) {
    using arch::PerCpu;
    BOOST_TEST(offsetof(PerCpu, self) == 0u);
    BOOST_TEST(offsetof(PerCpu, frame_top) == 8u);
    BOOST_TEST(offsetof(PerCpu, kernel_stack_top) == 16u);
    BOOST_TEST(offsetof(PerCpu, user_rsp_scratch) == 24u);
    BOOST_TEST(offsetof(PerCpu, current_thread) == 32u);
    BOOST_TEST(sizeof(PerCpu) == 40u);
}

BOOST_AUTO_TEST_SUITE_END()
