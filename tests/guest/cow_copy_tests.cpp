// Copy-on-write faults met by the kernel (memory_write into another space's or one's own shared
// page, an IPC transfer into a shared receive buffer) reach the keeper like user writes, with
// AMBER_FAULT_PRESENT | AMBER_FAULT_WRITE and no AMBER_FAULT_USER; the call continues afterwards. A
// thread waiting on a copy-on-write fault is exported and resumed, with its pager stopped too.
#include "cow_test_support.hpp"

using namespace object_tests;
using namespace ipc_tests;
using namespace cow_tests;

namespace {

constexpr uint64_t kernel_write = AMBER_FAULT_PRESENT | AMBER_FAULT_WRITE;
alignas(4096) uint8_t data[4 * 4096];
alignas(4096) uint8_t back[4 * 4096];

void make_data(uint8_t seed) {
    for (uint64_t i = 0; i < sizeof data; ++i) data[i] = static_cast<uint8_t>(i * 31 + seed);
}

} // namespace

AMBER_TEST(memory_write_into_a_shared_page_of_another_space_goes_to_the_keeper) {
    constexpr uint64_t from = 0x53000000, to = 0x5b000000;
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    CHECK(keep(self_space, from, 4));
    CHECK(keep(child, to, 4));
    fill(from, 4, 300);
    CHECK_EQ(pager.clone(child, to, self_space, from, 4 * page), AMBER_OK);
    uint64_t faults = pager.faults;
    make_data(1);
    // Pages 0, 1 and 2 of the clone are shared read-only: three keeper calls, one memory_write.
    CHECK_EQ(amber::sys::memory_write(child, to + page / 2, data, 2 * page).status, AMBER_OK);
    CHECK(pager.faults >= faults + 3);
    CHECK_COPY_FAULT_CODE(pager.last_fault.error_code, kernel_write);
    CHECK_EQ(amber::sys::memory_read(child, to, back, sizeof back).status, AMBER_OK);
    CHECK(__builtin_memcmp(back + page / 2, data, 2 * page) == 0);
    CHECK_EQ(*reinterpret_cast<uint64_t*>(back), pattern(300, 0, 0)); // the copy kept the first half
    CHECK_EQ(*reinterpret_cast<uint64_t*>(back + 3 * page), pattern(300, 3, 0));
    CHECK(holds(from, 0, 300) && holds(from, 1, 300) && holds(from, 2, 300)); // the source is untouched
    CHECK_EQ(owners(self_space, from), 1u);
    CHECK_EQ(owners(self_space, from + 3 * page), 2u); // page 3 still shared with the child
    amber::sys::object_destroy(child); // its page-table entries let go of the frames, in slices after the call
    CHECK_EQ(reclaimed_stats().reclaim_pending, 0u);
    CHECK_EQ(owners(self_space, from + 3 * page), 1u);
    CHECK_EQ(pager.forget(child, to), AMBER_OK);
    amber::sys::handle_close(child);
}

AMBER_TEST(memory_write_into_a_shared_page_of_ones_own_space_goes_to_the_keeper) {
    constexpr uint64_t from = 0x54000000, to = 0x5c000000;
    CHECK(keep(self_space, from, 1));
    CHECK(keep(self_space, to, 1));
    fill(from, 1, 400);
    CHECK_EQ(pager.clone(self_space, to, self_space, from, page), AMBER_OK);
    uint64_t faults = pager.faults;
    make_data(2);
    CHECK_EQ(amber::sys::memory_write(self_space, from + 8, data, 64).status, AMBER_OK);
    CHECK(pager.faults >= faults + 1);
    CHECK_EQ(pager.last_fault.address, from + 8);
    CHECK(__builtin_memcmp(reinterpret_cast<const void*>(from + 8), data, 64) == 0);
    CHECK(holds(to, 0, 400)); // the clone keeps the old page
}

namespace transfer {
constexpr uint64_t from = 0x55000000, to = 0x5d000000;
Endpoint mailbox;
volatile bool done;
volatile amber_status status;
amber_ipc_message received;
alignas(16) uint8_t stack[16384];
void receive(void*) {
    received = message({buffer(reinterpret_cast<void*>(to + page / 4), 2 * page)});
    status = amber::sys::ipc_wait_receive(mailbox.set, &received).status;
    done = true;
}
} // namespace transfer

