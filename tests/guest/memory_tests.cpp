// Guest tests of spaces: memory allocation, reading and writing another space's memory (long,
// restartable copies), enumeration of memory and handles, handle install/export, regions and
// mappings sharing pages between spaces.
#include "object_test_support.hpp"

using namespace object_tests;

namespace {

// A read-write region of [base, + size) of `owner` mapped at the same place in `user`.
amber_mapping_state map_read_write(amber_handle_t owner, amber_handle_t user, uint64_t base, uint64_t size,
                                   amber_handle_t& region, amber_handle_t& mapping) {
    amber_region_state region_state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, base, size, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    region = handle_of(amber::sys::region_create(owner, &region_state));
    amber_mapping_state mapping_state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, base, size, 0, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    mapping = handle_of(amber::sys::mapping_create(user, region, &mapping_state));
    return mapping_state;
}

constexpr uint64_t child_base = 0x10000000;
constexpr uint64_t big = 1u << 20; // crosses many preemption points
alignas(4096) uint8_t pattern[big];
alignas(4096) uint8_t readback[big];
} // namespace

AMBER_TEST(memory_allocate_checks_its_arguments) {
    amber_handle_t space = handle_of(amber::sys::space_create(0));
    constexpr uint32_t rw = AMBER_PROT_READ | AMBER_PROT_WRITE;
    CHECK_EQ(amber::sys::memory_allocate(space, child_base + 1, 4096, rw).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_allocate(space, child_base, 100, rw).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_allocate(space, child_base, 0, rw).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_allocate(space, kernel_address & ~0xfffull, 4096, rw).status,
             AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_allocate(space, 0, 4096, rw).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_allocate(space, child_base, 4096, AMBER_PROT_WRITE).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_allocate(space, child_base, 4096, 0x80).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_allocate(space, child_base, 8192, rw).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_allocate(space, child_base + 4096, 4096, rw).status, AMBER_ERR_EXISTS);
    CHECK_EQ(amber::sys::memory_free(space, child_base, 4096).status, AMBER_ERR_INVALID_ARGUMENT); // part of an area
    CHECK_EQ(amber::sys::memory_free(space, child_base, 8192).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_free(space, child_base, 8192).status, AMBER_ERR_INVALID_ARGUMENT);
    amber::sys::object_destroy(space);
    amber::sys::handle_close(space);
}

AMBER_TEST(another_space_memory_is_written_and_read_back) {
    amber_handle_t space = handle_of(amber::sys::space_create(0));
    CHECK_EQ(amber::sys::memory_allocate(space, child_base, big, AMBER_PROT_READ | AMBER_PROT_WRITE).status, AMBER_OK);
    for (uint64_t i = 0; i < big; ++i) pattern[i] = static_cast<uint8_t>(i * 7 + (i >> 12));
    CHECK_EQ(amber::sys::memory_write(space, child_base, pattern, big).status, AMBER_OK);
    __builtin_memset(readback, 0, big);
    CHECK_EQ(amber::sys::memory_read(space, child_base, readback, big).status, AMBER_OK);
    CHECK(__builtin_memcmp(pattern, readback, big) == 0);
    // Unaligned, page-crossing pieces.
    CHECK_EQ(amber::sys::memory_read(space, child_base + 4090, readback, 20).status, AMBER_OK);
    CHECK(__builtin_memcmp(pattern + 4090, readback, 20) == 0);
    // Past the end: fails, having copied what it could.
    CHECK_EQ(amber::sys::memory_read(space, child_base + big - 8, readback, 16).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::memory_read(space, child_base, kernel_address, 16).status, AMBER_ERR_BAD_ADDRESS);
    amber_handle_t read_only = handle_of(amber::sys::handle_duplicate(space, AMBER_RIGHT_GET_STATE));
    CHECK_EQ(amber::sys::memory_write(read_only, child_base, pattern, 16).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::memory_read(read_only, child_base, readback, 16).status, AMBER_OK);
    amber_memory_range ranges[4];
    auto listed = amber::sys::space_enumerate_memory(space, 0, ranges, 4);
    CHECK_EQ(listed.status, AMBER_OK);
    CHECK_EQ(listed.value, 1u);
    CHECK_EQ(ranges[0].base, child_base);
    CHECK_EQ(ranges[0].size, big);
    CHECK_EQ(ranges[0].present_pages, big / 4096);
    CHECK_EQ(ranges[0].kind, AMBER_MEMORY_ANONYMOUS);
    amber_space_state state{};
    CHECK_EQ(get_state(space, state), AMBER_OK);
    CHECK_EQ(state.memory_pages, big / 4096);
    amber::sys::object_destroy(space);
    amber::sys::handle_close(space);
    amber::sys::handle_close(read_only);
}

