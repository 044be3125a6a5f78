// Regression tests for issue 11 ("Kernel correctness"), part of the `security` suite: rights of
// handles derived from other handles. Each test failed before its fix.
#include "object_test_support.hpp"

using namespace object_tests;

namespace {

uint32_t rights_of(amber_handle_t h) {
    amber_handle_info info{};
    amber::sys::object_info(h, &info);
    return info.rights;
}

amber_handle_t weaker(amber_handle_t h, uint32_t rights) { return handle_of(amber::sys::handle_duplicate(h, rights)); }

} // namespace

// 1. thread_create and thread_start through a space handle with OPERATE only gave a thread handle
//    with every right: setting its registers runs any code in a space whose memory that handle may
//    not write. Now they need SET_STATE, and the thread handle has no more rights than the space's.
AMBER_TEST(thread_handles_never_have_more_rights_than_their_space_handle) {
    constexpr uint64_t x = 0x40000000;
    amber_handle_t other = handle_of(amber::sys::space_create(0));
    CHECK_EQ(amber::sys::memory_allocate(other, x, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE).status, AMBER_OK);
    amber_handle_t operate = weaker(other, AMBER_RIGHT_OPERATE);
    char byte = 'X';
    CHECK_EQ(amber::sys::memory_write(operate, x, &byte, 1).status, AMBER_ERR_ACCESS_DENIED);
    auto created = amber::sys::thread_create(operate, 0);
    if (created.ok())
        amber::print("  security: thread_create via OPERATE gave rights 0x%x\n", rights_of(created.value));
    CHECK_EQ(created.status, AMBER_ERR_ACCESS_DENIED);
    auto started = amber::sys::thread_start(operate, reinterpret_cast<void*>(x), x + 4096, nullptr);
    CHECK_EQ(started.status, AMBER_ERR_ACCESS_DENIED);
    constexpr uint32_t limited = AMBER_RIGHT_SET_STATE | AMBER_RIGHT_OPERATE;
    amber_handle_t writer = weaker(other, limited);
    amber_handle_t t = handle_of(amber::sys::thread_create(writer, 0));
    CHECK(t != 0);
    CHECK_EQ(rights_of(t), limited);
    CHECK_EQ(amber::sys::handle_duplicate(t, limited).status, AMBER_ERR_ACCESS_DENIED); // no DUPLICATE
    // space_get_threads: handles with the space handle's rights, not all of them.
    constexpr uint32_t inspector = AMBER_RIGHT_GET_STATE | AMBER_RIGHT_SET_STATE;
    amber_handle_t listing = weaker(other, inspector);
    amber_handle_t found[4] = {};
    auto listed = amber::sys::space_get_threads(listing, found, 4ull);
    CHECK_EQ(listed.status, AMBER_OK);
    CHECK_EQ(listed.value, 1u);
    CHECK_EQ(rights_of(found[0]), inspector);
    CHECK_EQ(amber::sys::object_destroy(found[0]).status, AMBER_ERR_ACCESS_DENIED);
    for (amber_handle_t h : {found[0], t, writer, listing, operate}) amber::sys::handle_close(h);
    amber::sys::object_destroy(other);
    amber::sys::handle_close(other);
}

// 2. region_create needs SET_STATE on the space only for a writable region, but gave the region
//    every right: raising its max protection with set_state then mapped the space's memory writable.
AMBER_TEST(a_region_gives_no_more_rights_than_its_space_handle) {
    constexpr uint64_t x = 0x40000000, y = 0x50000000;
    amber_handle_t other = handle_of(amber::sys::space_create(0));
    CHECK_EQ(amber::sys::memory_allocate(other, x, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE).status, AMBER_OK);
    constexpr uint32_t reader = AMBER_RIGHT_OPERATE | AMBER_RIGHT_GET_STATE;
    amber_handle_t weak = weaker(other, reader);
    amber_region_state rs{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, x, 4096, AMBER_PROT_READ, 0};
    amber_handle_t region = handle_of(amber::sys::region_create(weak, &rs));
    CHECK(region != 0);
    CHECK_EQ(rights_of(region), reader);
    rs.max_protection = AMBER_PROT_READ | AMBER_PROT_WRITE;
    CHECK_EQ(set_state(region, rs), AMBER_ERR_ACCESS_DENIED);
    amber_mapping_state ms{
        {AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, y, 4096, 0, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    auto mapped = amber::sys::mapping_create(self_space, region, &ms);
    CHECK_EQ(mapped.status, AMBER_ERR_ACCESS_DENIED);
    if (mapped.ok()) amber::sys::handle_close(static_cast<amber_handle_t>(mapped.value));
    for (amber_handle_t h : {region, weak}) amber::sys::handle_close(h);
    amber::sys::object_destroy(other);
    amber::sys::handle_close(other);
}
