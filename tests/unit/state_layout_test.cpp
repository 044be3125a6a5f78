// Golden layout test of the checkpoint image format: the size, alignment and every field offset of
// each struct in uapi/amber/objects.h, uapi/amber/stats.h and uapi/amber/ipc.h, and that they are standard-layout and
// trivially copyable. The numbers are literals on purpose: a change here is a change of the image
// format and needs AMBER_STATE_VERSION bumped along with the expected values.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stddef.h>

#include <amber/ipc.h>
#include <amber/objects.h>
#include <amber/stats.h>
#include <iterator>
#include <string>
#include <type_traits>

namespace {

struct Field {
    std::string name;
    size_t offset;
    size_t expected;
};

#define FIELD(type, member, expected)                                                                                  \
    Field { #type "." #member, offsetof(type, member), expected }

const Field fields[] = {
    FIELD(amber_state_header, version, 0),
    FIELD(amber_state_header, type, 4),
    FIELD(amber_state_header, id, 8),

    FIELD(amber_thread_registers, rax, 0),
    FIELD(amber_thread_registers, rbx, 8),
    FIELD(amber_thread_registers, rcx, 16),
    FIELD(amber_thread_registers, rdx, 24),
    FIELD(amber_thread_registers, rsi, 32),
    FIELD(amber_thread_registers, rdi, 40),
    FIELD(amber_thread_registers, rbp, 48),
    FIELD(amber_thread_registers, rsp, 56),
    FIELD(amber_thread_registers, r8, 64),
    FIELD(amber_thread_registers, r9, 72),
    FIELD(amber_thread_registers, r10, 80),
    FIELD(amber_thread_registers, r11, 88),
    FIELD(amber_thread_registers, r12, 96),
    FIELD(amber_thread_registers, r13, 104),
    FIELD(amber_thread_registers, r14, 112),
    FIELD(amber_thread_registers, r15, 120),
    FIELD(amber_thread_registers, rip, 128),
    FIELD(amber_thread_registers, rflags, 136),
    FIELD(amber_thread_registers, fs_base, 144),
    FIELD(amber_thread_registers, gs_base, 152),

    FIELD(amber_thread_state, header, 0),
    FIELD(amber_thread_state, registers, 16),
    FIELD(amber_thread_state, flags, 176),
    FIELD(amber_thread_state, ipc_flags, 180),
    FIELD(amber_thread_state, restarts, 184),
    FIELD(amber_thread_state, cancels, 192),
    FIELD(amber_thread_state, fpu, 200),
    FIELD(amber_thread_state, ipc_server_id, 712),
    FIELD(amber_thread_state, ipc_client_id, 720),

    FIELD(amber_space_state, header, 0),
    FIELD(amber_space_state, handle_count, 16),
    FIELD(amber_space_state, thread_count, 20),
    FIELD(amber_space_state, memory_pages, 24),
    FIELD(amber_space_state, clock_offset, 32),
    FIELD(amber_space_state, reserved0, 40),
    FIELD(amber_space_state, name, 48),

    FIELD(amber_region_state, header, 0),
    FIELD(amber_region_state, base, 16),
    FIELD(amber_region_state, size, 24),
    FIELD(amber_region_state, max_protection, 32),
    FIELD(amber_region_state, reserved0, 36),

    FIELD(amber_mapping_state, header, 0),
    FIELD(amber_mapping_state, base, 16),
    FIELD(amber_mapping_state, size, 24),
    FIELD(amber_mapping_state, offset, 32),
    FIELD(amber_mapping_state, protection, 40),
    FIELD(amber_mapping_state, reserved0, 44),

    FIELD(amber_port_state, header, 0),
    FIELD(amber_port_state, badge, 16),
    FIELD(amber_port_state, port_set_id, 24),

    FIELD(amber_port_set_state, header, 0),
    FIELD(amber_port_set_state, port_count, 16),
    FIELD(amber_port_set_state, waiter_count, 20),

    FIELD(amber_mutex_state, header, 0),
    FIELD(amber_mutex_state, locked, 16),
    FIELD(amber_mutex_state, waiter_count, 20),
    FIELD(amber_mutex_state, owner_thread, 24),

    FIELD(amber_cond_state, header, 0),
    FIELD(amber_cond_state, waiter_count, 16),
    FIELD(amber_cond_state, reserved0, 20),

    FIELD(amber_reference_state, header, 0),
    FIELD(amber_reference_state, target_id, 16),
    FIELD(amber_reference_state, target_type, 24),
    FIELD(amber_reference_state, rights, 28),

    FIELD(amber_machine_state, header, 0),

    FIELD(amber_handle_info, handle, 0),
    FIELD(amber_handle_info, type, 4),
    FIELD(amber_handle_info, rights, 8),
    FIELD(amber_handle_info, reserved0, 12),
    FIELD(amber_handle_info, id, 16),

    FIELD(amber_memory_range, base, 0),
    FIELD(amber_memory_range, size, 8),
    FIELD(amber_memory_range, protection, 16),
    FIELD(amber_memory_range, kind, 20),
    FIELD(amber_memory_range, present_pages, 24),

    FIELD(amber_stats, version, 0),
    FIELD(amber_stats, call_count, 4),
    FIELD(amber_stats, stress_seed, 8),
    FIELD(amber_stats, stress_rate, 16),
    FIELD(amber_stats, stress_points, 20),
    FIELD(amber_stats, calls, 24),
    FIELD(amber_stats, restarts, 1048),
    FIELD(amber_stats, forced_restarts, 2072),
    FIELD(amber_stats, heap_blocks, 3096),
    FIELD(amber_stats, free_frames, 3104),
    FIELD(amber_stats, heap_frames, 3112),
    FIELD(amber_stats, exports, 3120),
    FIELD(amber_stats, reclaim_pending, 4144),
    FIELD(amber_stats, reclaim_slices, 4152),

    FIELD(amber_ipc_buffer, address, 0),
    FIELD(amber_ipc_buffer, length, 8),

    FIELD(amber_ipc_message, buffer_count, 0),
    FIELD(amber_ipc_message, handle_count, 4),
    FIELD(amber_ipc_message, transferred, 8),
    FIELD(amber_ipc_message, buffers, 16),
    FIELD(amber_ipc_message, handles, 80),
    FIELD(amber_ipc_message, badge, 96),
    FIELD(amber_ipc_message, flags, 104),
    FIELD(amber_ipc_message, reserved0, 108),

    FIELD(amber_fault_message, address, 0),
    FIELD(amber_fault_message, error_code, 8),
    FIELD(amber_fault_message, rip, 16),
    FIELD(amber_fault_message, thread_id, 24),
};

#undef FIELD

struct Size {
    std::string name;
    size_t size, expected_size;
    size_t align, expected_align;
    bool standard_layout, trivially_copyable;
};

#define SIZE(type, expected_size, expected_align)                                                                      \
    Size {                                                                                                             \
#type, sizeof(type), expected_size, alignof(type), expected_align, std::is_standard_layout_v < type>,          \
            std::is_trivially_copyable_v < type>                                                                       \
    }

const Size sizes[] = {
    SIZE(amber_state_header, 16, 8), SIZE(amber_thread_registers, 160, 8), SIZE(amber_thread_state, 728, 8),
    SIZE(amber_space_state, 80, 8),  SIZE(amber_region_state, 40, 8),      SIZE(amber_mapping_state, 48, 8),
    SIZE(amber_port_state, 32, 8),   SIZE(amber_port_set_state, 24, 8),    SIZE(amber_mutex_state, 32, 8),
    SIZE(amber_cond_state, 24, 8),   SIZE(amber_reference_state, 32, 8),   SIZE(amber_handle_info, 24, 8),
    SIZE(amber_memory_range, 32, 8), SIZE(amber_stats, 4160, 8),           SIZE(amber_ipc_buffer, 16, 8),
    SIZE(amber_ipc_message, 112, 8), SIZE(amber_fault_message, 32, 8),     SIZE(amber_machine_state, 16, 8),
};

#undef SIZE

} // namespace

BOOST_AUTO_TEST_SUITE(state_layout)

BOOST_AUTO_TEST_CASE(every_field_offset_is_unchanged) {
    BOOST_TEST(std::size(fields) == 106u); // every field of every struct is listed
    for (const Field& field : fields) {
        BOOST_TEST_INFO(field.name);
        BOOST_TEST(field.offset == field.expected);
    }
}

BOOST_AUTO_TEST_CASE(sizes_and_alignments_are_unchanged) {
    BOOST_TEST(std::size(sizes) == 18u);
    for (const Size& s : sizes) {
        BOOST_TEST_CONTEXT(s.name) {
            BOOST_TEST(s.size == s.expected_size);
            BOOST_TEST(s.align == s.expected_align);
            BOOST_TEST(s.standard_layout);
            BOOST_TEST(s.trivially_copyable);
        }
    }
}

BOOST_AUTO_TEST_CASE(array_and_scalar_field_sizes) {
    BOOST_TEST(sizeof(amber_handle_t) == 4u);
    BOOST_TEST(sizeof(amber_thread_state::fpu) == 512u); // an FXSAVE image
    BOOST_TEST(sizeof(amber_space_state::clock_offset) == 8u);
    BOOST_TEST(sizeof(amber_space_state::name) == 32u);
    BOOST_TEST(sizeof(amber_stats::calls) == 128u * 8u);
    BOOST_TEST(sizeof(amber_stats::restarts) == 128u * 8u);
    BOOST_TEST(sizeof(amber_stats::forced_restarts) == 128u * 8u);
    BOOST_TEST(sizeof(amber_stats::exports) == 128u * 8u);
    // Every state struct begins with the header.
    BOOST_TEST(sizeof(amber_thread_state::header) == 16u);
    BOOST_TEST(sizeof(amber_reference_state::header) == 16u);
}

BOOST_AUTO_TEST_SUITE_END()