AMBER_TEST(own_memory_and_handles_are_enumerable) {
    amber_memory_range ranges[16];
    auto listed = amber::sys::space_enumerate_memory(self_space, 0, ranges, 16);
    CHECK_EQ(listed.status, AMBER_OK);
    CHECK(listed.value >= 3); // text, rodata, data and the stack
    bool found_stack = false;
    for (uint64_t i = 0; i < listed.value; ++i) {
        if (ranges[i].base + ranges[i].size == AMBER_USER_STACK_TOP) found_stack = true;
        if (i > 0) CHECK(ranges[i - 1].base + ranges[i - 1].size <= ranges[i].base); // sorted, disjoint
    }
    CHECK(found_stack);
    amber_handle_info infos[8];
    auto handles = amber::sys::space_enumerate_handles(self_space, 1, infos, 8);
    CHECK_EQ(handles.status, AMBER_OK);
    CHECK(handles.value >= 2);
    CHECK_EQ(infos[0].handle, AMBER_HANDLE_SELF_SPACE);
    CHECK_EQ(infos[0].type, AMBER_OBJECT_SPACE);
    CHECK_EQ(infos[1].handle, AMBER_HANDLE_FIRST_THREAD);
    CHECK_EQ(infos[1].type, AMBER_OBJECT_THREAD);
    CHECK_EQ(amber::sys::space_enumerate_handles(self_space, 1, infos, 1000).status, AMBER_ERR_INVALID_ARGUMENT);
}

AMBER_TEST(handles_install_into_and_export_from_another_space) {
    amber_handle_t space = handle_of(amber::sys::space_create(0));
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    auto installed = amber::sys::space_handle_install(space, 7, mutex, AMBER_RIGHT_OPERATE | AMBER_RIGHT_GET_STATE);
    CHECK_EQ(installed.status, AMBER_OK);
    CHECK_EQ(installed.value, 7u);
    CHECK_EQ(amber::sys::space_handle_install(space, 7, mutex, AMBER_RIGHT_OPERATE).status, AMBER_ERR_EXISTS);
    CHECK_EQ(amber::sys::space_handle_install(space, 8, mutex, AMBER_RIGHTS_ALL | 0x40).status,
             AMBER_ERR_ACCESS_DENIED);
    amber_handle_info infos[4];
    auto listed = amber::sys::space_enumerate_handles(space, 1, infos, 4);
    CHECK_EQ(listed.value, 1u);
    CHECK_EQ(infos[0].handle, 7u);
    CHECK_EQ(infos[0].id, id_of(mutex));
    CHECK_EQ(infos[0].rights, AMBER_RIGHT_OPERATE | AMBER_RIGHT_GET_STATE);
    amber_handle_t back = handle_of(amber::sys::space_handle_export(space, 7, AMBER_RIGHT_GET_STATE));
    CHECK(back != 0);
    CHECK_EQ(id_of(back), id_of(mutex));
    CHECK_EQ(amber::sys::space_handle_export(space, 7, AMBER_RIGHT_DESTROY).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::space_handle_export(space, 9, AMBER_RIGHT_GET_STATE).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(amber::sys::space_handle_remove(space, 7).status, AMBER_OK);
    CHECK_EQ(amber::sys::space_handle_remove(space, 7).status, AMBER_ERR_BAD_HANDLE);
    for (amber_handle_t h : {back, mutex}) amber::sys::handle_close(h);
    amber::sys::object_destroy(space);
    amber::sys::handle_close(space);
}

alignas(4096) uint8_t shared_pages[3 * 4096];

AMBER_TEST(a_mapping_shares_pages_between_spaces) {
    for (int i = 0; i < 3; ++i) shared_pages[i * 4096] = static_cast<uint8_t>(0x10 + i);
    amber_region_state region_state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0},
                                    reinterpret_cast<uint64_t>(shared_pages),
                                    sizeof shared_pages,
                                    AMBER_PROT_READ | AMBER_PROT_WRITE,
                                    0};
    amber_handle_t region = handle_of(amber::sys::region_create(self_space, &region_state));
    amber_handle_t space = handle_of(amber::sys::space_create(0));
    amber_mapping_state mapping_state{{AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0},
                                      child_base,
                                      2 * 4096,
                                      4096,
                                      AMBER_PROT_READ | AMBER_PROT_WRITE,
                                      0};
    amber_handle_t mapping = handle_of(amber::sys::mapping_create(space, region, &mapping_state));
    CHECK(region && space && mapping);
    uint8_t byte = 0;
    CHECK_EQ(amber::sys::memory_read(space, child_base, &byte, 1).status, AMBER_OK);
    CHECK_EQ(byte, 0x11); // page 1 of the region
    byte = 0xab;
    CHECK_EQ(amber::sys::memory_write(space, child_base + 4096, &byte, 1).status, AMBER_OK);
    CHECK_EQ(shared_pages[2 * 4096], 0xab); // the same frame
    amber_memory_range ranges[2];
    CHECK_EQ(amber::sys::space_enumerate_memory(space, 0, ranges, 2).value, 1u);
    CHECK_EQ(ranges[0].kind, AMBER_MEMORY_MAPPING);
    amber_mapping_state overlapping = mapping_state;
    CHECK_EQ(amber::sys::mapping_create(space, region, &overlapping).status, AMBER_ERR_EXISTS);
    overlapping.base = child_base + 0x100000;
    overlapping.size = 4 * 4096; // beyond the region
    CHECK_EQ(amber::sys::mapping_create(space, region, &overlapping).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_free(space, child_base, 2 * 4096).status, AMBER_ERR_INVALID_ARGUMENT); // a mapping
    CHECK_EQ(amber::sys::object_destroy(mapping).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_read(space, child_base, &byte, 1).status, AMBER_ERR_BAD_ADDRESS); // unmapped
    CHECK_EQ(shared_pages[4096], 0x11); // the region's own pages are untouched
    for (amber_handle_t h : {mapping, region}) amber::sys::handle_close(h);
    amber::sys::object_destroy(space);
    amber::sys::handle_close(space);
}

