// Golden ABI test: every syscall (number, name, argument count) from uapi/amber/syscalls.def, every
// status code of uapi/amber/status.h, the constants of uapi/amber/abi.h, objects.h and stats.h, and
// the layouts of arch::UserFrame and arch::PerCpu that the entry stubs depend on (the state structs
// are pinned by state_layout_test.cpp). An accidental change fails here; a deliberate one updates
// the expected values below (and AMBER_ABI_VERSION where incompatible).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stddef.h>

#include <amber/abi.h>
#include <amber/ipc.h>
#include <amber/objects.h>
#include <amber/stats.h>
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
    {0, "null", 0},
    {1, "debug_write", 2},
    {2, "thread_yield", 0},
    {3, "thread_start", 4},
    {4, "thread_exit", 0},
    {5, "process_exit", 1},
    {6, "clock_ticks", 0},
    {7, "thread_set_fs_base", 1},
    {8, "system_poweroff", 1},
    {9, "thread_self", 0},
    {10, "handle_close", 1},
    {11, "handle_duplicate", 2},
    {12, "object_info", 2},
    {13, "object_destroy", 1},
    {14, "object_get_state", 3},
    {15, "object_set_state", 3},
    {16, "thread_create", 2},
    {17, "thread_cancel", 1},
    {18, "thread_get_references", 3},
    {19, "space_create", 1},
    {20, "space_enumerate_handles", 4},
    {21, "space_handle_install", 4},
    {22, "space_handle_export", 3},
    {23, "space_handle_remove", 2},
    {24, "memory_allocate", 4},
    {25, "memory_free", 3},
    {26, "memory_read", 4},
    {27, "memory_write", 4},
    {28, "space_enumerate_memory", 4},
    {29, "region_create", 2},
    {30, "mapping_create", 3},
    {31, "port_create", 1},
    {32, "port_set_create", 1},
    {33, "port_attach", 2},
    {34, "mutex_create", 1},
    {35, "mutex_lock", 1},
    {36, "mutex_trylock", 1},
    {37, "mutex_unlock", 1},
    {38, "cond_create", 1},
    {39, "cond_wait", 2},
    {40, "cond_signal", 1},
    {41, "cond_broadcast", 1},
    {42, "reference_create", 1},
    {43, "reference_set", 2},
    {44, "reference_get", 1},
    {45, "reference_compare", 2},
    {46, "system_stats", 2},
    {47, "ipc_send", 2},
    {48, "ipc_call", 3},
    {49, "ipc_wait_receive", 2},
    {50, "ipc_reply", 1},
    {51, "ipc_reply_wait_receive", 3},
    {52, "region_set_keeper", 2},
    {53, "boot_archive_read", 3},
    {54, "space_get_threads", 3},
    {55, "io_port_read", 3},
    {56, "io_port_write", 4},
    {57, "dma_allocate", 4},
    {58, "console_read", 2},
    {59, "ipc_connect_send", 2},
    {60, "ipc_connect_send_over_receive", 3},
    {61, "ipc_side_send", 2},
    {62, "ipc_side_receive", 2},
    {63, "ipc_side_over_receive", 2},
    {64, "ipc_side_ack_send", 2},
    {65, "ipc_side_send_over_receive", 3},
    {66, "ipc_side_ack_send_over_receive", 3},
    {67, "ipc_side_disconnect", 1},
    {68, "ipc_side_alert", 1},
    {69, "ipc_server_wait_receive", 2},
    {70, "ipc_server_ack_send_wait_receive", 3},
    {71, "ipc_server_send_wait_receive", 3},
    {72, "ipc_setup_wait_receive", 2},
    {73, "ipc_connect_threads", 3},
    {74, "ipc_call_short", 5},
    {75, "ipc_wait_receive_short", 1},
    {76, "ipc_reply_wait_receive_short", 5},
    {77, "memory_clone", 5},
    {78, "memory_unshare", 2},
    {79, "memory_page_info", 2},
    {80, "io_port_transfer", 6},
    {81, "cond_wait_released", 2},
    {82, "object_get_references", 3},
    {83, "space_get_children", 4},
};

