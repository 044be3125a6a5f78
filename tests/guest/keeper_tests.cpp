// Guest tests of faults to keepers: a region with a keeper port turns page faults into idempotent
// calls to that port, and a user-level demand-zero pager built on it maps pages on first touch.
#include "ipc_test_support.hpp"

using namespace object_tests;
using namespace ipc_tests;

namespace {

constexpr uint64_t lazy_base = 0x70000000;
constexpr uint64_t lazy_pages = 16;
constexpr uint64_t keeper_badge = 0xfa17;
constexpr size_t stack_size = 16384;
alignas(16) uint8_t pager_stack[stack_size];
alignas(16) uint8_t toucher_stack[stack_size];

Endpoint keeper;
volatile uint64_t faults_served;
volatile uint64_t last_fault;
volatile bool hold_replies;
volatile bool bad_badge;

// The demand-zero pager: for each fault, a zeroed read-write page, then a reply (the faulting
// thread retries its access).
void pager(void*) {
    amber_fault_message report{};
    amber_ipc_message in = message({buffer(&report, sizeof report)});
    amber_ipc_message out = message({});
    auto r = amber::sys::ipc_wait_receive(keeper.set, &in);
    while (r.ok()) {
        if (in.badge != keeper_badge || in.transferred != sizeof report) bad_badge = true;
        while (hold_replies) amber::sys::thread_yield();
        uint64_t page = report.address & ~uint64_t{4095};
        amber::sys::memory_allocate(self_space, page, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE);
        last_fault = report.address;
        faults_served = faults_served + 1;
        in = message({buffer(&report, sizeof report)});
        r = amber::sys::ipc_reply_wait_receive(&out, keeper.set, &in);
    }
}

volatile bool touched;
void touch_last_page(void*) {
    auto* p = reinterpret_cast<volatile uint64_t*>(lazy_base + (lazy_pages - 1) * 4096 + 8);
    *p = 0x7007; // faults; waits for the keeper
    touched = *p == 0x7007;
}

} // namespace

AMBER_TEST(faults_in_a_kept_region_are_served_by_a_user_pager) {
    keeper = endpoint(keeper_badge);
    amber_region_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0},
                             lazy_base,
                             lazy_pages * 4096,
                             AMBER_PROT_READ | AMBER_PROT_WRITE,
                             0};
    amber_handle_t region = handle_of(amber::sys::region_create(self_space, &state));
    CHECK(region != 0);
    CHECK_EQ(amber::sys::region_set_keeper(region, keeper.port).status, AMBER_OK);
    CHECK_EQ(amber::sys::region_set_keeper(region, keeper.set).status, AMBER_ERR_WRONG_TYPE);
    amber::start_thread(pager, nullptr, pager_stack, stack_size);
    for (uint64_t i = 0; i + 1 < lazy_pages; ++i) {
        auto* word = reinterpret_cast<volatile uint64_t*>(lazy_base + i * 4096 + 16);
        CHECK_EQ(*word, 0u); // demand-zero
        *word = 1000 + i;
    }
    bool kept = true;
    for (uint64_t i = 0; i + 1 < lazy_pages; ++i) {
        kept = kept && *reinterpret_cast<volatile uint64_t*>(lazy_base + i * 4096 + 16) == 1000 + i;
    }
    CHECK(kept);
    CHECK_FAULTS(faults_served, lazy_pages - 1); // one fault per page, then none
    CHECK(!bad_badge);
    amber_memory_range ranges[16];
    uint64_t n = amber::sys::space_enumerate_memory(self_space, lazy_base, ranges, 16).value;
    CHECK(n >= 1);
    CHECK_EQ(ranges[0].base, lazy_base); // the pager's pages, merged into one area
}

