// kernel/lib/command_line.cpp: CommandLine::value/has/for_each_word, split(), and parse_unsigned()
// with decimal, hexadecimal, overflow and junk.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdint.h>

#include <string>
#include <vector>

#include "../../kernel/lib/command_line.hpp"

namespace {

std::string to_string(lib::StringView view) { return std::string(view.data, view.size); }

// The value of `key`, or "<absent>".
std::string value_of(const char* command_line, const char* key) {
    lib::StringView value;
    if (!lib::CommandLine(command_line).value(key, value)) return "<absent>";
    return to_string(value);
}

bool has(const char* command_line, const char* flag) { return lib::CommandLine(command_line).has(flag); }

std::vector<std::string> words(const char* command_line) {
    std::vector<std::string> result;
    lib::CommandLine(command_line).for_each_word([&](lib::StringView word) { result.push_back(to_string(word)); });
    return result;
}

std::vector<std::string> parts(const char* list, char separator) {
    std::vector<std::string> result;
    lib::split(list, separator, [&](lib::StringView part) { result.push_back(to_string(part)); });
    return result;
}

// parse_unsigned() on a NUL-terminated string.
bool parses(const char* text, uint64_t& value) { return lib::parse_unsigned(text, value); }

} // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(words_are_separated_by_spaces) {
    BOOST_TEST(words("") == std::vector<std::string>{}, boost::test_tools::per_element());
    BOOST_TEST(words("   ") == std::vector<std::string>{}, boost::test_tools::per_element());
    BOOST_TEST(words("  a  b=c   d ") == (std::vector<std::string>{"a", "b=c", "d"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(value_of_a_key) {
    BOOST_TEST(value_of("start=hello panic=halt", "start") == "hello");
    BOOST_TEST(value_of("start=hello panic=halt", "panic") == "halt");
    BOOST_TEST(value_of("start=hello", "missing") == "<absent>");
    BOOST_TEST(value_of("", "start") == "<absent>");
    BOOST_TEST(value_of("start", "start") == "<absent>");     // a bare flag has no value
    BOOST_TEST(value_of("start=", "start") == "");            // present but empty
    BOOST_TEST(value_of("starter=x", "start") == "<absent>"); // the key must match a whole word part
    BOOST_TEST(value_of("xstart=x", "start") == "<absent>");
    BOOST_TEST(value_of("start=a=b", "start") == "a=b"); // only the first '=' separates
    BOOST_TEST(value_of("start=hello:1,ls", "start") == "hello:1,ls");
}

BOOST_AUTO_TEST_CASE(last_value_wins) {
    BOOST_TEST(value_of("log=1 start=a log=2 start=b", "start") == "b");
    BOOST_TEST(value_of("log=1 start=a log=2 start=b", "log") == "2");
    BOOST_TEST(value_of("start=a start", "start") == "a"); // a later bare flag doesn't erase it
}

BOOST_AUTO_TEST_CASE(has_a_flag) {
    BOOST_TEST(has("quiet", "quiet"));
    BOOST_TEST(has("a quiet b", "quiet"));
    BOOST_TEST(has("quiet=yes", "quiet"));
    BOOST_TEST(!has("quieter", "quiet"));
    BOOST_TEST(!has("not-quiet", "quiet"));
    BOOST_TEST(!has("", "quiet"));
    BOOST_TEST(!has("qui", "quiet"));
}

BOOST_AUTO_TEST_CASE(split_skips_empty_parts) {
    BOOST_TEST(parts("hello,ls:1,x", ',') == (std::vector<std::string>{"hello", "ls:1", "x"}),
               boost::test_tools::per_element());
    BOOST_TEST(parts(",,a,,b,", ',') == (std::vector<std::string>{"a", "b"}), boost::test_tools::per_element());
    BOOST_TEST(parts("", ',') == std::vector<std::string>{}, boost::test_tools::per_element());
    BOOST_TEST(parts(",", ',') == std::vector<std::string>{}, boost::test_tools::per_element());
    BOOST_TEST(parts("single", ',') == (std::vector<std::string>{"single"}), boost::test_tools::per_element());
    BOOST_TEST(parts("prog:a:b", ':') == (std::vector<std::string>{"prog", "a", "b"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parse_unsigned_decimal) {
    uint64_t value = 0;
    BOOST_TEST(parses("0", value));
    BOOST_TEST(value == 0u);
    BOOST_TEST(parses("42", value));
    BOOST_TEST(value == 42u);
    BOOST_TEST(parses("007", value));
    BOOST_TEST(value == 7u);
    BOOST_TEST(parses("18446744073709551615", value));
    BOOST_TEST(value == UINT64_MAX);
}

BOOST_AUTO_TEST_CASE(parse_unsigned_hexadecimal) {
    uint64_t value = 0;
    BOOST_TEST(parses("0x10", value));
    BOOST_TEST(value == 16u);
    BOOST_TEST(parses("0XfF", value));
    BOOST_TEST(value == 255u);
    BOOST_TEST(parses("0xDeadBeef", value));
    BOOST_TEST(value == 0xdeadbeefu);
    BOOST_TEST(parses("0xffffffffffffffff", value));
    BOOST_TEST(value == UINT64_MAX);
    BOOST_TEST(parses("0x0000000000000000001", value)); // leading zeros never overflow
    BOOST_TEST(value == 1u);
}

BOOST_AUTO_TEST_CASE(parse_unsigned_rejects_overflow) {
    uint64_t value = 0;
    BOOST_TEST(!parses("18446744073709551616", value));
    BOOST_TEST(!parses("99999999999999999999", value));
    BOOST_TEST(!parses("0x10000000000000000", value));
    BOOST_TEST(!parses("0x1ffffffffffffffff", value));
}

BOOST_AUTO_TEST_CASE(parse_unsigned_rejects_junk) {
    uint64_t value = 0;
    for (const char* junk :
         {"", "0x", "0X", "x10", "-1", "+1", " 1", "1 ", "12a", "0x1g", "ff", "1.5", "0b101", "0x-1"}) {
        BOOST_TEST(!parses(junk, value), '"' << junk << '"');
    }
}

BOOST_AUTO_TEST_SUITE_END()