// The enum of syscall_numbers.h, spelled out (not expanded from syscalls.def).
const struct {
    long actual, expected;
    const char* name;
} syscall_enum[] = {
    {AMBER_SYS_null, 0, "null"},
    {AMBER_SYS_debug_write, 1, "debug_write"},
    {AMBER_SYS_thread_yield, 2, "thread_yield"},
    {AMBER_SYS_thread_start, 3, "thread_start"},
    {AMBER_SYS_thread_exit, 4, "thread_exit"},
    {AMBER_SYS_process_exit, 5, "process_exit"},
    {AMBER_SYS_clock_ticks, 6, "clock_ticks"},
    {AMBER_SYS_thread_set_fs_base, 7, "thread_set_fs_base"},
    {AMBER_SYS_system_poweroff, 8, "system_poweroff"},
    {AMBER_SYS_thread_self, 9, "thread_self"},
    {AMBER_SYS_handle_close, 10, "handle_close"},
    {AMBER_SYS_handle_duplicate, 11, "handle_duplicate"},
    {AMBER_SYS_object_info, 12, "object_info"},
    {AMBER_SYS_object_destroy, 13, "object_destroy"},
    {AMBER_SYS_object_get_state, 14, "object_get_state"},
    {AMBER_SYS_object_set_state, 15, "object_set_state"},
    {AMBER_SYS_thread_create, 16, "thread_create"},
    {AMBER_SYS_thread_cancel, 17, "thread_cancel"},
    {AMBER_SYS_thread_get_references, 18, "thread_get_references"},
    {AMBER_SYS_space_create, 19, "space_create"},
    {AMBER_SYS_space_enumerate_handles, 20, "space_enumerate_handles"},
    {AMBER_SYS_space_handle_install, 21, "space_handle_install"},
    {AMBER_SYS_space_handle_export, 22, "space_handle_export"},
    {AMBER_SYS_space_handle_remove, 23, "space_handle_remove"},
    {AMBER_SYS_memory_allocate, 24, "memory_allocate"},
    {AMBER_SYS_memory_free, 25, "memory_free"},
    {AMBER_SYS_memory_read, 26, "memory_read"},
    {AMBER_SYS_memory_write, 27, "memory_write"},
    {AMBER_SYS_space_enumerate_memory, 28, "space_enumerate_memory"},
    {AMBER_SYS_region_create, 29, "region_create"},
    {AMBER_SYS_mapping_create, 30, "mapping_create"},
    {AMBER_SYS_port_create, 31, "port_create"},
    {AMBER_SYS_port_set_create, 32, "port_set_create"},
    {AMBER_SYS_port_attach, 33, "port_attach"},
    {AMBER_SYS_mutex_create, 34, "mutex_create"},
    {AMBER_SYS_mutex_lock, 35, "mutex_lock"},
    {AMBER_SYS_mutex_trylock, 36, "mutex_trylock"},
    {AMBER_SYS_mutex_unlock, 37, "mutex_unlock"},
    {AMBER_SYS_cond_create, 38, "cond_create"},
    {AMBER_SYS_cond_wait, 39, "cond_wait"},
    {AMBER_SYS_cond_signal, 40, "cond_signal"},
    {AMBER_SYS_cond_broadcast, 41, "cond_broadcast"},
    {AMBER_SYS_reference_create, 42, "reference_create"},
    {AMBER_SYS_reference_set, 43, "reference_set"},
    {AMBER_SYS_reference_get, 44, "reference_get"},
    {AMBER_SYS_reference_compare, 45, "reference_compare"},
    {AMBER_SYS_system_stats, 46, "system_stats"},
    {AMBER_SYS_ipc_send, 47, "ipc_send"},
    {AMBER_SYS_ipc_call, 48, "ipc_call"},
    {AMBER_SYS_ipc_wait_receive, 49, "ipc_wait_receive"},
    {AMBER_SYS_ipc_reply, 50, "ipc_reply"},
    {AMBER_SYS_ipc_reply_wait_receive, 51, "ipc_reply_wait_receive"},
    {AMBER_SYS_region_set_keeper, 52, "region_set_keeper"},
    {AMBER_SYS_boot_archive_read, 53, "boot_archive_read"},
    {AMBER_SYS_space_get_threads, 54, "space_get_threads"},
    {AMBER_SYS_io_port_read, 55, "io_port_read"},
    {AMBER_SYS_io_port_write, 56, "io_port_write"},
    {AMBER_SYS_dma_allocate, 57, "dma_allocate"},
    {AMBER_SYS_console_read, 58, "console_read"},
    {AMBER_SYS_ipc_connect_send, 59, "ipc_connect_send"},
    {AMBER_SYS_ipc_connect_send_over_receive, 60, "ipc_connect_send_over_receive"},
    {AMBER_SYS_ipc_side_send, 61, "ipc_side_send"},
    {AMBER_SYS_ipc_side_receive, 62, "ipc_side_receive"},
    {AMBER_SYS_ipc_side_over_receive, 63, "ipc_side_over_receive"},
    {AMBER_SYS_ipc_side_ack_send, 64, "ipc_side_ack_send"},
    {AMBER_SYS_ipc_side_send_over_receive, 65, "ipc_side_send_over_receive"},
    {AMBER_SYS_ipc_side_ack_send_over_receive, 66, "ipc_side_ack_send_over_receive"},
    {AMBER_SYS_ipc_side_disconnect, 67, "ipc_side_disconnect"},
    {AMBER_SYS_ipc_side_alert, 68, "ipc_side_alert"},
    {AMBER_SYS_ipc_server_wait_receive, 69, "ipc_server_wait_receive"},
    {AMBER_SYS_ipc_server_ack_send_wait_receive, 70, "ipc_server_ack_send_wait_receive"},
    {AMBER_SYS_ipc_server_send_wait_receive, 71, "ipc_server_send_wait_receive"},
    {AMBER_SYS_ipc_setup_wait_receive, 72, "ipc_setup_wait_receive"},
    {AMBER_SYS_ipc_connect_threads, 73, "ipc_connect_threads"},
    {AMBER_SYS_ipc_call_short, 74, "ipc_call_short"},
    {AMBER_SYS_ipc_wait_receive_short, 75, "ipc_wait_receive_short"},
    {AMBER_SYS_ipc_reply_wait_receive_short, 76, "ipc_reply_wait_receive_short"},
    {AMBER_SYS_memory_clone, 77, "memory_clone"},
    {AMBER_SYS_memory_unshare, 78, "memory_unshare"},
    {AMBER_SYS_memory_page_info, 79, "memory_page_info"},
    {AMBER_SYS_io_port_transfer, 80, "io_port_transfer"},
    {AMBER_SYS_cond_wait_released, 81, "cond_wait_released"},
    {AMBER_SYS_object_get_references, 82, "object_get_references"},
    {AMBER_SYS_space_get_children, 83, "space_get_children"},
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
    {"ERR_BAD_HANDLE", 6},
    {"ERR_WRONG_TYPE", 7},
    {"ERR_ACCESS_DENIED", 8},
    {"ERR_BAD_STATE", 9},
    {"ERR_BUSY", 10},
    {"ERR_DESTROYED", 11},
    {"ERR_EXISTS", 12},
    {"ERR_DISCONNECTED", 13},
    {"ERR_ALERTED", 14},
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
    BOOST_TEST(AMBER_SYSCALL_COUNT == 84);
    BOOST_TEST(AMBER_SYSCALL_COUNT <= AMBER_STATS_MAX_CALLS); // system_stats has a slot for each
}

