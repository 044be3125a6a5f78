// The image checker (checkpointd/crit/image_file.hpp) on images built with libprotobuf: a good image
// passes; truncations, bit flips and every kind of wrong header, framing or content are refused with
// a reason that says what is wrong.
#define BOOST_TEST_DYN_LINK
#include <amber/abi.h>
#include <amber/objects.h>
#include <boost/test/unit_test.hpp>

#include "crc32.hpp"
#include "crit_test_support.hpp"
#include "image_file.hpp"

namespace {

using namespace amber::crit;
using crit_test::file_bytes;
using crit_test::sample_image;

// "" if `bytes` is a good image, else the reason.
std::string reason(const std::string& bytes) {
    CheckedImage checked;
    return check_image(ImageSource::from_bytes(bytes), checked);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

namespace {
const std::string abi_text = std::to_string(AMBER_ABI_VERSION);
const std::string state_version = std::to_string(AMBER_STATE_VERSION);
} // namespace

BOOST_AUTO_TEST_SUITE(image_check)

BOOST_AUTO_TEST_CASE(crc32_is_zlibs) {
    BOOST_TEST(crc32_of("123456789") == 0xcbf43926u); // the standard check value
    BOOST_TEST(crc32_of("") == 0u);
    std::string bytes = file_bytes(sample_image());
    BOOST_TEST(crc32_of(bytes) == crit_test::reference_crc32(bytes));
    Crc32 pieces;
    pieces.update(bytes.substr(0, 1000));
    pieces.update(bytes.substr(1000));
    BOOST_TEST(pieces.value() == crc32_of(bytes));
}

BOOST_AUTO_TEST_CASE(good_image_passes_with_its_summary) {
    std::string bytes = file_bytes(sample_image(3));
    CheckedImage checked;
    BOOST_TEST(check_image(ImageSource::from_bytes(bytes), checked) == "");
    BOOST_TEST(checked.pages == 3u);
    BOOST_TEST(checked.file_bytes == bytes.size());
    BOOST_TEST(checked.image.process().threads_size() == 2);
    BOOST_TEST(ok_summary(checked) ==
               "ok (format 1, abi " + abi_text + ", 3 pages, " + std::to_string(bytes.size()) + " bytes)");
    BOOST_TEST(reason(file_bytes(sample_image(0))) == "");
}

BOOST_AUTO_TEST_CASE(amber_crit_writes_the_same_bytes) {
    BOOST_TEST(image_file_bytes(sample_image()) == file_bytes(sample_image()));
    amber::image::Image with_old_checksum = sample_image();
    with_old_checksum.set_checksum(0x12345678);
    BOOST_TEST(image_file_bytes(with_old_checksum) == file_bytes(sample_image()));
}

BOOST_AUTO_TEST_CASE(every_truncation_is_refused) {
    std::string bytes = file_bytes(sample_image(2));
    BOOST_TEST(reason("") == "empty file");
    for (std::size_t length = 1; length < bytes.size(); ++length) {
        std::string why = reason(bytes.substr(0, length));
        BOOST_TEST_INFO("length " << length << ": " << why);
        BOOST_TEST(why.rfind("truncated: ", 0) == 0);
    }
}

BOOST_AUTO_TEST_CASE(every_single_bit_flip_is_refused) {
    std::string bytes = file_bytes(sample_image(1));
    std::size_t checksum_refusals = 0;
    for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
        std::string flipped = bytes;
        flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
        std::string why = reason(flipped);
        if (why.empty()) BOOST_ERROR("bit " << bit << " flipped passes");
        checksum_refusals += why.rfind("bad checksum", 0) == 0;
    }
    BOOST_TEST(checksum_refusals > bytes.size() * 8 * 9 / 10); // most flips are in data under the checksum
}

BOOST_AUTO_TEST_CASE(wrong_magic) {
    auto image = sample_image();
    image.mutable_header()->set_magic(0x464c457f);
    BOOST_TEST(reason(file_bytes(image)) == "wrong magic 0x464c457f (expected 0x524d4241): not an Amber image");
}

BOOST_AUTO_TEST_CASE(unsupported_format_version) {
    auto image = sample_image();
    image.mutable_header()->set_format_version(2);
    BOOST_TEST(reason(file_bytes(image)) == "unsupported format version 2 (this tool reads 1)");
}

BOOST_AUTO_TEST_CASE(unknown_feature_bits) {
    auto image = sample_image();
    image.mutable_header()->set_features(1ull << 40 | 4);
    BOOST_TEST(reason(file_bytes(image)) == "unknown feature bits 0x10000000004 (this tool understands 0x0)");
}

BOOST_AUTO_TEST_CASE(abi_and_state_version_mismatch) {
    auto image = sample_image();
    image.mutable_header()->set_abi_version(1);
    BOOST_TEST(reason(file_bytes(image)) == "ABI mismatch: the image is for ABI 1, this tool reads ABI " + abi_text);
    image = sample_image();
    image.mutable_header()->set_state_version(7);
    BOOST_TEST(reason(file_bytes(image)) ==
               "object state version mismatch: the image has version 7, this tool reads version " + state_version);
}

BOOST_AUTO_TEST_CASE(not_a_protobuf_or_not_an_image) {
    BOOST_TEST(reason("\x7f"
                      "ELF\x02\x01\x01") == "not a protobuf: invalid field tag at offset 0");
    BOOST_TEST(reason("hello world\n") ==
               "not an Amber image: it does not start with a header (field 1) but with field 13");
    BOOST_TEST(reason(std::string(12, '\xff')) == "not a protobuf: invalid field tag at offset 0");
    auto headless = sample_image();
    headless.clear_header();
    BOOST_TEST(contains(reason(file_bytes(headless)), "does not start with a header (field 1) but with field 2"));
}

BOOST_AUTO_TEST_CASE(checksum_must_be_last_and_well_formed) {
    std::string bytes = file_bytes(sample_image());
    BOOST_TEST(reason(bytes + "x") == "1 bytes after the checksum, which must be the last field");
    std::string body = bytes.substr(0, bytes.size() - checksum_field_size);
    BOOST_TEST(reason(body) == "truncated: no checksum at the end (" + std::to_string(body.size()) + " bytes)");
    // Field 15 as a varint instead of fixed32.
    BOOST_TEST(contains(reason(body + "\x78\x01"), "malformed checksum field"));
    auto sample = sample_image();
    amber::image::Header second;
    second.set_magic(image_magic);
    std::string second_bytes = second.SerializeAsString();
    std::string twice = sample.SerializeAsString() + "\x0a" + static_cast<char>(second_bytes.size()) + second_bytes;
    BOOST_TEST(contains(reason(with_checksum(twice)), "a second header"));
}

BOOST_AUTO_TEST_CASE(contents_must_parse) {
    // A good header and checksum around a process that is not a protobuf message.
    std::string header = sample_image().header().SerializeAsString();
    std::string body = "\x0a" + std::string(1, static_cast<char>(header.size())) + header + "\x12\x03\xff\xff\xff";
    BOOST_TEST(reason(with_checksum(body)) == "not a valid amber.image.Image: the protobuf message does not parse");
}

BOOST_AUTO_TEST_CASE(strings_must_be_utf8) {
    auto image = sample_image();
    image.mutable_header()->set_program("bad\xff");
    std::string bytes;
    {
        ProtobufComplaints quiet; // libprotobuf complains when it serializes the bad strings
        bytes = file_bytes(image);
    }
    BOOST_TEST(reason(bytes) ==
               "the header does not parse (String field 'amber.image.Header.program' contains invalid UTF-8 data)");
    image = sample_image();
    image.mutable_process()->mutable_handles(2)->set_external("\xc0");
    {
        ProtobufComplaints quiet;
        bytes = file_bytes(image);
    }
    BOOST_TEST(reason(bytes) == "not a valid amber.image.Image: the protobuf message does not parse "
                                "(String field 'amber.image.Handle.external' contains invalid UTF-8 data)");
}

BOOST_AUTO_TEST_CASE(page_runs_hold_whole_aligned_pages) {
    auto image = sample_image(2);
    image.mutable_page_runs(1)->set_address(0x7ffffffc0010);
    BOOST_TEST(reason(file_bytes(image)) == "page run 1 at 0x7ffffffc0010: address not page-aligned");
    image = sample_image(2);
    image.mutable_page_runs(0)->mutable_data()->resize(100);
    BOOST_TEST(reason(file_bytes(image)) == "page run 0 at 0x400000: 100 bytes is not a whole number of pages");
    image = sample_image(2);
    image.mutable_header()->set_page_size(8192);
    BOOST_TEST(reason(file_bytes(image)) == "unsupported page size 8192 (expected 4096)");
    image = sample_image(2);
    image.mutable_process()->mutable_threads(0)->set_fpu("short");
    BOOST_TEST(reason(file_bytes(image)) == "thread 5: FPU state of 5 bytes (expected 512)");
}

BOOST_AUTO_TEST_CASE(unknown_fields_of_newer_writers_are_accepted) {
    auto image = sample_image();
    image.mutable_stats()->clear_image_bytes();
    std::string body = image.SerializeAsString() + "\x28\x07"; // field 5, varint 7: not in this schema
    CheckedImage checked;
    BOOST_TEST(check_image(ImageSource::from_bytes(with_checksum(body)), checked) == "");
}

BOOST_AUTO_TEST_CASE(files_are_streamed_from_disk) {
    crit_test::TempDir directory;
    std::string path = directory.write("good.img", file_bytes(sample_image(40)));
    CheckedImage checked;
    BOOST_TEST(check_image(ImageSource::from_spec(path), checked) == "");
    BOOST_TEST(checked.pages == 40u);
    BOOST_TEST(check_image(ImageSource::from_spec(directory.path("missing.img")), checked) ==
               "cannot open: No such file or directory");
    BOOST_TEST(check_image(ImageSource::from_spec(directory.path("")), checked) == "read failed: Is a directory");
}

BOOST_AUTO_TEST_SUITE_END()
