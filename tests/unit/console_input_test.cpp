// kernel/lib/byte_ring.hpp and the console input of kernel/core/machine.cpp: FIFO order across the
// wrap, peek-then-drop (nothing consumed until dropped), dropping and counting what does not fit,
// the one machine object, and what deliver_console_input() logs about dropped input.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdint.h>

#include <string>
#include <vector>

#include "../../kernel/core/entry_points.hpp"
#include "../../kernel/core/machine.hpp"
#include "../../kernel/lib/byte_ring.hpp"
#include "host_support.hpp"

namespace {

std::vector<uint8_t> bytes_from(uint8_t first, size_t count) {
    std::vector<uint8_t> bytes(count);
    for (size_t i = 0; i < count; ++i) bytes[i] = static_cast<uint8_t>(first + i);
    return bytes;
}

template <size_t N>
std::vector<uint8_t> peek_all(const lib::ByteRing<N>& ring) {
    std::vector<uint8_t> out(N);
    out.resize(ring.peek(out.data(), out.size()));
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(console_input)

BOOST_AUTO_TEST_CASE(ring_is_first_in_first_out_across_the_wrap) {
    lib::ByteRing<8> ring;
    BOOST_TEST(ring.empty());
    auto first = bytes_from(1, 6);
    BOOST_TEST(ring.push(first.data(), first.size()) == 6u);
    ring.drop(4);
    auto second = bytes_from(7, 6); // wraps around the end of the storage
    BOOST_TEST(ring.push(second.data(), second.size()) == 6u);
    BOOST_TEST(ring.size() == 8u);
    BOOST_TEST(peek_all(ring) == bytes_from(5, 8));
    BOOST_TEST(ring.dropped() == 0u);
}

BOOST_AUTO_TEST_CASE(peek_consumes_nothing_and_drop_is_bounded) {
    lib::ByteRing<16> ring;
    auto data = bytes_from(10, 5);
    (void)ring.push(data.data(), data.size());
    uint8_t out[3];
    BOOST_TEST(ring.peek(out, 3) == 3u);
    BOOST_TEST(ring.peek(out, 3) == 3u);
    BOOST_TEST(out[0] == 10);
    BOOST_TEST(ring.size() == 5u);
    ring.drop(2);
    BOOST_TEST(peek_all(ring) == bytes_from(12, 3));
    ring.drop(100);
    BOOST_TEST(ring.empty());
    BOOST_TEST(ring.peek(out, 3) == 0u);
}

BOOST_AUTO_TEST_CASE(a_full_ring_drops_and_counts_new_input) {
    lib::ByteRing<4> ring;
    auto data = bytes_from(0, 6);
    BOOST_TEST(ring.push(data.data(), data.size()) == 4u);
    BOOST_TEST(ring.dropped() == 2u);
    BOOST_TEST(ring.push(data.data(), 1) == 0u);
    BOOST_TEST(ring.dropped() == 3u);
    BOOST_TEST(peek_all(ring) == bytes_from(0, 4)); // the oldest input is kept
}

BOOST_AUTO_TEST_CASE(console_input_buffers_and_logs_what_it_drops) {
    host_test::use_kernel_heap();
    kernel::Machine* machine = kernel::create_machine(); // kept by the kernel for good
    BOOST_REQUIRE(machine != nullptr);
    BOOST_TEST(kernel::create_machine() == machine);
    BOOST_TEST(kernel::machine() == machine);
    BOOST_TEST(static_cast<int>(machine->type()) == AMBER_OBJECT_MACHINE);

    kernel::ConsoleInput& input = kernel::console_input();
    input.drop(input.size());
    uint64_t dropped_before = input.dropped();
    host_test::take_console_output();
    auto hello = bytes_from('a', 5);
    kernel::receive_console_input(hello.data(), hello.size());
    BOOST_TEST(input.size() == 5u);
    kernel::deliver_console_input(); // no reader waits: nothing to wake, nothing dropped
    BOOST_TEST(host_test::take_console_output().empty());

    auto flood = bytes_from(0, kernel::console_input_capacity);
    kernel::receive_console_input(flood.data(), flood.size());
    BOOST_TEST(input.size() == kernel::console_input_capacity);
    BOOST_TEST(input.dropped() - dropped_before == 5u);
    kernel::deliver_console_input();
    BOOST_TEST(host_test::take_console_output().find("bytes dropped") != std::string::npos);
    kernel::deliver_console_input(); // nothing new arrived
    BOOST_TEST(host_test::take_console_output().empty());
    input.drop(input.size());
}

BOOST_AUTO_TEST_SUITE_END()
