// Guest tests of the calls loaders and checkpointers use: boot_archive_read, space_get_threads,
// space_get_children, the port set a port's state names, and object_get_references.
#include "object_test_support.hpp"

using namespace object_tests;

namespace {

alignas(4096) uint8_t archive_copy[96 * 1024];

void park(void*) {
    for (;;) amber::sys::thread_yield();
}

alignas(16) uint8_t park_stack[1][4096];

} // namespace

AMBER_TEST(boot_archive_read_copies_the_archive) {
    amber::SyscallReturn r = amber::sys::boot_archive_read(0ull, archive_copy, sizeof archive_copy);
    CHECK_EQ(r.status, AMBER_OK);
    uint64_t size = r.value;
    CHECK(size >= 10 * 1024 && size % 512 == 0);
    CHECK(__builtin_memcmp(archive_copy + 257, "ustar", 5) == 0); // first header's magic
    // A read past 16 pages restarts at preemption points; the result is the same bytes.
    static uint8_t again[sizeof archive_copy];
    CHECK_EQ(amber::sys::boot_archive_read(0ull, again, sizeof again).status, AMBER_OK);
    CHECK(__builtin_memcmp(again, archive_copy, sizeof again) == 0);
    // Offsets and clipping at the end.
    uint8_t tail[1024];
    __builtin_memset(tail, 0x5a, sizeof tail);
    CHECK_EQ(amber::sys::boot_archive_read(size - 10, tail, sizeof tail).status, AMBER_OK);
    CHECK_EQ(tail[10], 0x5a); // nothing past the end was written
    CHECK_EQ(amber::sys::boot_archive_read(size, tail, sizeof tail).status, AMBER_OK);
    CHECK_EQ(amber::sys::boot_archive_read(size + 1, tail, sizeof tail).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::boot_archive_read(0ull, kernel_address, 100ull).status, AMBER_ERR_BAD_ADDRESS);
}

AMBER_TEST(space_get_threads_hands_out_every_live_thread) {
    CHECK(amber::start_thread(park, nullptr, park_stack[0], sizeof park_stack[0]) != 0);
    amber_handle_t handles[8] = {};
    amber::SyscallReturn r = amber::sys::space_get_threads(self_space, handles, 8ull);
    CHECK_EQ(r.status, AMBER_OK);
    CHECK(r.value >= 2); // the main thread and the parked one
    uint64_t self = amber::sys::thread_self().value;
    bool found_self = false;
    for (uint64_t i = 0; i < r.value && i < 8; ++i) {
        amber_handle_info info{};
        CHECK_EQ(amber::sys::object_info(handles[i], &info).status, AMBER_OK);
        CHECK_EQ(info.type, AMBER_OBJECT_THREAD);
        CHECK_EQ(info.rights, AMBER_RIGHTS_ALL);
        if (info.id == self) found_self = true;
        amber::sys::handle_close(handles[i]);
    }
    CHECK(found_self);
    // Bad arguments change nothing.
    amber_space_state before{};
    CHECK_EQ(get_state(self_space, before), AMBER_OK);
    CHECK_EQ(amber::sys::space_get_threads(self_space, kernel_address, 8ull).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::space_get_threads(self_space, handles, 65ull).status, AMBER_ERR_INVALID_ARGUMENT);
    amber_handle_t weak = handle_of(amber::sys::handle_duplicate(self_space, AMBER_RIGHT_GET_STATE));
    CHECK_EQ(amber::sys::space_get_threads(weak, handles, 8ull).status, AMBER_ERR_ACCESS_DENIED);
    amber::sys::handle_close(weak);
    amber_space_state after{};
    CHECK_EQ(get_state(self_space, after), AMBER_OK);
    CHECK_EQ(after.handle_count, before.handle_count);
    // Counting only.
    CHECK_EQ(amber::sys::space_get_threads(self_space, handles, 0ull).value, r.value);
}

AMBER_TEST(port_state_names_its_port_set) {
    amber_port_state initial{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 7, 0};
    amber_handle_t port = handle_of(amber::sys::port_create(&initial));
    amber_handle_t set = handle_of(amber::sys::port_set_create(0x5e7ull));
    amber_port_state state{};
    CHECK_EQ(get_state(port, state), AMBER_OK);
    CHECK_EQ(state.port_set_id, 0u);
    CHECK_EQ(amber::sys::port_attach(port, set).status, AMBER_OK);
    CHECK_EQ(get_state(port, state), AMBER_OK);
    CHECK_EQ(state.port_set_id, 0x5e7ull);
    state.port_set_id = 99; // read-only: ignored
    CHECK_EQ(set_state(port, state), AMBER_OK);
    CHECK_EQ(get_state(port, state), AMBER_OK);
    CHECK_EQ(state.port_set_id, 0x5e7ull);
    CHECK_EQ(amber::sys::port_attach(port, 0u).status, AMBER_OK);
    CHECK_EQ(get_state(port, state), AMBER_OK);
    CHECK_EQ(state.port_set_id, 0u);
    amber::sys::handle_close(port);
    amber::sys::handle_close(set);
}

