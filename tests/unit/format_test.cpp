// kernel/lib/format.cpp: every conversion, flags, width, %s precision, length modifiers, extreme
// values, the returned length, unknown directives, and format_to's truncation and NUL termination.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdarg.h>
#include <stdint.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <string>

#include "../../kernel/lib/format.hpp"

namespace {

class StringSink final : public lib::FormatSink {
  public:
    void write(const char* bytes, size_t length) override { text.append(bytes, length); }
    std::string text;
};

// Formats through lib::vformat and checks that the returned count matches what was written.
// Deliberately without __attribute__((format)): %b and malformed directives are tested too.
std::string formatted(const char* format, ...) {
    StringSink sink;
    va_list args;
    va_start(args, format);
    size_t count = lib::vformat(sink, format, args);
    va_end(args);
    BOOST_TEST_INFO("the count returned for \"" << format << '"');
    BOOST_TEST(count == sink.text.size());
    return sink.text;
}

} // namespace

BOOST_AUTO_TEST_SUITE(format)

BOOST_AUTO_TEST_CASE(plain_text_and_percent) {
    BOOST_TEST(formatted("") == "");
    BOOST_TEST(formatted("hello, world") == "hello, world");
    BOOST_TEST(formatted("100%%") == "100%");
    BOOST_TEST(formatted("%%%%") == "%%");
}

BOOST_AUTO_TEST_CASE(characters_and_strings) {
    BOOST_TEST(formatted("%c%c", 'o', 'k') == "ok");
    BOOST_TEST(formatted("[%3c|%-3c]", 'a', 'b') == "[  a|b  ]");
    BOOST_TEST(formatted("<%s>", "text") == "<text>");
    BOOST_TEST(formatted("<%s>", "") == "<>");
    BOOST_TEST(formatted("<%s>", static_cast<const char*>(nullptr)) == "<(null)>");
    BOOST_TEST(formatted("[%8s]", "abc") == "[     abc]");
    BOOST_TEST(formatted("[%-8s]", "abc") == "[abc     ]");
    BOOST_TEST(formatted("[%2s]", "longer") == "[longer]");
    BOOST_TEST(formatted("[%*s]", 5, "ab") == "[   ab]");
    BOOST_TEST(formatted("[%-*s]", 5, "ab") == "[ab   ]");
    BOOST_TEST(formatted("[%40s]", "x") == "[" + std::string(39, ' ') + "x]"); // more than one pad chunk
}

BOOST_AUTO_TEST_CASE(string_precision) {
    BOOST_TEST(formatted("[%.3s]", "abcdef") == "[abc]");
    BOOST_TEST(formatted("[%.0s]", "abcdef") == "[]");
    BOOST_TEST(formatted("[%.10s]", "abc") == "[abc]");
    BOOST_TEST(formatted("[%.*s]", 2, "abcdef") == "[ab]");
    BOOST_TEST(formatted("[%.*s]", 0, "abcdef") == "[]");
    BOOST_TEST(formatted("[%6.2s]", "abcdef") == "[    ab]");
    BOOST_TEST(formatted("[%-6.2s]", "abcdef") == "[ab    ]");
    BOOST_TEST(formatted("[%*.*s]", 4, 3, "abcdef") == "[ abc]");
    // Precision bounds the read: the characters need no terminating NUL.
    const char unterminated[3] = {'x', 'y', 'z'};
    BOOST_TEST(formatted("%.*s", 3, unterminated) == "xyz");
}

BOOST_AUTO_TEST_CASE(signed_decimal) {
    BOOST_TEST(formatted("%d", 0) == "0");
    BOOST_TEST(formatted("%d %i", 42, -42) == "42 -42");
    BOOST_TEST(formatted("%d", INT_MAX) == "2147483647");
    BOOST_TEST(formatted("%d", INT_MIN) == "-2147483648");
    BOOST_TEST(formatted("%ld", -1234567890123L) == "-1234567890123");
    BOOST_TEST(formatted("%lld", static_cast<long long>(INT64_MAX)) == "9223372036854775807");
    BOOST_TEST(formatted("%lld", static_cast<long long>(INT64_MIN)) == "-9223372036854775808");
    BOOST_TEST(formatted("%zd", static_cast<ptrdiff_t>(-5)) == "-5");
}

BOOST_AUTO_TEST_CASE(width_and_padding_of_numbers) {
    BOOST_TEST(formatted("[%5d]", 42) == "[   42]");
    BOOST_TEST(formatted("[%-5d]", 42) == "[42   ]");
    BOOST_TEST(formatted("[%05d]", 42) == "[00042]");
    BOOST_TEST(formatted("[%5d]", -42) == "[  -42]");
    BOOST_TEST(formatted("[%05d]", -42) == "[-0042]");  // the sign goes before the zeros
    BOOST_TEST(formatted("[%-05d]", -42) == "[-42  ]"); // '-' wins over '0'
    BOOST_TEST(formatted("[%*d]", 6, 7) == "[     7]");
    BOOST_TEST(formatted("[%0*x]", 4, 0xau) == "[000a]");
    BOOST_TEST(formatted("[%2d]", 12345) == "[12345]");
    BOOST_TEST(formatted("[%020lld]", static_cast<long long>(INT64_MIN)) == "[-9223372036854775808]");
    BOOST_TEST(formatted("[%021lld]", static_cast<long long>(INT64_MIN)) == "[-09223372036854775808]");
}