AMBER_TEST(a_thread_waiting_for_its_keeper_is_exported_and_retries_when_resumed) {
    hold_replies = true;
    touched = false;
    uint64_t before = faults_served;
    amber_handle_t thread =
        static_cast<amber_handle_t>(amber::start_thread(touch_last_page, nullptr, toucher_stack, stack_size));
    CHECK(wait_until([] { return last_fault != 0 && hold_replies; }));
    for (int i = 0; i < 20; ++i) amber::sys::thread_yield();
    amber_thread_state state{};
    // Stops it: it waited for its keeper (under export stress a replaced keeper breaks the link, and
    // the thread retries its access and faults again: stop_while_waiting catches it waiting).
    CHECK_EQ(stop_while_waiting(thread, state), AMBER_OK);
    CHECK_EQ(state.flags, AMBER_THREAD_STOPPED | AMBER_THREAD_WAITING);
    const auto* instruction = reinterpret_cast<const uint8_t*>(state.registers.rip);
    CHECK(!(instruction[0] == 0x0f && instruction[1] == 0x05)); // at the faulting access, not a syscall
    amber_handle_t waited = handle_of(amber::sys::reference_create(0));
    amber_handle_t expected = handle_of(amber::sys::reference_create(0));
    amber_handle_t refs[2] = {0, waited};
    CHECK_EQ(amber::sys::thread_get_references(thread, refs, 2).status, AMBER_OK);
    CHECK_EQ(amber::sys::reference_set(expected, keeper.port).status, AMBER_OK);
    CHECK_EQ(amber::sys::reference_compare(waited, expected).value, 1u); // it was calling its keeper
    state.flags = 0;
    CHECK_EQ(set_state(thread, state), AMBER_OK); // retries the access: faults and calls again
    hold_replies = false;
    CHECK(wait_until([] { return touched; }));
    CHECK(faults_served >= before + 1);
    CHECK(wait_exited(thread));
    for (amber_handle_t h : {waited, expected, thread}) amber::sys::handle_close(h);
}

namespace copies {

// A pager whose port badges name the space to map pages in (a badge is any 64-bit value the port's
// owner chooses: here, a handle).
Endpoint keeper;
volatile uint64_t served;
alignas(16) uint8_t stack[stack_size];

void pager(void*) {
    amber_fault_message report{};
    amber_ipc_message in = message({buffer(&report, sizeof report)});
    amber_ipc_message out = message({});
    auto r = amber::sys::ipc_wait_receive(keeper.set, &in);
    while (r.ok()) {
        auto space = static_cast<amber_handle_t>(in.badge);
        amber::sys::memory_allocate(space, report.address & ~uint64_t{4095}, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE);
        served = served + 1;
        in = message({buffer(&report, sizeof report)});
        r = amber::sys::ipc_reply_wait_receive(&out, keeper.set, &in);
    }
}

amber_handle_t kept_region(amber_handle_t space, uint64_t base, uint64_t pages, uint64_t badge) {
    amber_port_state port_state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, badge, 0};
    amber_handle_t port = handle_of(amber::sys::port_create(&port_state));
    amber::sys::port_attach(port, keeper.set);
    amber_region_state state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, base, pages * 4096, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    amber_handle_t region = handle_of(amber::sys::region_create(space, &state));
    amber::sys::region_set_keeper(region, port);
    return region;
}

// Starts the pager once, for every test that needs it.
void start_pager() {
    if (keeper.set != 0) return;
    keeper = endpoint(0);
    amber::start_thread(pager, nullptr, stack, stack_size);
}

constexpr uint64_t pages = 4;
alignas(4096) uint8_t data[pages * 4096];
alignas(4096) uint8_t back[pages * 4096];

} // namespace copies

AMBER_TEST(faults_inside_kernel_copies_go_to_the_keeper_and_the_call_continues) {
    copies::start_pager();
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    constexpr uint64_t base = 0x30000000;
    copies::kept_region(child, base, copies::pages, child);
    for (uint64_t i = 0; i < sizeof copies::data; ++i) copies::data[i] = static_cast<uint8_t>(i * 13 + 7);
    // Every page of the target is missing: the write waits for the keeper four times and goes on.
    CHECK_EQ(amber::sys::memory_write(child, base, copies::data, sizeof copies::data).status, AMBER_OK);
    CHECK_FAULTS(copies::served, copies::pages);
    CHECK_EQ(amber::sys::memory_read(child, base, copies::back, sizeof copies::back).status, AMBER_OK);
    CHECK(__builtin_memcmp(copies::data, copies::back, sizeof copies::data) == 0);
    amber::sys::object_destroy(child);
    amber::sys::handle_close(child);
}

namespace transfer {
constexpr uint64_t inbox_base = 0x38000000;
Endpoint mailbox;
volatile bool done;
volatile amber_status status;
amber_ipc_message received;
alignas(16) uint8_t stack[stack_size];
void receive(void*) {
    received = message({buffer(reinterpret_cast<void*>(inbox_base), copies::pages * 4096)});
    status = amber::sys::ipc_wait_receive(mailbox.set, &received).status;
    done = true;
}
} // namespace transfer