BOOST_AUTO_TEST_CASE(syscall_enum_matches_the_table) {
    BOOST_REQUIRE_EQUAL(std::size(syscall_enum), std::size(expected_syscalls));
    for (const auto& row : syscall_enum) {
        BOOST_TEST_INFO("AMBER_SYS_" << row.name);
        BOOST_TEST(row.actual == row.expected);
    }
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
    BOOST_TEST(AMBER_ERR_BAD_HANDLE == 6);
    BOOST_TEST(AMBER_ERR_WRONG_TYPE == 7);
    BOOST_TEST(AMBER_ERR_ACCESS_DENIED == 8);
    BOOST_TEST(AMBER_ERR_BAD_STATE == 9);
    BOOST_TEST(AMBER_ERR_BUSY == 10);
    BOOST_TEST(AMBER_ERR_DESTROYED == 11);
    BOOST_TEST(AMBER_ERR_EXISTS == 12);
    BOOST_TEST(AMBER_ERR_DISCONNECTED == 13);
    BOOST_TEST(AMBER_ERR_ALERTED == 14);
    BOOST_TEST(AMBER_IPC_MAX_BUFFERS == 4);
    BOOST_TEST(AMBER_IPC_MAX_HANDLES == 4);
    BOOST_TEST(AMBER_IPC_TRUNCATED == 1u);
    BOOST_TEST(AMBER_IPC_MORE == 2u);
    BOOST_TEST(AMBER_IPC_SIDE_CLIENT == 0u);
    BOOST_TEST(AMBER_IPC_SIDE_SERVER == 1u);
    BOOST_TEST(AMBER_FAULT_PRESENT == 0x1u);
    BOOST_TEST(AMBER_FAULT_WRITE == 0x2u);
    BOOST_TEST(AMBER_FAULT_USER == 0x4u);
    BOOST_TEST(AMBER_FAULT_FETCH == 0x10u);
}

BOOST_AUTO_TEST_CASE(abi_constants_are_unchanged) {
    BOOST_TEST(AMBER_ABI_VERSION == 4);
    BOOST_TEST(AMBER_TICK_HZ == 1000);
    BOOST_TEST(AMBER_USER_MIN == 0x0000000000010000ull);
    BOOST_TEST(AMBER_USER_MAX == 0x0000800000000000ull);
    BOOST_TEST(AMBER_USER_STACK_TOP == 0x00007ffffff00000ull);
    BOOST_TEST(AMBER_USER_STACK_SIZE == 256ull * 1024);
    BOOST_TEST(AMBER_HANDLE_SELF_SPACE == 1u);
    BOOST_TEST(AMBER_HANDLE_FIRST_THREAD == 2u);
    BOOST_TEST(AMBER_HANDLE_MACHINE == 3u);
}

