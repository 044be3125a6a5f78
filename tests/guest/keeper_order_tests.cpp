// Guest tests of which keeper a fault goes to when regions of a space overlap (issue 11, item 9):
// the smallest covering region with a keeper, of two the same size the one with the lower base.
// The order the regions were made in must not matter (it is not exported), and a space offers a
// range as one region only.
#include "ipc_test_support.hpp"

using namespace object_tests;
using namespace ipc_tests;

namespace {

constexpr uint64_t window_base = 0x78000000, page = 4096, window_pages = 8;
constexpr uint32_t read_write = AMBER_PROT_READ | AMBER_PROT_WRITE;
constexpr size_t stack_size = 16384;
alignas(16) uint8_t keeper_stack[stack_size];

amber_handle_t keeper_set, ports[4]; // badges 0xa, 0xb, 0xc, 0xd
volatile uint64_t last_badge;
uint64_t next_window;

// Notes the badge of the port each fault came through, provides the page and replies.
void keeper(void*) {
    amber_fault_message report{};
    amber_ipc_message in = message({buffer(&report, sizeof report)});
    amber_ipc_message out = message({});
    auto r = amber::sys::ipc_wait_receive(keeper_set, &in);
    while (r.ok()) {
        last_badge = in.badge;
        amber::sys::memory_allocate(self_space, report.address & ~(page - 1), page, read_write);
        in = message({buffer(&report, sizeof report)});
        r = amber::sys::ipc_reply_wait_receive(&out, keeper_set, &in);
    }
}

void start_keeper() {
    if (keeper_set != 0) return;
    keeper_set = handle_of(amber::sys::port_set_create(0));
    for (uint64_t i = 0; i < 4; ++i) {
        amber_port_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 0xa + i, 0};
        ports[i] = handle_of(amber::sys::port_create(&state));
        amber::sys::port_attach(ports[i], keeper_set);
    }
    amber::start_thread(keeper, nullptr, keeper_stack, stack_size);
}

// Pages [first, first + pages) of the window, kept by `port` (0: no keeper).
struct Kept {
    uint64_t first, pages;
    amber_handle_t port;
};

amber_handle_t region(uint64_t window, const Kept& kept) {
    amber_region_state state{
        {AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, window + kept.first * page, kept.pages * page, read_write, 0};
    amber_handle_t made = handle_of(amber::sys::region_create(self_space, &state));
    if (made != 0 && kept.port != 0) amber::sys::region_set_keeper(made, kept.port);
    return made;
}

// Makes the two regions in a fresh window, in this order, touches page `probe` of it, and returns the
// badge of the keeper that served the fault (0 if the regions could not be made). Then the regions
// and the page go.
uint64_t served_by(const Kept& first, const Kept& second, uint64_t probe) {
    uint64_t window = window_base + (next_window++ % 64) * window_pages * page;
    amber_handle_t made[2] = {region(window, first), region(window, second)};
    last_badge = 0;
    if (made[0] != 0 && made[1] != 0) *reinterpret_cast<volatile uint8_t*>(window + probe * page) = 1; // faults
    uint64_t badge = last_badge;
    for (amber_handle_t h : made) {
        amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
    amber::sys::memory_free(self_space, window + probe * page, page);
    return badge;
}

} // namespace

AMBER_TEST(a_fault_in_nested_regions_goes_to_the_smallest_whatever_their_order) {
    start_keeper();
    Kept big{0, 4, ports[0]}, small{1, 1, ports[1]};
    CHECK_EQ(served_by(big, small, 1), 0xbu);
    CHECK_EQ(served_by(small, big, 1), 0xbu);
    CHECK_EQ(served_by(big, small, 3), 0xau); // only the big one covers it
    CHECK_EQ(served_by(small, big, 3), 0xau);
}

AMBER_TEST(of_two_overlapping_regions_the_same_size_the_lower_one_takes_the_fault) {
    start_keeper();
    Kept low{1, 2, ports[2]}, high{2, 2, ports[3]};
    CHECK_EQ(served_by(low, high, 2), 0xcu);
    CHECK_EQ(served_by(high, low, 2), 0xcu);
    CHECK_EQ(served_by(low, high, 3), 0xdu);
    CHECK_EQ(served_by(high, low, 3), 0xdu);
}

AMBER_TEST(a_region_without_a_keeper_leaves_the_fault_to_the_one_around_it) {
    start_keeper();
    Kept around{0, 4, ports[0]}, bare{1, 1, 0};
    CHECK_EQ(served_by(around, bare, 1), 0xau);
    CHECK_EQ(served_by(bare, around, 1), 0xau);
}

AMBER_TEST(a_space_offers_a_range_as_one_region_only) {
    uint64_t window = window_base + 64 * window_pages * page;
    amber_handle_t first = region(window, {0, 2, 0});
    amber_region_state same{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, window, 2 * page, AMBER_PROT_READ, 0};
    CHECK(first != 0);
    CHECK_EQ(amber::sys::region_create(self_space, &same).status, AMBER_ERR_EXISTS);
    amber_handle_t longer = region(window, {0, 3, 0}); // another range from the same base
    amber_handle_t other = handle_of(amber::sys::space_create(0));
    amber_handle_t elsewhere = handle_of(amber::sys::region_create(other, &same)); // another space's range
    CHECK(longer != 0 && elsewhere != 0);
    CHECK_EQ(amber::sys::object_destroy(first).status, AMBER_OK);
    amber_handle_t again = handle_of(amber::sys::region_create(self_space, &same)); // the range is free again
    CHECK(again != 0);
    for (amber_handle_t h : {first, longer, elsewhere, again, other}) {
        amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
}
