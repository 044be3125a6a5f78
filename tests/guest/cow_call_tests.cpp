// The copy-on-write calls themselves: memory_clone, memory_unshare and memory_page_info refuse bad
// arguments and change nothing then; shared pages with no keeper cannot be written through
// memory_write; unshare is idempotent; a long clone crosses preemption points; a write the pager
// cannot resolve stops the faulting thread.
#include "cow_test_support.hpp"

using namespace object_tests;
using namespace cow_tests;

namespace {
constexpr uint64_t a = 0x20000000, b = 0x21000000, m = 0x22000000;
} // namespace

AMBER_TEST(clone_unshare_and_page_info_refuse_bad_arguments) {
    using amber::sys::memory_clone;
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    CHECK_EQ(amber::sys::memory_allocate(child, a, 2 * page, read_write).status, AMBER_OK);
    amber_port_state port_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 0, 0};
    amber_handle_t port = handle_of(amber::sys::port_create(&port_state));
    amber_handle_t reader = handle_of(amber::sys::handle_duplicate(child, AMBER_RIGHT_GET_STATE));
    amber_handle_t writer = handle_of(amber::sys::handle_duplicate(child, AMBER_RIGHT_SET_STATE));
    CHECK_EQ(memory_clone(0, b, child, a, page).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(memory_clone(child, b, 0xffff, a, page).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(memory_clone(port, b, child, a, page).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(memory_clone(child, b, port, a, page).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(memory_clone(reader, b, child, a, page).status, AMBER_ERR_ACCESS_DENIED); // target: SET_STATE
    CHECK_EQ(memory_clone(child, b, reader, a, page).status, AMBER_ERR_ACCESS_DENIED); // source: both
    CHECK_EQ(memory_clone(child, b, writer, a, page).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(memory_clone(child, b + 1, child, a, page).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_clone(child, b, child, a + 1, page).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_clone(child, b, child, a, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_clone(child, b, child, a, 100).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_clone(child, b, child, kernel_address, page).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_clone(child, kernel_address, child, a, page).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_clone(child, b, child, a, ~uint64_t{4095}).status, AMBER_ERR_INVALID_ARGUMENT); // wraps
    CHECK_EQ(memory_clone(child, a + page, child, a, 2 * page).status, AMBER_ERR_EXISTS);
    // Pages 2 and 3 of the source are absent, so the target is free, but the ranges overlap.
    CHECK_EQ(memory_clone(child, a + 2 * page, child, a, 4 * page).status, AMBER_ERR_INVALID_ARGUMENT);
    // Mapped memory cannot be cloned, nor a page shared writable through a mapping.
    amber_region_state region_state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, a, page, read_write, 0};
    amber_handle_t region = handle_of(amber::sys::region_create(child, &region_state));
    amber_mapping_state mapping_state{{AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, m, page, 0, read_write, 0};
    amber_handle_t mapping = handle_of(amber::sys::mapping_create(child, region, &mapping_state));
    CHECK(mapping != 0);
    uint8_t byte = 0;
    CHECK_EQ(owners(child, a), 1u); // a mapping's page is filled on first touch
    CHECK_EQ(amber::sys::memory_read(child, m, &byte, 1).status, AMBER_OK);
    CHECK_EQ(owners(child, a), 2u);
    CHECK_EQ(memory_clone(child, b, child, m, page).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_clone(child, b, child, a, page).status, AMBER_ERR_BAD_STATE);
    CHECK_EQ(info(child, b), 0u); // nothing was mapped by the failures
    CHECK_EQ(owners(child, a), 2u);
    CHECK(writable(child, a));

    using amber::sys::memory_unshare;
    CHECK_EQ(memory_unshare(child, a + 1).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_unshare(child, kernel_address).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(memory_unshare(child, b).status, AMBER_ERR_BAD_ADDRESS);      // absent
    CHECK_EQ(memory_unshare(child, m).status, AMBER_ERR_INVALID_ARGUMENT); // a mapping's page
    CHECK_EQ(memory_unshare(reader, a).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(memory_unshare(port, a).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::memory_page_info(child, kernel_address).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_page_info(child, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::memory_page_info(writer, a).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(info(reader, a + 5), AMBER_PAGE_PRESENT | read_write | (uint64_t{2} << AMBER_PAGE_OWNERS_SHIFT));
    CHECK_EQ(pager.clone(child, b, child, a + page, page), AMBER_ERR_INVALID_ARGUMENT); // not kept
    for (amber_handle_t h : {mapping, region, port}) {
        amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
    amber::sys::object_destroy(child);
    for (amber_handle_t h : {reader, writer, child}) amber::sys::handle_close(h);
}

AMBER_TEST(without_a_keeper_shared_pages_refuse_memory_write_until_unshared) {
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    CHECK_EQ(amber::sys::memory_allocate(child, a, 2 * page, read_write).status, AMBER_OK);
    uint64_t x = 0x1111, y = 0x2222, seen = 0;
    CHECK_EQ(amber::sys::memory_write(child, a, &x, 8).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_clone(child, b, child, a, 2 * page).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_write(child, b, &y, 8).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::memory_write(child, a, &y, 8).status, AMBER_ERR_ACCESS_DENIED);
    auto unshared = amber::sys::memory_unshare(child, b);
    CHECK_EQ(unshared.status, AMBER_OK);
    CHECK_EQ(unshared.value, AMBER_PAGE_PRESENT | read_write | (uint64_t{1} << AMBER_PAGE_OWNERS_SHIFT));
    CHECK_EQ(amber::sys::memory_unshare(child, b).value, unshared.value); // idempotent
    CHECK_EQ(amber::sys::memory_write(child, b, &y, 8).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_read(child, a, &seen, 8).status, AMBER_OK);
    CHECK_EQ(seen, 0x1111u);
    // a's page 0 is now private but read-only: memory_write writes a space's own pages anyway.
    CHECK_EQ(info(child, a), AMBER_PAGE_PRESENT | AMBER_PROT_READ | (uint64_t{1} << AMBER_PAGE_OWNERS_SHIFT));
    CHECK_EQ(amber::sys::memory_write(child, a, &y, 8).status, AMBER_OK);
    CHECK_EQ(owners(child, a + page), 2u);
    amber::sys::object_destroy(child);
    amber::sys::handle_close(child);
}

namespace {
constexpr uint64_t long_pages = 64; // four preemption points
alignas(4096) uint8_t contents[long_pages * 4096];
alignas(4096) uint8_t copy[long_pages * 4096];
} // namespace

AMBER_TEST(a_long_clone_crosses_preemption_points_and_shares_every_page) {
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    for (uint64_t i = 0; i < sizeof contents; ++i) contents[i] = static_cast<uint8_t>(i * 7 + i / 4096);
    CHECK_EQ(amber::sys::memory_allocate(child, a, sizeof contents, read_write).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_write(child, a, contents, sizeof contents).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_clone(child, b, child, a, sizeof contents).status, AMBER_OK);
    bool shared = true;
    for (uint64_t i = 0; i < long_pages; ++i) shared = shared && owners(child, b + i * page) == 2;
    CHECK(shared);
    CHECK_EQ(amber::sys::memory_read(child, b, copy, sizeof copy).status, AMBER_OK);
    CHECK(__builtin_memcmp(contents, copy, sizeof copy) == 0);
    amber_space_state state{};
    CHECK_EQ(get_state(child, state), AMBER_OK);
    CHECK_EQ(state.memory_pages, 2 * long_pages); // present pages, not frames
    amber::sys::object_destroy(child);
    amber::sys::handle_close(child);
}

namespace unresolvable {
constexpr uint64_t from = 0x57000000, to = 0x5f000000;
alignas(16) uint8_t stack[16384];
void write(void*) { *word(to, 0) = 1; } // the area is read-only: the pager cannot make it writable
} // namespace unresolvable

AMBER_TEST(a_write_the_pager_cannot_resolve_stops_the_faulting_thread) {
    using namespace unresolvable;
    CHECK(keep(self_space, from, 1, AMBER_PROT_READ));
    CHECK(keep(self_space, to, 1));
    CHECK_EQ(*word(from, 0), 0u); // a read-only zero page
    CHECK_EQ(pager.clone(self_space, to, self_space, from, page), AMBER_OK);
    uint64_t before = pager.unresolved;
    auto thread = static_cast<amber_handle_t>(amber::start_thread(write, nullptr, stack, sizeof stack));
    CHECK(wait_until([&] { return pager.unresolved == before + 1; }));
    amber_thread_state state{};
    CHECK(wait_until([&] { return get_state(thread, state) == AMBER_OK && (state.flags & AMBER_THREAD_WAITING); }));
    CHECK_EQ(state.flags, AMBER_THREAD_STOPPED | AMBER_THREAD_WAITING); // stopped by the pager
    CHECK_EQ(pager.last_fault.address, to);
    CHECK_EQ(info(self_space, to), AMBER_PAGE_PRESENT | AMBER_PROT_READ | (uint64_t{1} << AMBER_PAGE_OWNERS_SHIFT));
    CHECK_EQ(amber::sys::object_destroy(thread).status, AMBER_OK);
    amber::sys::handle_close(thread);
}