BOOST_AUTO_TEST_CASE(object_constants_are_unchanged) {
    BOOST_TEST(AMBER_STATE_VERSION == 3);
    BOOST_TEST(AMBER_SPACE_NAME_MAX == 32);
    BOOST_TEST(AMBER_HANDLE_NONE == 0u);
    BOOST_TEST(sizeof(amber_handle_t) == 4u);

    BOOST_TEST(AMBER_OBJECT_NONE == 0);
    BOOST_TEST(AMBER_OBJECT_THREAD == 1);
    BOOST_TEST(AMBER_OBJECT_SPACE == 2);
    BOOST_TEST(AMBER_OBJECT_REGION == 3);
    BOOST_TEST(AMBER_OBJECT_MAPPING == 4);
    BOOST_TEST(AMBER_OBJECT_PORT == 5);
    BOOST_TEST(AMBER_OBJECT_PORT_SET == 6);
    BOOST_TEST(AMBER_OBJECT_MUTEX == 7);
    BOOST_TEST(AMBER_OBJECT_COND == 8);
    BOOST_TEST(AMBER_OBJECT_REFERENCE == 9);
    BOOST_TEST(AMBER_OBJECT_MACHINE == 10);
    BOOST_TEST(AMBER_OBJECT_TYPE_COUNT == 11);

    BOOST_TEST(AMBER_RIGHT_GET_STATE == 0x01u);
    BOOST_TEST(AMBER_RIGHT_SET_STATE == 0x02u);
    BOOST_TEST(AMBER_RIGHT_DESTROY == 0x04u);
    BOOST_TEST(AMBER_RIGHT_DUPLICATE == 0x08u);
    BOOST_TEST(AMBER_RIGHT_OPERATE == 0x10u);
    BOOST_TEST(AMBER_RIGHTS_ALL == 0x1fu);
    BOOST_TEST(AMBER_RIGHTS_ALL == (AMBER_RIGHT_GET_STATE | AMBER_RIGHT_SET_STATE | AMBER_RIGHT_DESTROY |
                                    AMBER_RIGHT_DUPLICATE | AMBER_RIGHT_OPERATE));

    BOOST_TEST(AMBER_THREAD_STOPPED == 0x1u);
    BOOST_TEST(AMBER_THREAD_WAITING == 0x2u);
    BOOST_TEST(AMBER_THREAD_EXITED == 0x4u);
    BOOST_TEST(AMBER_THREAD_REF_SPACE == 0);
    BOOST_TEST(AMBER_THREAD_REF_WAITING_FOR == 1);
    BOOST_TEST(AMBER_THREAD_REF_SERVER == 2);
    BOOST_TEST(AMBER_THREAD_REF_CLIENT == 3);
    BOOST_TEST(AMBER_THREAD_REF_COUNT == 4);
    BOOST_TEST(AMBER_THREAD_IPC_CLIENT == 0x01u);
    BOOST_TEST(AMBER_THREAD_IPC_CLIENT_SENDER == 0x02u);
    BOOST_TEST(AMBER_THREAD_IPC_CLIENT_ALERTED == 0x04u);
    BOOST_TEST(AMBER_THREAD_IPC_SERVER == 0x10u);
    BOOST_TEST(AMBER_THREAD_IPC_SERVER_SENDER == 0x20u);
    BOOST_TEST(AMBER_THREAD_IPC_SERVER_ALERTED == 0x40u);
    BOOST_TEST(AMBER_THREAD_IPC_CLIENT_HALF == 0x07u);
    BOOST_TEST(AMBER_THREAD_IPC_SERVER_HALF == 0x70u);

    BOOST_TEST(AMBER_PROT_READ == 0x1u);
    BOOST_TEST(AMBER_PROT_WRITE == 0x2u);
    BOOST_TEST(AMBER_PROT_EXECUTE == 0x4u);
    BOOST_TEST(AMBER_MEMORY_ANONYMOUS == 1u);
    BOOST_TEST(AMBER_MEMORY_MAPPING == 2u);
    BOOST_TEST(AMBER_MEMORY_DEVICE == 3u);
    BOOST_TEST(AMBER_IO_READ == 0u);
    BOOST_TEST(AMBER_IO_WRITE == 1u);
    BOOST_TEST(AMBER_IO_TRANSFER_MAX == 4096u);
    BOOST_TEST(AMBER_PAGE_PRESENT == 0x8u);
    BOOST_TEST(AMBER_PAGE_OWNERS_SHIFT == 32);

    BOOST_TEST(AMBER_STATS_MAX_CALLS == 128);
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
