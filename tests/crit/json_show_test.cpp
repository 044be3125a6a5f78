// decode/encode (checkpointd/crit/json.hpp) and show (show.hpp) on the sample image.
#define BOOST_TEST_DYN_LINK
#include <amber/abi.h>
#include <amber/objects.h>
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "crit_test_support.hpp"
#include "image_file.hpp"
#include "json.hpp"
#include "show.hpp"

namespace {

using namespace amber::crit;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

CheckedImage checked_sample(unsigned pages = 3) {
    CheckedImage checked;
    std::string bytes = crit_test::file_bytes(crit_test::sample_image(pages));
    BOOST_REQUIRE(check_image(ImageSource::from_bytes(bytes), checked) == "");
    return checked;
}

} // namespace

namespace {
const std::string abi_text = std::to_string(AMBER_ABI_VERSION);
const std::string state_version = std::to_string(AMBER_STATE_VERSION);
const std::string abi_json = "\"abi_version\": " + abi_text;
const std::string abi_show = "abi " + abi_text + ", object state version " + state_version;
} // namespace

BOOST_AUTO_TEST_SUITE(json_and_show)

BOOST_AUTO_TEST_CASE(decode_with_pages_has_every_field) {
    std::string json = decode_json(checked_sample().image, true);
    for (const char* part :
         {"{\n \"header\": {\n  \"magic\": 1380794945,", "\"format_version\": 1", abi_json.c_str(),
          "\"program\": \"hello\"", "\"arguments\": \"one two\"", "\"space_id\": \"7\"", "\"rax\": \"35\"",
          "\"external\": \"supervisor\"", "\"keeper_port_id\": \"11\"", "\"page_runs\": [", "\"address\": \"4194304\"",
          "\"data\": \"", "\"pages_written\": \"3\"", "\"checksum\": "}) {
        BOOST_TEST_INFO(part);
        BOOST_TEST(contains(json, part));
    }
    BOOST_TEST(!contains(json, "elided"));
}

BOOST_AUTO_TEST_CASE(decode_elides_page_data_and_says_so) {
    std::string json = decode_json(checked_sample().image, false);
    BOOST_TEST(json.rfind("{\n \"elided\": \"page data: ", 0) == 0);
    BOOST_TEST(contains(json, "  {\n   \"address\": \"4194304\",\n   \"pages\": 1\n  },"));
    BOOST_TEST(contains(json, "   \"address\": \"140737488093184\",\n   \"pages\": 2\n"));
    BOOST_TEST(!contains(json, "\"data\""));
    BOOST_TEST(contains(json, "\"program\": \"hello\""));
    amber::image::Image image;
    BOOST_TEST(contains(encode_json(json, image), "page data was elided"));
}

BOOST_AUTO_TEST_CASE(encode_of_decode_round_trips_to_identical_bytes) {
    for (unsigned pages : {0u, 1u, 3u}) {
        std::string bytes = crit_test::file_bytes(crit_test::sample_image(pages));
        CheckedImage checked;
        BOOST_REQUIRE(check_image(ImageSource::from_bytes(bytes), checked) == "");
        amber::image::Image decoded;
        BOOST_TEST(encode_json(decode_json(checked.image, true), decoded) == "");
        BOOST_TEST(image_file_bytes(decoded) == bytes);
    }
}

BOOST_AUTO_TEST_CASE(encode_refuses_what_is_not_an_image) {
    amber::image::Image image;
    BOOST_TEST(contains(encode_json("{ \"header\": ", image), "not an image in JSON"));
    BOOST_TEST(contains(encode_json("{ \"headers\": {} }", image), "headers"));
    BOOST_TEST(encode_json("{}", image) == "");
}

BOOST_AUTO_TEST_CASE(names_of_values) {
    BOOST_TEST(rights_letters(0x1f) == "rwdco");
    BOOST_TEST(rights_letters(0x11) == "r---o");
    BOOST_TEST(rights_letters(0x21) == "r----+0x20");
    BOOST_TEST(protection_letters(5) == "r-x");
    BOOST_TEST(protection_letters(0) == "---");
    BOOST_TEST(thread_flag_names(3) == "stopped,waiting");
    BOOST_TEST(thread_flag_names(0) == "-");
    BOOST_TEST(thread_flag_names(0x14) == "exited,0x10");
    BOOST_TEST(object_type_name(6) == "port_set");
    BOOST_TEST(object_type_name(42) == "type 42");
    BOOST_TEST(std::string(syscall_name(35)) == "mutex_lock");
    BOOST_TEST(std::string(syscall_name(0)) == "null");
    BOOST_TEST(syscall_name(0xdeadbeef) == nullptr);
}

BOOST_AUTO_TEST_CASE(show_summarizes_the_process) {
    std::ostringstream out;
    show_image(out, "sample.img", checked_sample());
    std::string text = out.str();
    for (const char* part :
         {"sample.img: Amber checkpoint image, format 1, ", "program: hello one two\n", abi_show.c_str(),
          "threads (2):\n",
          "  id 5  rip 0x401000  rsp 0x7fffffefffc0  flags stopped,waiting  waiting in mutex_lock "
          "(rax 35)  waiting for object 9\n",
          "  id 6  rip 0x402000  rsp 0x0  flags stopped  rax 0xdeadbeef\n", "  mutex 9  locked by thread 6\n",
          "  port 11  badge 0x55  port set 12\n", "  reference 13  -> port 11  rights r--c-\n",
          "max rw-  keeper port 11\n", "handles (3):\n", "  1    space      rwdco  object 7\n",
          "  3    port       ----o  object 100  external "
          "supervisor\n",
          "  0x0000000000400000  size 0x2000  r-x  anonymous  1 present pages\n",
          "page runs: 2 runs, 3 pages (12288 bytes)\n",
          "stats: frozen 1.500 ms, dump 0.400 ms, write 1.100 ms; pages "
          "scanned 5, zero 2, written 3; image 4700 bytes\n"}) {
        BOOST_TEST_INFO(part);
        BOOST_TEST(contains(text, part));
    }
}

BOOST_AUTO_TEST_SUITE_END()
