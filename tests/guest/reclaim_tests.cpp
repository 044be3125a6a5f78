// Guest tests of what ending a space or a mapping releases, and that it is released in bounded
// slices (issue 11, item 2): a destroyed space's memory and handles after the call, a mapping's
// pages before its last handle goes.
#include "object_test_support.hpp"

using namespace object_tests;

namespace {

constexpr uint64_t base = 0x0000200000000000ull, size = 16ull << 20, pages = size / 4096;
constexpr uint32_t read_write = AMBER_PROT_READ | AMBER_PROT_WRITE;

uint64_t frames_of(const amber_stats& stats) { return stats.free_frames + stats.heap_frames; }

// `owner`'s [base, + size), allocated, mapped into `user` and read through the mapping: true when
// every page is then present there.
bool share_all(amber_handle_t owner, amber_handle_t user, amber_handle_t& region, amber_handle_t& mapping) {
    if (!amber::sys::memory_allocate(owner, base, size, read_write).ok()) return false;
    amber_region_state region_state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, base, size, read_write, 0};
    region = handle_of(amber::sys::region_create(owner, &region_state));
    amber_mapping_state mapping_state{{AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, base, size, 0, read_write, 0};
    mapping = handle_of(amber::sys::mapping_create(user, region, &mapping_state));
    if (region == 0 || mapping == 0) return false;
    static uint8_t chunk[1 << 20];
    for (uint64_t offset = 0; offset < size; offset += sizeof chunk)
        if (!amber::sys::memory_read(user, base + offset, chunk, sizeof chunk).ok()) return false;
    amber_memory_range range{};
    return amber::sys::space_enumerate_memory(user, 0, &range, 1).value == 1 && range.present_pages == pages;
}

uint64_t area_count(amber_handle_t space) {
    amber_memory_range ranges[4];
    return amber::sys::space_enumerate_memory(space, 0, ranges, 4).value;
}

} // namespace

AMBER_TEST(a_destroyed_space_releases_its_memory_in_slices_after_the_call) {
    amber_stats before = reclaimed_stats();
    amber_handle_t space = handle_of(amber::sys::space_create(0));
    CHECK(space);
    CHECK_EQ(amber::sys::memory_allocate(space, base, size, read_write).status, AMBER_OK);
    for (uint64_t i = 1; i <= 8; ++i) // sparse pages: tables of their own at every level
        CHECK_EQ(amber::sys::memory_allocate(space, base + (i << 39), 4096, read_write).status, AMBER_OK);
    amber_space_state state{};
    CHECK_EQ(get_state(space, state), AMBER_OK);
    CHECK_EQ(state.memory_pages, pages + 8);
    CHECK_EQ(amber::sys::object_destroy(space).status, AMBER_OK);
    CHECK_EQ(amber::sys::handle_close(space).status, AMBER_OK);
    amber_stats after = reclaimed_stats();
    CHECK_EQ(after.reclaim_pending, 0u);
    CHECK_EQ(frames_of(after), frames_of(before));
    CHECK_EQ(after.heap_blocks, before.heap_blocks);
    // At most 1,024 entries a slice: 4,104 pages and their tables took at least 5.
    CHECK(after.reclaim_slices - before.reclaim_slices >= 5);
}

AMBER_TEST(closing_the_last_handle_of_a_mapping_drops_its_pages_in_slices) {
    amber_handle_t owner = handle_of(amber::sys::space_create(0));
    amber_handle_t user = handle_of(amber::sys::space_create(0));
    CHECK(owner && user);
    amber_handle_t region = 0, mapping = 0;
    CHECK(share_all(owner, user, region, mapping));
    amber_handle_t copy = handle_of(amber::sys::handle_duplicate(mapping, AMBER_RIGHTS_ALL));
    CHECK(copy);
    CHECK_EQ(amber::sys::handle_close(copy).status, AMBER_OK); // not the last: nothing dropped
    amber_memory_range range{};
    CHECK_EQ(amber::sys::space_enumerate_memory(user, 0, &range, 1).value, 1u);
    CHECK_EQ(range.present_pages, pages);
    uint64_t restarts = restarts_of(AMBER_SYS_handle_close);
    CHECK_EQ(amber::sys::handle_close(mapping).status, AMBER_OK);
    CHECK(!preemption_stress_active() || restarts_of(AMBER_SYS_handle_close) > restarts);
    CHECK_EQ(area_count(user), 0u); // the mapping is gone with its last handle
    CHECK_EQ(amber::sys::handle_close(mapping).status, AMBER_ERR_BAD_HANDLE);
    uint8_t byte;
    CHECK_EQ(amber::sys::memory_read(user, base, &byte, 1).status, AMBER_ERR_BAD_ADDRESS);
    for (amber_handle_t h : {owner, user}) amber::sys::object_destroy(h);
    for (amber_handle_t h : {region, owner, user}) amber::sys::handle_close(h);
}

// The last handle of a mapping into a live space dies with the space that held it: the reclaimer
// drops the mapping's pages in slices, then the mapping goes.
AMBER_TEST(a_mapping_whose_last_handle_dies_with_its_holder_goes_in_slices) {
    amber_stats before = reclaimed_stats();
    amber_handle_t owner = handle_of(amber::sys::space_create(0));
    amber_handle_t user = handle_of(amber::sys::space_create(0));
    amber_handle_t holder = handle_of(amber::sys::space_create(0));
    CHECK(owner && user && holder);
    amber_handle_t region = 0, mapping = 0;
    CHECK(share_all(owner, user, region, mapping));
    CHECK(amber::sys::space_handle_install(holder, 0, mapping, AMBER_RIGHTS_ALL).ok());
    CHECK_EQ(amber::sys::handle_close(mapping).status, AMBER_OK); // the holder's is the last
    CHECK_EQ(area_count(user), 1u);
    CHECK_EQ(amber::sys::object_destroy(holder).status, AMBER_OK);
    amber_stats after = reclaimed_stats();
    CHECK_EQ(after.reclaim_pending, 0u);
    CHECK_EQ(area_count(user), 0u);
    CHECK(after.reclaim_slices - before.reclaim_slices >= pages / 1024);
    uint8_t byte;
    CHECK_EQ(amber::sys::memory_read(user, base, &byte, 1).status, AMBER_ERR_BAD_ADDRESS);
    for (amber_handle_t h : {owner, user}) amber::sys::object_destroy(h);
    for (amber_handle_t h : {region, owner, user, holder}) amber::sys::handle_close(h);
}