AMBER_TEST(an_ipc_transfer_into_unmapped_kept_memory_waits_for_the_keeper) {
    copies::start_pager(); // normally started by an earlier test
    transfer::mailbox = endpoint(77);
    copies::kept_region(self_space, transfer::inbox_base, copies::pages, self_space);
    amber::start_thread(transfer::receive, nullptr, transfer::stack, stack_size);
    CHECK(wait_until([] {
        amber_port_set_state state{};
        return get_state(transfer::mailbox.set, state) == AMBER_OK && state.waiter_count == 1;
    }));
    uint64_t before = copies::served;
    amber_ipc_message m = message({buffer(copies::data, sizeof copies::data)});
    CHECK_EQ(amber::sys::ipc_send(transfer::mailbox.port, &m).status, AMBER_OK);
    CHECK(wait_until([] { return transfer::done; }));
    CHECK_EQ(transfer::status, AMBER_OK);
    CHECK_EQ(transfer::received.transferred, sizeof copies::data);
    CHECK_EQ(transfer::received.badge, 77u);
    CHECK(__builtin_memcmp(reinterpret_cast<const void*>(transfer::inbox_base), copies::data, sizeof copies::data) ==
          0);
    CHECK_FAULTS(copies::served, before + copies::pages); // one keeper call per missing page, then the rest
}

AMBER_TEST(the_callers_own_buffer_in_kept_memory_goes_to_the_keeper_too) {
    copies::start_pager();
    constexpr uint64_t own_base = 0x3c000000, source_base = 0x3e000000;
    copies::kept_region(self_space, own_base, copies::pages, self_space);
    CHECK_EQ(
        amber::sys::memory_allocate(self_space, source_base, sizeof copies::data, AMBER_PROT_READ | AMBER_PROT_WRITE)
            .status,
        AMBER_OK);
    __builtin_memcpy(reinterpret_cast<void*>(source_base), copies::data, sizeof copies::data);
    // memory_read into missing pages of the caller's own kept region: each waits for the keeper.
    uint64_t before = copies::served;
    CHECK_EQ(amber::sys::memory_read(self_space, source_base, own_base, sizeof copies::data).status, AMBER_OK);
    CHECK_FAULTS(copies::served, before + copies::pages);
    CHECK(__builtin_memcmp(reinterpret_cast<const void*>(own_base), copies::data, sizeof copies::data) == 0);
    // memory_write from a missing page of the caller's kept region (read fault, demand-zero page).
    constexpr uint64_t own_source = own_base + copies::pages * 4096;
    copies::kept_region(self_space, own_source, 1, self_space);
    CHECK_EQ(amber::sys::memory_write(self_space, source_base, own_source, 4096ull).status, AMBER_OK);
    CHECK_FAULTS(copies::served, before + copies::pages + 1);
    CHECK_EQ(*reinterpret_cast<const volatile uint64_t*>(source_base), 0u); // zeros came from the new page
    // A buffer outside any kept region still gets BAD_ADDRESS.
    CHECK_EQ(amber::sys::memory_read(self_space, source_base, 0x7e000000ull, 64ull).status, AMBER_ERR_BAD_ADDRESS);
}

namespace busy {
// A keeper that is not receiving when the fault arrives: the faulting transfer waits in the keeper
// port's queue while it is still bound to its receiver.
Endpoint keeper, mailbox;
volatile bool keeper_may_receive, received_done, sent_done;
volatile uint64_t served;
volatile amber_status received_status, sent_status;
constexpr uint64_t inbox_base = 0x48000000;
amber_ipc_message received;
alignas(16) uint8_t keeper_stack[stack_size], receiver_stack[stack_size], sender_stack[stack_size];

void serve(void*) {
    while (!keeper_may_receive) amber::sys::thread_yield();
    amber_fault_message report{};
    amber_ipc_message in = message({buffer(&report, sizeof report)});
    amber_ipc_message out = message({});
    auto r = amber::sys::ipc_wait_receive(keeper.set, &in);
    while (r.ok()) {
        amber::sys::memory_allocate(self_space, report.address & ~uint64_t{4095}, 4096,
                                    AMBER_PROT_READ | AMBER_PROT_WRITE);
        served = served + 1;
        in = message({buffer(&report, sizeof report)});
        r = amber::sys::ipc_reply_wait_receive(&out, keeper.set, &in);
    }
}
void receive(void*) {
    received = message({buffer(reinterpret_cast<void*>(inbox_base), copies::pages * 4096)});
    received_status = amber::sys::ipc_wait_receive(mailbox.set, &received).status;
    received_done = true;
}
void send(void*) {
    amber_ipc_message m = message({buffer(copies::data, sizeof copies::data)});
    sent_status = amber::sys::ipc_send(mailbox.port, &m).status;
    sent_done = true;
}
} // namespace busy