AMBER_TEST(an_ipc_transfer_into_a_shared_receive_buffer_goes_to_the_keeper) {
    CHECK(keep(self_space, transfer::from, 3));
    CHECK(keep(self_space, transfer::to, 3));
    fill(transfer::from, 3, 600);
    CHECK_EQ(pager.clone(self_space, transfer::to, self_space, transfer::from, 3 * page), AMBER_OK);
    transfer::mailbox = endpoint(0x77);
    amber::start_thread(transfer::receive, nullptr, transfer::stack, sizeof transfer::stack);
    CHECK(wait_until([] {
        amber_port_set_state state{};
        return get_state(transfer::mailbox.set, state) == AMBER_OK && state.waiter_count == 1;
    }));
    uint64_t faults = pager.faults;
    make_data(3);
    amber_ipc_message m = message({buffer(data, 2 * page)});
    CHECK_EQ(amber::sys::ipc_send(transfer::mailbox.port, &m).status, AMBER_OK);
    CHECK(wait_until([] { return transfer::done; }));
    CHECK_EQ(transfer::status, AMBER_OK);
    CHECK_EQ(transfer::received.transferred, 2 * page);
    CHECK(pager.faults >= faults + 3); // the three pages the buffer touches
    CHECK_COPY_FAULT_CODE(pager.last_fault.error_code, kernel_write);
    CHECK(__builtin_memcmp(reinterpret_cast<const void*>(transfer::to + page / 4), data, 2 * page) == 0);
    CHECK(holds(transfer::from, 0, 600) && holds(transfer::from, 1, 600) && holds(transfer::from, 2, 600));
    CHECK_EQ(*word(transfer::to, 0), pattern(600, 0, 0)); // before the buffer: the old contents
}

namespace exported {
constexpr uint64_t from = 0x56000000, to = 0x5e800000;
volatile bool touched;
alignas(16) uint8_t stack[16384];
void touch(void*) {
    *word(to, 0, 8) = 0x70c4; // faults: the page is shared read-only
    touched = *word(to, 0, 8) == 0x70c4;
}
} // namespace exported

AMBER_TEST(a_thread_waiting_on_a_copy_on_write_fault_is_exported_and_retries) {
    using namespace exported;
    CHECK(keep(self_space, from, 1));
    CHECK(keep(self_space, to, 1));
    fill(from, 1, 700);
    CHECK_EQ(pager.clone(self_space, to, self_space, from, page), AMBER_OK);
    amber_thread_state pager_state{};
    CHECK_EQ(get_state(pager.thread(), pager_state), AMBER_OK); // the pager stops: nobody serves
    auto thread = static_cast<amber_handle_t>(amber::start_thread(touch, nullptr, stack, sizeof stack));
    amber_thread_state state{};
    CHECK(wait_until([&] { // until it waits for its keeper (each look stops it; resume it if not yet)
        if (get_state(thread, state) != AMBER_OK) return false;
        if ((state.flags & AMBER_THREAD_WAITING) != 0) return true;
        state.flags = 0;
        set_state(thread, state);
        return false;
    }));
    CHECK_EQ(state.flags, AMBER_THREAD_STOPPED | AMBER_THREAD_WAITING);
    const auto* instruction = reinterpret_cast<const uint8_t*>(state.registers.rip);
    CHECK(!(instruction[0] == 0x0f && instruction[1] == 0x05)); // at the faulting write, not a syscall
    amber_handle_t waited = handle_of(amber::sys::reference_create(0));
    amber_handle_t refs[2] = {0, waited};
    CHECK_EQ(amber::sys::thread_get_references(thread, refs, 2).status, AMBER_OK);
    amber_reference_state reference{};
    CHECK_EQ(get_state(waited, reference), AMBER_OK);
    CHECK_EQ(reference.target_type, static_cast<uint32_t>(AMBER_OBJECT_PORT)); // calling its keeper
    state.flags = 0;
    CHECK_EQ(set_state(thread, state), AMBER_OK); // it faults and calls again
    CHECK(!touched);
    pager_state.flags = 0;
    CHECK_EQ(set_state(pager.thread(), pager_state), AMBER_OK); // the pager receives and answers
    CHECK(wait_until([] { return touched; }));
    CHECK(holds(from, 0, 700));
    CHECK_EQ(*word(to, 0, 8), 0x70c4u);
    CHECK(wait_exited(thread));
    for (amber_handle_t h : {waited, thread}) amber::sys::handle_close(h);
}