namespace {

// True if reference `r` points at the object `handle` names.
bool points_at(amber_handle_t r, amber_handle_t handle) {
    amber_handle_t expected = handle_of(amber::sys::reference_create(0));
    bool same =
        amber::sys::reference_set(expected, handle).ok() && amber::sys::reference_compare(r, expected).value == 1;
    amber::sys::handle_close(expected);
    return same;
}

bool points_at_nothing(amber_handle_t r) {
    amber_reference_state state{};
    return get_state(r, state) == AMBER_OK && state.target_type == AMBER_OBJECT_NONE;
}

} // namespace

// Issue 11, item 9: a region's space and keeper, a mapping's space and region, a space's parent,
// a port's set and a reference's target can be read from user space.
AMBER_TEST(object_get_references_names_what_an_object_refers_to) {
    amber_handle_t refs[2] = {handle_of(amber::sys::reference_create(0)), handle_of(amber::sys::reference_create(0))};
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    amber_region_state region_state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, 0x10000000, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    amber_handle_t region = handle_of(amber::sys::region_create(child, &region_state));
    amber_port_state port_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 1, 0};
    amber_handle_t keeper = handle_of(amber::sys::port_create(&port_state));
    amber_handle_t set = handle_of(amber::sys::port_set_create(0));
    amber_handle_t user = handle_of(amber::sys::space_create(0));
    amber_mapping_state mapping_state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, 0x20000000, 4096, 0, AMBER_PROT_READ, 0};
    amber_handle_t mapping = handle_of(amber::sys::mapping_create(user, region, &mapping_state));
    CHECK(refs[0] && refs[1] && child && region && keeper && set && user && mapping);
    CHECK_EQ(amber::sys::object_get_references(region, refs, 2).status, AMBER_OK);
    CHECK(points_at(refs[AMBER_REGION_REF_SPACE], child));
    CHECK(points_at_nothing(refs[AMBER_REGION_REF_KEEPER])); // no keeper yet
    CHECK_EQ(amber::sys::region_set_keeper(region, keeper).status, AMBER_OK);
    CHECK_EQ(amber::sys::object_get_references(region, refs, 2).status, AMBER_OK);
    CHECK(points_at(refs[AMBER_REGION_REF_KEEPER], keeper));
    CHECK_EQ(amber::sys::object_get_references(mapping, refs, 2).status, AMBER_OK);
    CHECK(points_at(refs[AMBER_MAPPING_REF_SPACE], user));
    CHECK(points_at(refs[AMBER_MAPPING_REF_REGION], region));
    CHECK_EQ(amber::sys::object_get_references(child, refs, 1).status, AMBER_OK);
    CHECK(points_at(refs[AMBER_SPACE_REF_PARENT], self_space)); // it ends with us
    CHECK_EQ(amber::sys::port_attach(keeper, set).status, AMBER_OK);
    CHECK_EQ(amber::sys::object_get_references(keeper, refs, 1).status, AMBER_OK);
    CHECK(points_at(refs[AMBER_PORT_REF_PORT_SET], set));
    CHECK_EQ(amber::sys::object_get_references(refs[1], refs, 1).status, AMBER_OK); // refs[1] -> the region
    CHECK(points_at(refs[AMBER_REFERENCE_REF_TARGET], region));
    CHECK_EQ(amber::sys::object_get_references(set, refs, 1).status, AMBER_OK); // refers to nothing
    CHECK(points_at_nothing(refs[0]));
    // Arguments: the object needs GET_STATE, the references SET_STATE; bad counts and buffers.
    amber_handle_t blind = handle_of(amber::sys::handle_duplicate(region, AMBER_RIGHT_OPERATE));
    CHECK_EQ(amber::sys::object_get_references(blind, refs, 1).status, AMBER_ERR_ACCESS_DENIED);
    amber_handle_t read_only = handle_of(amber::sys::handle_duplicate(refs[0], AMBER_RIGHT_GET_STATE));
    CHECK_EQ(amber::sys::object_get_references(region, &read_only, 1).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::object_get_references(region, refs, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::object_get_references(region, refs, AMBER_OBJECT_REF_MAX + 1).status,
             AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::object_get_references(region, reinterpret_cast<amber_handle_t*>(kernel_address), 1).status,
             AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::object_get_references(0x7fff, refs, 1).status, AMBER_ERR_BAD_HANDLE);
    for (amber_handle_t h : {blind, read_only, mapping, region, keeper, set, refs[0], refs[1]})
        amber::sys::handle_close(h);
    for (amber_handle_t h : {user, child}) {
        amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
}

// Issue 11, item 9: a child whose handles are all closed lives on while its threads do; its parent
// finds it again with space_get_children.
AMBER_TEST(space_get_children_finds_children_no_handle_names) {
    amber_handle_t handles[64] = {};
    uint64_t already = amber::sys::space_get_children(self_space, handles, 0ull, 0ull).value;
    uint64_t ids[2] = {};
    for (uint64_t& id : ids) {
        amber_handle_t child = handle_of(amber::sys::space_create(0));
        amber_handle_t thread = handle_of(amber::sys::thread_create(child, 0)); // keeps it alive, stopped
        CHECK(child && thread);
        id = id_of(child);
        amber::sys::handle_close(thread);
        amber::sys::handle_close(child);
    }
    amber::SyscallReturn r = amber::sys::space_get_children(self_space, handles, 2ull, 0ull);
    CHECK_EQ(r.status, AMBER_OK);
    CHECK_EQ(r.value, already + 2);
    CHECK_EQ(id_of(handles[0]), ids[1]); // newest first
    CHECK_EQ(id_of(handles[1]), ids[0]);
    amber_handle_info info{};
    CHECK_EQ(amber::sys::object_info(handles[0], &info).status, AMBER_OK);
    CHECK_EQ(info.type, AMBER_OBJECT_SPACE);
    CHECK_EQ(info.rights, AMBER_RIGHTS_ALL); // our own space handle's
    amber_handle_t second = 0;
    CHECK_EQ(amber::sys::space_get_children(self_space, &second, 1ull, 1ull).value, already + 2);
    CHECK_EQ(id_of(second), ids[0]);
    amber::sys::handle_close(second);
    // Bad arguments change nothing.
    amber_space_state before{};
    CHECK_EQ(get_state(self_space, before), AMBER_OK);
    CHECK_EQ(amber::sys::space_get_children(self_space, kernel_address, 2ull, 0ull).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::space_get_children(self_space, handles, 65ull, 0ull).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::space_get_children(self_space, handles, 1ull, 257ull).status, AMBER_ERR_INVALID_ARGUMENT);
    amber_handle_t weak = handle_of(amber::sys::handle_duplicate(self_space, AMBER_RIGHT_GET_STATE));
    CHECK_EQ(amber::sys::space_get_children(weak, handles, 2ull, 0ull).status, AMBER_ERR_ACCESS_DENIED);
    amber::sys::handle_close(weak);
    amber_space_state after{};
    CHECK_EQ(get_state(self_space, after), AMBER_OK);
    CHECK_EQ(after.handle_count, before.handle_count);
    for (int i = 0; i < 2; ++i) {
        CHECK_EQ(amber::sys::object_destroy(handles[i]).status, AMBER_OK);
        amber::sys::handle_close(handles[i]);
    }
    CHECK_EQ(amber::sys::space_get_children(self_space, handles, 0ull, 0ull).value, already);
}

AMBER_TEST(a_space_has_at_most_256_children) {
    static amber_handle_t made[256];
    uint64_t already = amber::sys::space_get_children(self_space, made, 0ull, 0ull).value;
    CHECK(already < 256);
    uint64_t count = 0;
    while (already + count < 256) {
        made[count] = handle_of(amber::sys::space_create(0));
        CHECK(made[count] != 0);
        ++count;
    }
    CHECK_EQ(amber::sys::space_create(0).status, AMBER_ERR_LIMIT);
    CHECK_EQ(amber::sys::space_get_children(self_space, made + count, 0ull, 0ull).value, 256u);
    for (uint64_t i = 0; i < count; ++i) {
        amber::sys::object_destroy(made[i]);
        amber::sys::handle_close(made[i]);
    }
    amber_handle_t one = handle_of(amber::sys::space_create(0)); // room again
    CHECK(one != 0);
    amber::sys::object_destroy(one);
    amber::sys::handle_close(one);
}
