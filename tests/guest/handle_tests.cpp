// Guest tests of handles, ids, rights, destruction and the get/set_state round trip of every
// object type (threads are in thread_state_tests.cpp).
#include "object_test_support.hpp"

using namespace object_tests;

AMBER_TEST(boot_handles_name_the_own_space_and_first_thread) {
    amber_handle_info info{};
    CHECK_EQ(amber::sys::object_info(self_space, &info).status, AMBER_OK);
    CHECK_EQ(info.type, AMBER_OBJECT_SPACE);
    CHECK_EQ(info.rights, AMBER_RIGHTS_ALL);
    CHECK_EQ(amber::sys::object_info(AMBER_HANDLE_FIRST_THREAD, &info).status, AMBER_OK);
    CHECK_EQ(info.type, AMBER_OBJECT_THREAD);
    CHECK_EQ(info.id, amber::sys::thread_self().value);
}

AMBER_TEST(bad_handles_are_rejected) {
    amber_handle_info info{};
    CHECK_EQ(amber::sys::object_info(0u, &info).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(amber::sys::object_info(4095u, &info).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(amber::sys::object_info(0xffffffffu, &info).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(amber::sys::handle_close(777u).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(amber::sys::mutex_lock(self_space).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::object_info(self_space, kernel_address).status, AMBER_ERR_BAD_ADDRESS);
}

AMBER_TEST(ids_are_chosen_or_kept) {
    amber_handle_t a = handle_of(amber::sys::mutex_create(0));
    amber_handle_t b = handle_of(amber::sys::mutex_create(0));
    amber_handle_t c = handle_of(amber::sys::mutex_create(0x5eed000000000042ull));
    CHECK(a != 0 && b != 0 && c != 0);
    CHECK(id_of(a) != 0 && id_of(a) != id_of(b));
    CHECK_EQ(id_of(c), 0x5eed000000000042ull);
    amber_mutex_state state{};
    CHECK_EQ(get_state(c, state), AMBER_OK);
    CHECK_EQ(state.header.id, 0x5eed000000000042ull);
    for (amber_handle_t h : {a, b, c}) CHECK_EQ(amber::sys::handle_close(h).status, AMBER_OK);
    CHECK_EQ(amber::sys::handle_close(a).status, AMBER_ERR_BAD_HANDLE);
}

AMBER_TEST(rights_only_shrink_and_are_enforced) {
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    amber_handle_t weak = handle_of(amber::sys::handle_duplicate(mutex, AMBER_RIGHT_OPERATE));
    CHECK(weak != 0 && weak != mutex);
    CHECK_EQ(id_of(weak), id_of(mutex));
    amber_mutex_state state{};
    CHECK_EQ(get_state(weak, state), AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::object_destroy(weak).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::handle_duplicate(weak, AMBER_RIGHT_OPERATE).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::handle_duplicate(mutex, AMBER_RIGHTS_ALL | 0x100).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::mutex_lock(weak).status, AMBER_OK); // OPERATE is enough
    CHECK_EQ(amber::sys::mutex_unlock(weak).status, AMBER_OK);
    amber_handle_t read_only = handle_of(amber::sys::handle_duplicate(mutex, AMBER_RIGHT_GET_STATE));
    CHECK_EQ(amber::sys::mutex_lock(read_only).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(get_state(read_only, state), AMBER_OK);
    CHECK_EQ(set_state(read_only, state), AMBER_ERR_ACCESS_DENIED);
    for (amber_handle_t h : {mutex, weak, read_only}) amber::sys::handle_close(h);
}

AMBER_TEST(destroyed_objects_report_destroyed) {
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    amber_handle_t other = handle_of(amber::sys::handle_duplicate(mutex, AMBER_RIGHTS_ALL));
    CHECK_EQ(amber::sys::object_destroy(mutex).status, AMBER_OK);
    CHECK_EQ(amber::sys::mutex_lock(other).status, AMBER_ERR_DESTROYED);
    CHECK_EQ(amber::sys::object_destroy(other).status, AMBER_ERR_DESTROYED);
    amber_mutex_state state{};
    CHECK_EQ(get_state(other, state), AMBER_ERR_DESTROYED);
    amber_handle_info info{};
    CHECK_EQ(amber::sys::object_info(other, &info).status, AMBER_OK); // the handle itself is still there
    amber::sys::handle_close(mutex);
    amber::sys::handle_close(other);
}

AMBER_TEST(state_structs_are_checked) {
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    amber_mutex_state state{};
    CHECK_EQ(amber::sys::object_get_state(mutex, &state, sizeof state - 1).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::object_get_state(mutex, kernel_address, sizeof state).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(get_state(mutex, state), AMBER_OK);
    amber_mutex_state bad = state;
    bad.header.version = 99;
    CHECK_EQ(set_state(mutex, bad), AMBER_ERR_INVALID_ARGUMENT);
    bad = state;
    bad.header.type = AMBER_OBJECT_COND;
    CHECK_EQ(set_state(mutex, bad), AMBER_ERR_INVALID_ARGUMENT);
    bad = state;
    bad.locked = 1; // locked needs an owner
    CHECK_EQ(set_state(mutex, bad), AMBER_ERR_INVALID_ARGUMENT);
    amber_cond_state cond_state{};
    CHECK_EQ(amber::sys::object_set_state(mutex, &cond_state, sizeof cond_state).status, AMBER_ERR_INVALID_ARGUMENT);
    amber::sys::handle_close(mutex);
}

// get_state, set_state of the same state, get_state again: nothing changes.
template <typename State>
bool round_trips(amber_handle_t handle, uint32_t type) {
    State first{}, second{};
    if (get_state(handle, first) != AMBER_OK || first.header.type != type ||
        first.header.version != AMBER_STATE_VERSION) {
        return false;
    }
    if (set_state(handle, first) != AMBER_OK || get_state(handle, second) != AMBER_OK) return false;
    return __builtin_memcmp(&first, &second, sizeof first) == 0;
}

alignas(4096) uint8_t region_memory[4 * 4096];

AMBER_TEST(every_object_type_round_trips_its_state) {
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    amber_handle_t cond = handle_of(amber::sys::cond_create(0));
    amber_port_state port_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 0xba0b, 0};
    amber_handle_t port = handle_of(amber::sys::port_create(&port_state));
    amber_handle_t set = handle_of(amber::sys::port_set_create(0));
    amber_handle_t reference = handle_of(amber::sys::reference_create(0));
    amber_handle_t space = handle_of(amber::sys::space_create(0));
    amber_region_state region_state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0},
                                    reinterpret_cast<uint64_t>(region_memory),
                                    sizeof region_memory,
                                    AMBER_PROT_READ | AMBER_PROT_WRITE,
                                    0};
    amber_handle_t region = handle_of(amber::sys::region_create(self_space, &region_state));
    amber_mapping_state mapping_state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, 0x20000000, 2 * 4096, 4096, AMBER_PROT_READ, 0};
    amber_handle_t mapping = handle_of(amber::sys::mapping_create(space, region, &mapping_state));
    CHECK(mutex && cond && port && set && reference && space && region && mapping);
    CHECK_EQ(amber::sys::port_attach(port, set).status, AMBER_OK);
    CHECK_EQ(amber::sys::reference_set(reference, mutex).status, AMBER_OK);
    CHECK(round_trips<amber_mutex_state>(mutex, AMBER_OBJECT_MUTEX));
    CHECK(round_trips<amber_cond_state>(cond, AMBER_OBJECT_COND));
    CHECK(round_trips<amber_port_state>(port, AMBER_OBJECT_PORT));
    CHECK(round_trips<amber_port_set_state>(set, AMBER_OBJECT_PORT_SET));
    CHECK(round_trips<amber_reference_state>(reference, AMBER_OBJECT_REFERENCE));
    CHECK(round_trips<amber_space_state>(space, AMBER_OBJECT_SPACE));
    CHECK(round_trips<amber_region_state>(region, AMBER_OBJECT_REGION));
    CHECK(round_trips<amber_mapping_state>(mapping, AMBER_OBJECT_MAPPING));

    amber_port_state port_now{};
    CHECK_EQ(get_state(port, port_now), AMBER_OK);
    CHECK_EQ(port_now.badge, 0xba0bull);
    port_now.badge = 0xfeed;
    CHECK_EQ(set_state(port, port_now), AMBER_OK);
    CHECK_EQ(get_state(port, port_now), AMBER_OK);
    CHECK_EQ(port_now.badge, 0xfeedull);
    amber_port_set_state set_now{};
    CHECK_EQ(get_state(set, set_now), AMBER_OK);
    CHECK_EQ(set_now.port_count, 1u);
    amber_reference_state reference_now{};
    CHECK_EQ(get_state(reference, reference_now), AMBER_OK);
    CHECK_EQ(reference_now.target_id, id_of(mutex));
    CHECK_EQ(reference_now.target_type, AMBER_OBJECT_MUTEX);
    CHECK_EQ(reference_now.rights, AMBER_RIGHTS_ALL); // the rights of the handle it was set from
    amber_handle_t weak = handle_of(amber::sys::handle_duplicate(mutex, AMBER_RIGHT_GET_STATE | AMBER_RIGHT_DUPLICATE));
    CHECK_EQ(amber::sys::reference_set(reference, weak).status, AMBER_OK);
    CHECK_EQ(get_state(reference, reference_now), AMBER_OK);
    CHECK_EQ(reference_now.rights, AMBER_RIGHT_GET_STATE | AMBER_RIGHT_DUPLICATE);
    CHECK_EQ(set_state(reference, reference_now), AMBER_OK); // read-only: accepted, ignored
    amber::sys::handle_close(weak);
    amber_mapping_state mapping_now{};
    CHECK_EQ(get_state(mapping, mapping_now), AMBER_OK);
    mapping_now.protection = AMBER_PROT_READ | AMBER_PROT_EXECUTE; // beyond the region's maximum
    CHECK_EQ(set_state(mapping, mapping_now), AMBER_ERR_ACCESS_DENIED);
    for (amber_handle_t h : {mapping, region, space, reference, set, port, cond, mutex}) {
        CHECK_EQ(amber::sys::object_destroy(h).status, AMBER_OK);
        CHECK_EQ(amber::sys::handle_close(h).status, AMBER_OK);
    }
}

AMBER_TEST(references_copy_and_compare) {
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    amber_handle_t a = handle_of(amber::sys::reference_create(0));
    amber_handle_t b = handle_of(amber::sys::reference_create(0));
    CHECK_EQ(amber::sys::reference_get(a).status, AMBER_ERR_BAD_STATE); // null
    CHECK_EQ(amber::sys::reference_compare(a, b).value, 1u);            // both null
    CHECK_EQ(amber::sys::reference_set(a, mutex).status, AMBER_OK);
    CHECK_EQ(amber::sys::reference_compare(a, b).value, 0u);
    CHECK_EQ(amber::sys::reference_set(b, mutex).status, AMBER_OK);
    CHECK_EQ(amber::sys::reference_compare(a, b).value, 1u);
    amber_handle_t copy = handle_of(amber::sys::reference_get(a));
    CHECK(copy != 0 && copy != mutex);
    CHECK_EQ(id_of(copy), id_of(mutex));
    CHECK_EQ(amber::sys::reference_compare(a, mutex).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::object_destroy(mutex).status, AMBER_OK);
    CHECK_EQ(amber::sys::reference_get(a).status, AMBER_ERR_DESTROYED);
    for (amber_handle_t h : {mutex, a, b, copy}) amber::sys::handle_close(h);
}
