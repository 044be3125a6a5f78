// Guest tests of copy-on-write memory served by the user-level pager (userland/lib/pager.hpp):
// clones share frames until a side writes, reads keep sharing, absent pages stay demand-zero.
// cow_copy_tests.cpp: writes by the kernel and exported threads; cow_call_tests.cpp: the calls.
#include "cow_test_support.hpp"

using namespace object_tests;
using namespace cow_tests;

namespace {
constexpr uint64_t pages = 8;
constexpr uint64_t source_base = 0x50000000, clone_base = 0x58000000;
} // namespace

AMBER_TEST(writes_after_a_clone_copy_one_page_and_reads_keep_sharing) {
    CHECK(keep(self_space, source_base, pages));
    CHECK(keep(self_space, clone_base, pages));
    fill(source_base, pages, 100);
    CHECK_FAULTS(pager.zero_fills, pages); // demand-zero: one fault per page
    CHECK_EQ(pager.clone(self_space, clone_base, self_space, source_base, pages * page), AMBER_OK);
    bool shared = true;
    for (uint64_t i = 0; i < pages; ++i) {
        shared = shared && owners(self_space, source_base + i * page) == 2 &&
                 !writable(self_space, clone_base + i * page) && !writable(self_space, source_base + i * page);
    }
    CHECK(shared); // one frame per page, both sides write-protected
    uint64_t faults = pager.faults;
    bool same = true;
    for (uint64_t i = 0; i < pages; ++i) same = same && holds(clone_base, i, 100);
    CHECK(same);
    CHECK_FAULTS(pager.faults, faults); // reads share: no fault

    *word(clone_base, 0) = 0xc10e;   // the clone's first write: a private copy
    *word(source_base, 1) = 0x5005e; // the source's too
    CHECK_FAULTS(pager.faults, faults + 2);
    CHECK_EQ(pager.last_fault.error_code, uint64_t{AMBER_FAULT_PRESENT | AMBER_FAULT_WRITE | AMBER_FAULT_USER});
    CHECK_EQ(pager.last_fault.address, source_base + page);
    CHECK_EQ(*word(source_base, 0), 100u); // the other side keeps the old contents
    CHECK_EQ(*word(clone_base, 1), 1100u);
    CHECK_EQ(*word(clone_base, 0), 0xc10eu);
    CHECK_EQ(*word(source_base, 1), 0x5005eu);
    CHECK_EQ(owners(self_space, clone_base), 1u);
    CHECK(writable(self_space, clone_base));
    CHECK_EQ(owners(self_space, source_base), 1u); // its partner left: private but still read-only
    CHECK(!writable(self_space, source_base));
    *word(source_base, 0) = 0xbeef; // write access back, no copy
    CHECK(writable(self_space, source_base));
    CHECK_EQ(*word(clone_base, 0), 0xc10eu);
    bool untouched_shared = true;
    for (uint64_t i = 2; i < pages; ++i) {
        untouched_shared = untouched_shared && owners(self_space, clone_base + i * page) == 2 &&
                           owners(self_space, source_base + i * page) == 2;
    }
    CHECK(untouched_shared);
    CHECK_EQ(pager.unresolved, 0u);
}

AMBER_TEST(absent_pages_stay_demand_zero_on_both_sides) {
    constexpr uint64_t from = 0x51000000, to = 0x59000000;
    CHECK(keep(self_space, from, 4));
    CHECK(keep(self_space, to, 4));
    *word(from, 0) = 7;
    *word(from, 2) = 9; // pages 1 and 3 stay absent
    CHECK_EQ(pager.clone(self_space, to, self_space, from, 4 * page), AMBER_OK);
    CHECK_EQ(info(self_space, to + page), 0u); // absent in the clone too
    CHECK_EQ(info(self_space, to + 3 * page), 0u);
    CHECK_EQ(*word(to, 2), 9u);
    CHECK_EQ(*word(to, 1), 0u); // a fresh zero page of its own
    *word(to, 1) = 5;
    CHECK_EQ(info(self_space, from + page), 0u); // the source's page 1 is still absent
    CHECK_EQ(*word(from, 1), 0u);
    CHECK_EQ(*word(to, 1), 5u);
    amber_memory_range ranges[8];
    uint64_t n = amber::sys::space_enumerate_memory(self_space, to, ranges, 8).value;
    CHECK(n >= 1);
    CHECK_EQ(ranges[0].base, to); // pages 0-2 merged in one anonymous area
    CHECK_EQ(ranges[0].size, 3 * page);
    CHECK_EQ(ranges[0].kind, AMBER_MEMORY_ANONYMOUS);
    CHECK_EQ(ranges[0].protection, static_cast<uint32_t>(read_write)); // the area's; the pages may have less
}

AMBER_TEST(a_clone_of_a_clone_shares_one_frame_three_ways) {
    constexpr uint64_t a = 0x52000000, b = 0x5a000000, c = 0x5e000000;
    CHECK(keep(self_space, a, 2));
    CHECK(keep(self_space, b, 2));
    CHECK(keep(self_space, c, 2));
    fill(a, 2, 500);
    CHECK_EQ(pager.clone(self_space, b, self_space, a, 2 * page), AMBER_OK);
    CHECK_EQ(pager.clone(self_space, c, self_space, b, 2 * page), AMBER_OK);
    CHECK_EQ(owners(self_space, a), 3u);
    CHECK_EQ(owners(self_space, c + page), 3u);
    *word(b, 0) = 1; // b copies; a and c still share
    CHECK_EQ(owners(self_space, a), 2u);
    CHECK_EQ(owners(self_space, b), 1u);
    *word(c, 0) = 2; // c copies; a is alone with the frame, still write-protected
    CHECK_EQ(owners(self_space, a), 1u);
    CHECK(holds(a, 0, 500) && holds(a, 1, 500) && holds(b, 1, 500) && holds(c, 1, 500));
    CHECK_EQ(*word(b, 0), 1u);
    CHECK_EQ(*word(c, 0), 2u);
    CHECK_EQ(*word(b, 0, 64 * 8), pattern(500, 0, 64)); // the copy kept the rest of the page
    CHECK_EQ(owners(self_space, b + page), 3u);
}

int main(int, char**) { return amber::test::run_all("cow"); }