// Regression (issue 11, item 1): the keeper's receive used to re-bind the faulting sender to the
// keeper, dropping its binding to the receiver, which then waited in no queue for good (and later
// followed a stale pointer to the sender).
AMBER_TEST(a_transfer_faulting_while_its_keeper_is_busy_still_completes) {
    busy::keeper = endpoint(0);
    busy::mailbox = endpoint(78);
    amber_handle_t keeper_port = busy::keeper.port;
    amber_region_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0},
                             busy::inbox_base,
                             copies::pages * 4096,
                             AMBER_PROT_READ | AMBER_PROT_WRITE,
                             0};
    amber_handle_t region = handle_of(amber::sys::region_create(self_space, &state));
    CHECK_EQ(amber::sys::region_set_keeper(region, keeper_port).status, AMBER_OK);
    for (uint64_t i = 0; i < sizeof copies::data; ++i) copies::data[i] = static_cast<uint8_t>(i * 29 + 3);
    amber::start_thread(busy::serve, nullptr, busy::keeper_stack, stack_size);
    amber::start_thread(busy::receive, nullptr, busy::receiver_stack, stack_size);
    CHECK(wait_until([] {
        amber_port_set_state set_state{};
        return get_state(busy::mailbox.set, set_state) == AMBER_OK && set_state.waiter_count == 1;
    }));
    auto sender = static_cast<amber_handle_t>(amber::start_thread(busy::send, nullptr, busy::sender_stack, stack_size));
    // The sender binds the receiver, faults on its first page and queues on the busy keeper's port.
    CHECK(wait_until([&] { return waits_on(sender, keeper_port); }));
    busy::keeper_may_receive = true;
    CHECK(wait_until([] { return busy::received_done && busy::sent_done; }));
    CHECK_EQ(busy::sent_status, AMBER_OK);
    CHECK_EQ(busy::received_status, AMBER_OK);
    CHECK_EQ(busy::received.transferred, sizeof copies::data);
    CHECK_EQ(busy::received.badge, 78u);
    CHECK(__builtin_memcmp(reinterpret_cast<const void*>(busy::inbox_base), copies::data, sizeof copies::data) == 0);
    CHECK_FAULTS(busy::served, copies::pages);
    CHECK(wait_exited(sender));
    amber::sys::handle_close(sender);
}

namespace through_mapping {
constexpr uint64_t region_base = 0x50000000, mapped_base = 0x20000000;
constexpr uint64_t region_pages = 4;
amber_handle_t map_region(amber_handle_t region, amber_handle_t into) {
    amber_mapping_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0},
                              mapped_base,
                              region_pages * 4096,
                              0,
                              AMBER_PROT_READ | AMBER_PROT_WRITE,
                              0};
    return handle_of(amber::sys::mapping_create(into, region, &state));
}
} // namespace through_mapping

