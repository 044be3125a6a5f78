// The amber-crit binary: usage and exit codes, one-line check verdicts, files inside FAT disk images
// (made with mkfs.fat and mcopy), and the golden check that stock protoc decodes an image.
#define BOOST_TEST_DYN_LINK
#include <amber/abi.h>
#include <amber/objects.h>
#include <boost/test/unit_test.hpp>

#include "crit_test_support.hpp"

namespace {

using crit_test::run;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

crit_test::CommandResult crit(const std::string& arguments) { return run(crit_test::crit_binary() + " " + arguments); }

} // namespace

namespace {
const std::string abi_text = std::to_string(AMBER_ABI_VERSION);
const std::string state_version = std::to_string(AMBER_STATE_VERSION);
} // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(wrong_usage_exits_2_with_the_usage) {
    for (const char* arguments : {"", "frob x.img", "show", "decode a.img --data", "encode only-one.json", "check"}) {
        auto result = crit(arguments);
        BOOST_TEST_INFO("amber-crit " << arguments << ": " << result.output);
        BOOST_TEST(result.status == 2);
        BOOST_TEST(contains(result.output, "usage: amber-crit check IMAGE..."));
    }
    BOOST_TEST(crit("--help").status == 0);
}

BOOST_AUTO_TEST_CASE(check_prints_one_line_per_image) {
    crit_test::TempDir directory;
    std::string bytes = crit_test::file_bytes(crit_test::sample_image(3));
    std::string good = directory.write("good.img", bytes);
    std::string flipped_bytes = bytes;
    flipped_bytes[bytes.size() / 2] ^= 0x10;
    std::string flipped = directory.write("flipped.img", flipped_bytes);
    std::string missing = directory.path("missing.img");

    auto ok = crit("check " + good);
    BOOST_TEST(ok.status == 0);
    BOOST_TEST(ok.output ==
               good + ": ok (format 1, abi " + abi_text + ", 3 pages, " + std::to_string(bytes.size()) + " bytes)\n");
    auto bad = crit("check " + good + " " + flipped + " " + missing);
    BOOST_TEST(bad.status == 1);
    BOOST_TEST(contains(bad.output, good + ": ok ("));
    BOOST_TEST(contains(bad.output, flipped + ": bad: bad checksum (stored 0x"));
    BOOST_TEST(contains(bad.output, missing + ": bad: cannot open: No such file or directory\n"));
}

BOOST_AUTO_TEST_CASE(show_decode_encode_recode) {
    crit_test::TempDir directory;
    std::string bytes = crit_test::file_bytes(crit_test::sample_image(2));
    std::string image = directory.write("in.img", bytes);
    auto shown = crit("show " + image);
    BOOST_TEST(shown.status == 0);
    BOOST_TEST(contains(shown.output, "waiting in mutex_lock (rax 35)"));

    auto full = crit("decode " + image + " --pages");
    BOOST_TEST(full.status == 0);
    directory.write("full.json", full.output);
    BOOST_TEST(crit("encode " + directory.path("full.json") + " " + directory.path("out.img")).status == 0);
    BOOST_TEST(crit_test::read_file(directory.path("out.img")) == bytes);
    BOOST_TEST(crit("recode " + image + " " + directory.path("recoded.img")).status == 0);
    BOOST_TEST(crit_test::read_file(directory.path("recoded.img")) == bytes);

    auto elided = crit("decode " + image);
    BOOST_TEST(contains(elided.output, "\"elided\""));
    std::string elided_json = directory.write("elided.json", elided.output);
    auto refused = crit("encode " + elided_json + " " + directory.path("never.img"));
    BOOST_TEST(refused.status == 1);
    BOOST_TEST(contains(refused.output, "amber-crit: " + elided_json + ": its page data was elided"));
    auto no_json = crit("encode " + directory.path("none.json") + " " + directory.path("never.img"));
    BOOST_TEST(no_json.status == 1);
    BOOST_TEST(contains(no_json.output, directory.path("none.json") + ": cannot open"));
    auto unwritable = crit("encode " + directory.path("full.json") + " " + directory.path("no/such/dir.img"));
    BOOST_TEST(unwritable.status == 1);
    BOOST_TEST(contains(unwritable.output, directory.path("no/such/dir.img") + ": cannot write"));
}

BOOST_AUTO_TEST_CASE(images_inside_fat_disk_images) {
    crit_test::TempDir directory;
    std::string disk = directory.path("disk.img");
    std::string image = directory.write("ckpt.img", crit_test::file_bytes(crit_test::sample_image(5)));
    auto made = run("mkfs.fat -F 32 -C " + disk + " 34000 && mcopy -i " + disk + " " + image + " ::CKPT1.IMG");
    BOOST_REQUIRE_MESSAGE(made.status == 0, made.output);

    auto ok = crit("check " + disk + "::CKPT1.IMG");
    BOOST_TEST(ok.status == 0);
    BOOST_TEST(contains(ok.output, disk + "::CKPT1.IMG: ok (format 1, abi " + abi_text + ", 5 pages, "));
    BOOST_TEST(contains(crit("show " + disk + "::CKPT1.IMG").output, "program: hello one two"));
    auto missing = crit("check " + disk + "::NOPE.IMG");
    BOOST_TEST(missing.status == 1);
    BOOST_TEST(contains(missing.output, disk + "::NOPE.IMG: bad: cannot read NOPE.IMG from disk image " + disk +
                                            ": mcopy: File \"::NOPE.IMG\" not found"));
    auto no_disk = crit("show " + directory.path("nodisk.img") + "::CKPT1.IMG");
    BOOST_TEST(no_disk.status == 1);
    BOOST_TEST(contains(no_disk.output, "cannot open disk image " + directory.path("nodisk.img")));
}

BOOST_AUTO_TEST_CASE(stock_protoc_decodes_an_image) {
    crit_test::TempDir directory;
    std::string image = directory.write("ckpt.img", crit_test::file_bytes(crit_test::sample_image(1)));
    auto decoded = run("protoc --decode=amber.image.Image images/amber_image.proto < " + image);
    BOOST_TEST_INFO(decoded.output.substr(0, 300));
    BOOST_TEST(decoded.status == 0);
    for (const char* part : {"header {\n  magic: 1380794945\n  format_version: 1\n", "program: \"hello\"",
                             "external: \"supervisor\"", "page_runs {\n  address: 4194304\n", "checksum: "}) {
        BOOST_TEST_INFO(part);
        BOOST_TEST(contains(decoded.output, part));
    }
}

BOOST_AUTO_TEST_SUITE_END()