BOOST_AUTO_TEST_CASE(unsigned_hex_and_binary) {
    BOOST_TEST(formatted("%u", 0u) == "0");
    BOOST_TEST(formatted("%u", UINT_MAX) == "4294967295");
    BOOST_TEST(formatted("%u", static_cast<unsigned>(-1)) == "4294967295");
    BOOST_TEST(formatted("%lu", ULONG_MAX) == "18446744073709551615");
    BOOST_TEST(formatted("%llu", ULLONG_MAX) == "18446744073709551615");
    BOOST_TEST(formatted("%zu", static_cast<size_t>(123456789012ull)) == "123456789012");
    BOOST_TEST(formatted("%x %X", 0xbeefu, 0xbeefu) == "beef BEEF");
    BOOST_TEST(formatted("%lx", 0xfedcba9876543210ul) == "fedcba9876543210");
    BOOST_TEST(formatted("%llX", 0xfedcba9876543210ull) == "FEDCBA9876543210");
    BOOST_TEST(formatted("%zx", static_cast<size_t>(0x1000)) == "1000");
    BOOST_TEST(formatted("%x", 0u) == "0");
    BOOST_TEST(formatted("%b", 5u) == "101");
    BOOST_TEST(formatted("%b", 0u) == "0");
    BOOST_TEST(formatted("%08b", 5u) == "00000101");
    BOOST_TEST(formatted("%llb", 1ull << 63) == "1" + std::string(63, '0'));
    // Without a length modifier only 32 bits are read.
    BOOST_TEST(formatted("%x", 0xffffffffu) == "ffffffff");
}

BOOST_AUTO_TEST_CASE(pointers) {
    BOOST_TEST(formatted("%p", reinterpret_cast<void*>(0x1234)) == "0x1234");
    BOOST_TEST(formatted("%p", static_cast<void*>(nullptr)) == "0x0");
    BOOST_TEST(formatted("%p", reinterpret_cast<void*>(0xffff800000000000ull)) == "0xffff800000000000");
    BOOST_TEST(formatted("[%10p]", reinterpret_cast<void*>(0xab)) == "[      0xab]");
    BOOST_TEST(formatted("[%010p]", reinterpret_cast<void*>(0xab)) == "[0x000000ab]");
}

BOOST_AUTO_TEST_CASE(agrees_with_the_c_library) {
    const long long values[] = {
        0, 1, -1, 9, 10, -10, 255, 65535, -65536, 2147483647LL, -2147483648LL, INT64_MAX, INT64_MIN + 1};
    const char* formats[] = {"%lld", "%5lld", "%-7lld|", "%012lld", "%llu", "%llx", "%llX", "%020llx", "%-3llu|"};
    for (long long value : values) {
        for (const char* format : formats) {
            char expected[64];
            std::snprintf(expected, sizeof expected, format, value);
            BOOST_TEST_INFO(format << " of " << value);
            BOOST_TEST(formatted(format, value) == expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_and_incomplete_directives_print_literally) {
    BOOST_TEST(formatted("%q") == "%q");
    BOOST_TEST(formatted("a%5qb") == "a%5qb");
    BOOST_TEST(formatted("%hd", 1) == "%hd"); // 'h' is not supported: nothing is consumed
    BOOST_TEST(formatted("end%") == "end%");
    BOOST_TEST(formatted("end%-08") == "end%-08");
    BOOST_TEST(formatted("%q%d", 3) == "%q3"); // the argument is left for the next directive
}

BOOST_AUTO_TEST_CASE(format_counts_characters) {
    StringSink sink;
    BOOST_TEST(lib::format(sink, "%s=%d", "answer", 42) == 9u);
    BOOST_TEST(sink.text == "answer=42");
    BOOST_TEST(lib::format(sink, "%c", '\0') == 1u); // a NUL character is output and counted
    BOOST_TEST(sink.text.size() == 10u);
}

BOOST_AUTO_TEST_CASE(format_to_fits) {
    char buffer[32];
    BOOST_TEST(lib::format_to(buffer, sizeof buffer, "%s-%03u", "id", 7u) == 6u);
    BOOST_TEST(std::string(buffer) == "id-007");
}

BOOST_AUTO_TEST_CASE(format_to_truncates_and_terminates) {
    char buffer[8];
    std::fill(std::begin(buffer), std::end(buffer), '#');
    BOOST_TEST(lib::format_to(buffer, sizeof buffer, "%s", "hello, world") == 12u); // untruncated length
    BOOST_TEST(std::string(buffer) == "hello, ");                                   // capacity - 1 characters
    BOOST_TEST(buffer[7] == '\0');

    std::fill(std::begin(buffer), std::end(buffer), '#');
    BOOST_TEST(lib::format_to(buffer, 8, "%s", "1234567") == 7u); // exactly fits
    BOOST_TEST(std::string(buffer) == "1234567");

    std::fill(std::begin(buffer), std::end(buffer), '#');
    BOOST_TEST(lib::format_to(buffer, 1, "%d", 12345) == 5u); // room for the NUL only
    BOOST_TEST(buffer[0] == '\0');
    BOOST_TEST(buffer[1] == '#');

    std::fill(std::begin(buffer), std::end(buffer), '#');
    BOOST_TEST(lib::format_to(buffer, 0, "%d", 12345) == 5u); // capacity 0: nothing is written
    BOOST_TEST(buffer[0] == '#');
    BOOST_TEST(lib::format_to(nullptr, 0, "%s", "measure") == 7u);

    std::fill(std::begin(buffer), std::end(buffer), '#');
    BOOST_TEST(lib::format_to(buffer, 4, "%-6d|", 12) == 7u); // padding is truncated too
    BOOST_TEST(std::string(buffer) == "12 ");
}

BOOST_AUTO_TEST_SUITE_END()