// Regression (issue 11, item 8): a mapping showed only the pages its region had when it was made, and
// a fault in the mapping's space never reached the region's keeper.
AMBER_TEST(faults_through_a_mapping_fill_it_from_its_region_and_reach_the_regions_keeper) {
    using namespace through_mapping;
    copies::start_pager();
    amber_handle_t child = handle_of(amber::sys::space_create(0));
    // A region of our own memory with no keeper: a page it gains later is seen through the mapping.
    amber_region_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0},
                             region_base,
                             region_pages * 4096,
                             AMBER_PROT_READ | AMBER_PROT_WRITE,
                             0};
    amber_handle_t plain = handle_of(amber::sys::region_create(self_space, &state));
    amber_handle_t mapping = map_region(plain, child);
    CHECK(child && plain && mapping);
    uint8_t byte = 0;
    CHECK_EQ(amber::sys::memory_read(child, mapped_base, &byte, 1).status, AMBER_ERR_BAD_ADDRESS); // nothing there
    CHECK_EQ(amber::sys::memory_allocate(self_space, region_base, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE).status,
             AMBER_OK);
    *reinterpret_cast<volatile uint8_t*>(region_base + 5) = 0x5a;
    CHECK_EQ(amber::sys::memory_read(child, mapped_base + 5, &byte, 1).status, AMBER_OK);
    CHECK_EQ(byte, 0x5a);
    byte = 0xa5;
    CHECK_EQ(amber::sys::memory_write(child, mapped_base + 6, &byte, 1).status, AMBER_OK);
    CHECK_EQ(*reinterpret_cast<volatile uint8_t*>(region_base + 6), 0xa5); // the same frame
    for (amber_handle_t h : {mapping, plain}) {
        amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
    CHECK_EQ(amber::sys::memory_free(self_space, region_base, 4096).status, AMBER_OK);
    // A kept region: a fault through the mapping is the region's, reported at the region's address.
    amber_handle_t kept = copies::kept_region(self_space, region_base, region_pages, self_space);
    mapping = map_region(kept, child);
    CHECK(kept && mapping);
    uint64_t before = copies::served;
    uint8_t page[4096];
    CHECK_EQ(amber::sys::memory_read(child, mapped_base + 2 * 4096, page, sizeof page).status, AMBER_OK);
    CHECK_FAULTS(copies::served, before + 1);
    CHECK_EQ(page[0], 0u); // the pager's demand-zero page, in our space
    byte = 0x3c;
    CHECK_EQ(amber::sys::memory_write(child, mapped_base + 3 * 4096 + 1, &byte, 1).status, AMBER_OK);
    CHECK_FAULTS(copies::served, before + 2);
    CHECK_EQ(*reinterpret_cast<volatile uint8_t*>(region_base + 3 * 4096 + 1), 0x3c);
    amber::sys::object_destroy(child);
    for (amber_handle_t h : {mapping, kept, child}) amber::sys::handle_close(h);
}

// Regression (issue 11, item 8): the fixed-size copies of a call's own arguments (state structs, IPC
// descriptors) returned BAD_ADDRESS on a page a keeper provides, where every other copy called it.
AMBER_TEST(a_calls_own_state_structs_and_descriptors_in_kept_memory_go_to_the_keeper) {
    copies::start_pager();
    constexpr uint64_t base = 0x58000000;
    amber_handle_t kept = copies::kept_region(self_space, base, 4, self_space);
    CHECK(kept != 0);
    uint64_t before = copies::served;
    Endpoint e = endpoint(0xbeef);
    // object_get_state writing into a missing page: the page is served, the call goes on.
    auto* out = reinterpret_cast<amber_port_state*>(base + 64);
    CHECK_EQ(amber::sys::object_get_state(e.port, out, sizeof *out).status, AMBER_OK);
    CHECK_EQ(out->badge, 0xbeefu);
    CHECK_FAULTS(copies::served, before + 1);
    // A state struct read from a missing page (all zero there: refused by its contents, not its page).
    auto* in = reinterpret_cast<amber_port_state*>(base + 4096 + 8);
    CHECK_EQ(amber::sys::port_create(in).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_FAULTS(copies::served, before + 2);
    // An IPC descriptor on a missing page (a zeroed descriptor: an empty message).
    static volatile amber_status received = AMBER_ERR_BUSY;
    static amber_handle_t set;
    static uint8_t inbox[16];
    static amber_ipc_message receiving;
    set = e.set;
    receiving = message({buffer(inbox, sizeof inbox)});
    alignas(16) static uint8_t receiver_stack[stack_size];
    amber::start_thread([](void*) { received = amber::sys::ipc_wait_receive(set, &receiving).status; }, nullptr,
                        receiver_stack, stack_size);
    CHECK(wait_until([&] {
        amber_port_set_state state{};
        return get_state(e.set, state) == AMBER_OK && state.waiter_count == 1;
    }));
    auto* descriptor = reinterpret_cast<amber_ipc_message*>(base + 2 * 4096);
    CHECK_EQ(amber::sys::ipc_send(e.port, descriptor).status, AMBER_OK);
    CHECK_FAULTS(copies::served, before + 3); // the kernel's read of the descriptor was served
    CHECK(wait_until([] { return received != AMBER_ERR_BUSY; }));
    CHECK_EQ(received, AMBER_OK);
    CHECK_EQ(receiving.transferred, 0u); // the zeroed descriptor sends an empty message
    amber::sys::object_destroy(kept);
    amber::sys::handle_close(kept);
    amber::sys::handle_close(e.port);
    amber::sys::handle_close(e.set);
}

int main(int, char**) { return amber::test::run_all("keepers"); }