// Regression (issue 11, item 2): calls over a range walked every page of it, holding the CPU for
// minutes on a range of terabytes. Now their cost follows the pages present; each call here used to
// take about 20 minutes under TCG and must finish in well under a second of ticks.
AMBER_TEST(calls_on_a_huge_sparse_range_cost_what_is_present_not_its_length) {
    constexpr uint64_t base = 1ull << 40, size = 100ull << 40; // 100 TiB from 1 TiB up
    const uint64_t pages[3] = {base, base + size / 2 + 0x5000, base + size - 4096};
    amber_handle_t owner = handle_of(amber::sys::space_create(0));
    amber_handle_t user = handle_of(amber::sys::space_create(0));
    CHECK(owner && user);
    for (uint64_t i = 0; i < 3; ++i) {
        CHECK_EQ(amber::sys::memory_allocate(owner, pages[i], 4096, AMBER_PROT_READ | AMBER_PROT_WRITE).status,
                 AMBER_OK);
        uint8_t marker = static_cast<uint8_t>(0x60 + i);
        CHECK_EQ(amber::sys::memory_write(owner, pages[i] + 7, &marker, 1).status, AMBER_OK);
    }
    uint64_t start = amber::ticks();
    amber_handle_t region = 0, mapping = 0;
    amber_mapping_state mapping_state = map_read_write(owner, user, base, size, region, mapping);
    CHECK(region && mapping);
    for (uint64_t i = 0; i < 3; ++i) { // every present page of the region is seen through the mapping
        uint8_t byte = 0;
        CHECK_EQ(amber::sys::memory_read(user, pages[i] + 7, &byte, 1).status, AMBER_OK);
        CHECK_EQ(byte, 0x60 + i);
    }
    amber_memory_range range{};
    CHECK_EQ(amber::sys::space_enumerate_memory(user, 0, &range, 1).value, 1u);
    CHECK_EQ(range.size, size);
    CHECK_EQ(range.present_pages, 3u);
    amber_space_state space_state{};
    CHECK_EQ(get_state(owner, space_state), AMBER_OK);
    CHECK_EQ(space_state.memory_pages, 3u);
    mapping_state.protection = AMBER_PROT_READ; // re-protect: every present page is remapped
    CHECK_EQ(set_state(mapping, mapping_state), AMBER_OK);
    uint8_t byte = 0x77;
    CHECK_EQ(amber::sys::memory_write(user, pages[1], &byte, 1).status, AMBER_ERR_ACCESS_DENIED); // read-only now
    CHECK_EQ(amber::sys::memory_read(user, pages[2] + 7, &byte, 1).status, AMBER_OK);
    CHECK_EQ(byte, 0x62);
    CHECK_EQ(amber::sys::object_destroy(mapping).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_read(user, pages[0], &byte, 1).status, AMBER_ERR_BAD_ADDRESS);
    CHECK(amber::ticks() - start < 1000);
    for (uint64_t i = 0; i < 3; ++i) CHECK_EQ(amber::sys::memory_free(owner, pages[i], 4096).status, AMBER_OK);
    for (amber_handle_t h : {mapping, region, owner, user}) {
        if (h == owner || h == user) amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
}

// Regression (issue 11, item 2): dropping many present pages (memory_free, destroying a mapping,
// re-protecting one) used to run in one go with interrupts off; now it passes preemption points and
// restarts, each slice's unmapping committed. 16 MiB is 4,096 pages, 256 slices: under
// preemption stress each call surely restarts (without it, whether a slice ends in one is timing).
AMBER_TEST(dropping_many_pages_passes_preemption_points) {
    constexpr uint64_t base = 0x0000200000000000ull, size = 16ull << 20;
    amber_handle_t owner = handle_of(amber::sys::space_create(0));
    amber_handle_t user = handle_of(amber::sys::space_create(0));
    CHECK(owner && user);
    CHECK_EQ(amber::sys::memory_allocate(owner, base, size, AMBER_PROT_READ | AMBER_PROT_WRITE).status, AMBER_OK);
    amber_handle_t region = 0, mapping = 0;
    amber_mapping_state mapping_state = map_read_write(owner, user, base, size, region, mapping);
    CHECK(region && mapping);
    amber_memory_range range{};
    CHECK_EQ(amber::sys::space_enumerate_memory(user, 0, &range, 1).value, 1u);
    CHECK_EQ(range.present_pages, 0u); // filled on first touch, not when made
    auto touch_all = [&] {
        static uint8_t chunk[1 << 20];
        bool ok = true;
        for (uint64_t offset = 0; offset < size; offset += sizeof chunk)
            ok = ok && amber::sys::memory_read(user, base + offset, chunk, sizeof chunk).ok();
        CHECK(ok);
        CHECK_EQ(amber::sys::space_enumerate_memory(user, 0, &range, 1).value, 1u);
        CHECK_EQ(range.present_pages, size / 4096);
    };
    touch_all();
    uint64_t before = restarts_of(AMBER_SYS_object_set_state);
    mapping_state.protection = AMBER_PROT_READ;
    CHECK_EQ(set_state(mapping, mapping_state), AMBER_OK);
    CHECK(!preemption_stress_active() || restarts_of(AMBER_SYS_object_set_state) > before);
    CHECK_EQ(amber::sys::space_enumerate_memory(user, 0, &range, 1).value, 1u);
    CHECK_EQ(range.present_pages, 0u);
    CHECK_EQ(range.protection, static_cast<uint32_t>(AMBER_PROT_READ));
    uint8_t byte = 1;
    CHECK_EQ(amber::sys::memory_write(user, base + size - 1, &byte, 1).status, AMBER_ERR_ACCESS_DENIED);
    touch_all();
    before = restarts_of(AMBER_SYS_object_destroy);
    CHECK_EQ(amber::sys::object_destroy(mapping).status, AMBER_OK);
    CHECK(!preemption_stress_active() || restarts_of(AMBER_SYS_object_destroy) > before);
    CHECK_EQ(amber::sys::memory_read(user, base, &byte, 1).status, AMBER_ERR_BAD_ADDRESS);
    before = restarts_of(AMBER_SYS_memory_free);
    CHECK_EQ(amber::sys::memory_free(owner, base, size).status, AMBER_OK);
    CHECK(!preemption_stress_active() || restarts_of(AMBER_SYS_memory_free) > before);
    CHECK_EQ(amber::sys::memory_read(owner, base, &byte, 1).status, AMBER_ERR_BAD_ADDRESS);
    for (amber_handle_t h : {mapping, region, owner, user}) {
        if (h == owner || h == user) amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
}

AMBER_TEST(a_long_debug_write_passes_preemption_points) {
    static char text[64 * 1024];
    for (uint64_t i = 0; i < sizeof text; ++i) text[i] = (i % 64 == 63) ? '\n' : '.';
    amber_stats before{}, after{};
    CHECK_EQ(amber::sys::system_stats(&before, sizeof before).status, AMBER_OK);
    CHECK_EQ(amber::sys::debug_write(text, sizeof text).status, AMBER_OK); // about 75 ms of console
    CHECK_EQ(amber::sys::system_stats(&after, sizeof after).status, AMBER_OK);
    CHECK(after.restarts[AMBER_SYS_debug_write] > before.restarts[AMBER_SYS_debug_write]);
    CHECK_EQ(amber::sys::debug_write(text, sizeof text + (1u << 20)).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::debug_write(reinterpret_cast<const char*>(kernel_address), 16).status, AMBER_ERR_BAD_ADDRESS);
}

AMBER_TEST(stats_count_calls_and_restarts) {
    amber_stats stats{};
    CHECK_EQ(amber::sys::system_stats(&stats, sizeof stats).status, AMBER_OK);
    CHECK_EQ(stats.version, static_cast<uint32_t>(AMBER_STATE_VERSION));
    CHECK_EQ(stats.call_count, static_cast<uint32_t>(AMBER_SYSCALL_COUNT));
    CHECK(stats.calls[AMBER_SYS_mutex_lock] > 0);
    CHECK(stats.restarts[AMBER_SYS_mutex_lock] > 0); // the contended-lock tests waited
    CHECK_EQ(amber::sys::system_stats(&stats, sizeof stats - 8).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::system_stats(kernel_address, sizeof stats).status, AMBER_ERR_BAD_ADDRESS);
}
