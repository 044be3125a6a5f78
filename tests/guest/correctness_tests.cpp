// Regression tests for issue 11 ("Kernel correctness"), part of the `security` suite: rights of
// handles derived from other handles, forged and orphaned mutex ownership, and a long call whose
// restart changed its result. Each test failed before its fix.
#include "object_test_support.hpp"

using namespace object_tests;

namespace {

constexpr size_t stack_size = 16384;
alignas(16) uint8_t stack_c[stack_size];
alignas(16) uint8_t stack_d[stack_size];

uint32_t rights_of(amber_handle_t h) {
    amber_handle_info info{};
    amber::sys::object_info(h, &info);
    return info.rights;
}

amber_handle_t weaker(amber_handle_t h, uint32_t rights) { return handle_of(amber::sys::handle_duplicate(h, rights)); }

amber_mutex_state mutex_state_of(amber_handle_t mutex) {
    amber_mutex_state state{};
    get_state(mutex, state);
    return state;
}

// Starts a thread created with thread_create(self, id): it runs entry(argument) on `stack`.
amber_handle_t run_with_id(uint64_t id, void (*entry)(uint64_t), uint64_t argument, uint8_t* stack) {
    amber_handle_t t = handle_of(amber::sys::thread_create(self_space, id));
    if (t == 0) return 0;
    amber_thread_state state{};
    if (get_state(t, state) != AMBER_OK) return 0;
    state.registers.rip = reinterpret_cast<uint64_t>(entry);
    state.registers.rsp = ((reinterpret_cast<uint64_t>(stack) + stack_size) & ~uint64_t{15}) - 8; // as if called
    state.registers.rdi = argument;
    state.flags = 0;
    return set_state(t, state) == AMBER_OK ? t : 0;
}

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

// 3. A mutex's owner was a thread id, and ids are the creator's choice: a thread created with the
//    owner's id and holding only OPERATE unlocked the mutex.
namespace forged {
amber_handle_t mutex;
volatile amber_status status = AMBER_ERR_BUSY;
[[noreturn]] void unlocker(uint64_t) {
    status = amber::sys::mutex_unlock(mutex).status;
    amber::sys::thread_exit();
    __builtin_unreachable();
}
} // namespace forged

AMBER_TEST(a_thread_with_the_owners_id_cannot_unlock_the_mutex) {
    amber_handle_t full = handle_of(amber::sys::mutex_create(0));
    forged::mutex = weaker(full, AMBER_RIGHT_OPERATE);
    CHECK_EQ(amber::sys::mutex_lock(full).status, AMBER_OK);
    uint64_t me = amber::sys::thread_self().value;
    amber_handle_t twin = run_with_id(me, forged::unlocker, 0, stack_c);
    CHECK(twin != 0);
    CHECK(wait_until([] { return forged::status != AMBER_ERR_BUSY; }));
    CHECK_EQ(forged::status, AMBER_ERR_BAD_STATE);
    amber_mutex_state state = mutex_state_of(full);
    CHECK_EQ(state.locked, 1u);
    CHECK_EQ(state.owner_thread, me);
    CHECK_EQ(amber::sys::mutex_unlock(full).status, AMBER_OK);
    CHECK(wait_exited(twin));
    for (amber_handle_t h : {twin, forged::mutex, full}) amber::sys::handle_close(h);
}

// 4. set_state names the owner by id: it must be a live thread the caller holds a handle to (the
//    restorer recreates the owner first), and that thread, not another with its id, then owns it.
namespace imported {
amber_handle_t mutex;
volatile bool go;
volatile amber_status status = AMBER_ERR_BUSY;
[[noreturn]] void owner(uint64_t) {
    while (!go) amber::sys::thread_yield();
    status = amber::sys::mutex_unlock(mutex).status;
    amber::sys::thread_exit();
    __builtin_unreachable();
}
} // namespace imported

AMBER_TEST(set_state_gives_a_mutex_to_a_thread_the_caller_names) {
    constexpr uint64_t id = 0x6d757478000011ull;
    imported::mutex = handle_of(amber::sys::mutex_create(0));
    amber_handle_t first = run_with_id(id, imported::owner, 0, stack_c);
    CHECK(first != 0);
    amber_mutex_state state = mutex_state_of(imported::mutex);
    state.locked = 1;
    state.owner_thread = id + 1; // no such thread
    CHECK_EQ(set_state(imported::mutex, state), AMBER_ERR_INVALID_ARGUMENT);
    state.owner_thread = id;
    CHECK_EQ(set_state(imported::mutex, state), AMBER_OK);
    CHECK_EQ(mutex_state_of(imported::mutex).owner_thread, id);
    CHECK_EQ(set_state(imported::mutex, state), AMBER_OK);                           // a round trip keeps the owner
    CHECK_EQ(amber::sys::mutex_unlock(imported::mutex).status, AMBER_ERR_BAD_STATE); // not ours
    imported::go = true;
    CHECK(wait_until([] { return imported::status != AMBER_ERR_BUSY; }));
    CHECK_EQ(imported::status, AMBER_OK);
    CHECK_EQ(mutex_state_of(imported::mutex).locked, 0u);
    CHECK(wait_exited(first));
    for (amber_handle_t h : {first, imported::mutex}) amber::sys::handle_close(h);
}

// 5. A mutex whose owner exits was locked for good. Now the owner's exit releases it and wakes a
//    waiter, which then owns it.
namespace orphan {
amber_handle_t mutex;
volatile bool locked, go, acquired;
volatile uint64_t owner_seen;
void holder(void*) {
    if (amber::sys::mutex_lock(mutex).ok()) locked = true;
    while (!go) amber::sys::thread_yield();
} // exits holding the mutex
void waiter(void*) {
    if (!amber::sys::mutex_lock(mutex).ok()) return;
    owner_seen = mutex_state_of(mutex).owner_thread;
    acquired = true;
    amber::sys::mutex_unlock(mutex);
}
} // namespace orphan

AMBER_TEST(a_mutex_is_released_when_its_owner_exits) {
    orphan::mutex = handle_of(amber::sys::mutex_create(0));
    auto h = static_cast<amber_handle_t>(amber::start_thread(orphan::holder, nullptr, stack_c, stack_size));
    CHECK(wait_until([] { return orphan::locked; }));
    auto w = static_cast<amber_handle_t>(amber::start_thread(orphan::waiter, nullptr, stack_d, stack_size));
    CHECK(wait_until([] { return mutex_state_of(orphan::mutex).waiter_count == 1; }));
    CHECK(!orphan::acquired);
    orphan::go = true;
    CHECK(wait_exited(h));
    CHECK(wait_until([] { return orphan::acquired; }));
    CHECK_EQ(orphan::owner_seen, id_of(w));
    CHECK(wait_exited(w));
    amber_mutex_state state = mutex_state_of(orphan::mutex);
    CHECK_EQ(state.locked, 0u);
    CHECK_EQ(state.owner_thread, 0u);
    if (state.locked != 0) { // locked for good: do not wait for it below
        amber::sys::object_destroy(orphan::mutex);
        for (amber_handle_t x : {h, w, orphan::mutex}) amber::sys::handle_close(x);
        return;
    }
    // Destroying the owner's thread object releases it too.
    CHECK_EQ(amber::sys::mutex_lock(orphan::mutex).status, AMBER_OK);
    orphan::locked = false;
    orphan::go = false;
    amber::sys::mutex_unlock(orphan::mutex);
    h = static_cast<amber_handle_t>(amber::start_thread(orphan::holder, nullptr, stack_c, stack_size));
    CHECK(wait_until([] { return orphan::locked; }));
    CHECK_EQ(amber::sys::object_destroy(h).status, AMBER_OK);
    CHECK_EQ(mutex_state_of(orphan::mutex).locked, 0u);
    CHECK_EQ(amber::sys::mutex_trylock(orphan::mutex).status, AMBER_OK);
    CHECK_EQ(amber::sys::mutex_unlock(orphan::mutex).status, AMBER_OK);
    for (amber_handle_t x : {h, w, orphan::mutex}) amber::sys::handle_close(x);
}

// 6. memory_allocate checked the area limit at every (re)start: a call that added the 64th area and
//    was then preempted restarted into ERR_LIMIT, though its rest only grows that area and the
//    uninterrupted call succeeds. The allocation is large enough to pass many preemption points.
AMBER_TEST(a_preempted_memory_allocate_at_the_area_limit_still_succeeds) {
    constexpr uint64_t base = 0x40000000, big = 0x80000000, big_size = 8ull << 20;
    amber_handle_t other = handle_of(amber::sys::space_create(0));
    // 63 areas that cannot merge (a page each, with gaps between).
    bool filled = true;
    for (uint64_t i = 0; i < 63; ++i) {
        filled = filled && amber::sys::memory_allocate(other, base + i * 0x2000, 4096, AMBER_PROT_READ).ok();
    }
    CHECK(filled);
    bool preempted = false;
    for (int attempt = 0; attempt < 20 && !preempted; ++attempt) {
        uint64_t before = restarts_of(AMBER_SYS_memory_allocate);
        amber_status status = amber::sys::memory_allocate(other, big, big_size, AMBER_PROT_READ).status;
        preempted = restarts_of(AMBER_SYS_memory_allocate) != before;
        if (preempted || status != AMBER_OK)
            amber::print("  security: attempt %d: memory_allocate %d, restarted %d\n", attempt, status, preempted);
        CHECK_EQ(status, AMBER_OK);
        if (status != AMBER_OK) break;
        CHECK_EQ(amber::sys::memory_free(other, big, big_size).status, AMBER_OK);
    }
    CHECK(preempted); // else the test proved nothing
    // At the limit, a range that only grows an area is allowed; one that needs a new area is not.
    CHECK_EQ(amber::sys::memory_allocate(other, big, 4096, AMBER_PROT_READ).status, AMBER_OK); // the 64th
    CHECK_EQ(amber::sys::memory_allocate(other, big + 4096, 4096, AMBER_PROT_READ).status, AMBER_OK);
    CHECK_EQ(amber::sys::memory_allocate(other, big + 0x10000, 4096, AMBER_PROT_READ).status, AMBER_ERR_LIMIT);
    amber::sys::object_destroy(other);
    amber::sys::handle_close(other);
}

// 7. space_handle_export needs GET_STATE on the space, but gave whatever rights the handle had in
//    that space: through a read-only space handle, a handle with every right to the space itself
//    (or to its threads) came out. The exported rights are now within the space handle's too.
AMBER_TEST(space_handle_export_gives_no_more_rights_than_the_space_handle) {
    amber_handle_t other = handle_of(amber::sys::space_create(0));
    auto inside = amber::sys::space_handle_install(other, 0ull, other, AMBER_RIGHTS_ALL); // its own space
    CHECK(inside.ok());
    amber_handle_t reader = weaker(other, AMBER_RIGHT_GET_STATE);
    auto exported = amber::sys::space_handle_export(reader, inside.value, AMBER_RIGHTS_ALL);
    CHECK_EQ(exported.status, AMBER_ERR_ACCESS_DENIED);
    if (exported.ok()) amber::sys::handle_close(static_cast<amber_handle_t>(exported.value));
    amber_handle_t seen = handle_of(amber::sys::space_handle_export(reader, inside.value, AMBER_RIGHT_GET_STATE));
    CHECK(seen != 0);
    CHECK_EQ(rights_of(seen), AMBER_RIGHT_GET_STATE);
    for (amber_handle_t h : {seen, reader}) amber::sys::handle_close(h);
    amber::sys::object_destroy(other);
    amber::sys::handle_close(other);
}

// 8. reference_get needs GET_STATE on the reference, but gave the rights the reference was set
//    with: a read-only handle to a reference yielded a handle with every right to its target.
AMBER_TEST(reference_get_gives_no_more_rights_than_the_reference_handle) {
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    amber_handle_t reference = handle_of(amber::sys::reference_create(0));
    CHECK_EQ(amber::sys::reference_set(reference, mutex).status, AMBER_OK);
    amber_handle_t reader = weaker(reference, AMBER_RIGHT_GET_STATE);
    amber_handle_t got = handle_of(amber::sys::reference_get(reader));
    CHECK(got != 0);
    CHECK_EQ(rights_of(got), AMBER_RIGHT_GET_STATE);
    amber_handle_t full = handle_of(amber::sys::reference_get(reference));
    CHECK_EQ(rights_of(full), AMBER_RIGHTS_ALL); // the reference's own holder still gets them all
    for (amber_handle_t h : {full, got, reader, reference, mutex}) amber::sys::handle_close(h);
}

// Found by the fuzzer's leak check: a reference pointing at itself (or at another reference that
// points back) held its own last reference, so it was never freed. References to references are
// refused: a chain of them is the only cycle of references a space's destruction does not break.
AMBER_TEST(a_reference_cannot_point_at_a_reference) {
    amber_stats before{}, after{};
    CHECK_EQ(amber::sys::system_stats(&before, sizeof before).status, AMBER_OK);
    amber_handle_t a = handle_of(amber::sys::reference_create(0));
    amber_handle_t b = handle_of(amber::sys::reference_create(0));
    CHECK(a && b);
    CHECK_EQ(amber::sys::reference_set(a, a).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::reference_set(a, b).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::reference_set(b, a).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::reference_set(a, self_space).status, AMBER_OK); // any other object is fine
    amber_handle_t refs[1] = {b};
    CHECK_EQ(amber::sys::object_get_references(a, refs, 1).status, AMBER_OK); // b -> our space, not a
    CHECK_EQ(amber::sys::reference_compare(a, b).value, 1u);
    amber::sys::handle_close(a);
    amber::sys::handle_close(b);
    CHECK_EQ(amber::sys::system_stats(&after, sizeof after).status, AMBER_OK);
    CHECK_EQ(after.heap_blocks, before.heap_blocks); // both freed
}
