// kernel/lib/ustar.cpp: archives made by GNU tar (--format=ustar) at test time and headers built by
// hand: find, several files, the prefix field, "./" stripping, skipped non-files, and corrupt,
// truncated and empty archives.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../../kernel/lib/ustar.hpp"
#include "host_support.hpp"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// A temporary directory of input files, archived with GNU tar; removed afterwards.
class TarWorkspace {
  public:
    TarWorkspace() {
        std::string pattern = (fs::temp_directory_path() / "amber-ustar-XXXXXX").string();
        BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
        root_ = pattern;
        fs::create_directories(root_ / "in");
    }
    ~TarWorkspace() {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    void write(const std::string& relative_path, const std::string& contents) {
        fs::path path = root_ / "in" / relative_path;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << contents;
    }
    // Runs tar in the input directory with `members` and returns the archive.
    Bytes archive(const std::string& members) {
        std::string command = "tar --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@0 -C '" +
                              (root_ / "in").string() + "' -cf '" + (root_ / "out.tar").string() + "' " + members;
        BOOST_REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
        Bytes bytes;
        BOOST_REQUIRE(host_test::read_file((root_ / "out.tar").string(), bytes));
        return bytes;
    }

  private:
    fs::path root_;
};

struct Listing {
    std::vector<std::string> names;
    std::vector<std::string> contents;
    lib::UstarResult last = lib::UstarResult::End;
};

Listing list(const Bytes& archive) {
    Listing listing;
    lib::UstarReader reader(host_test::view_of(archive));
    lib::UstarEntry entry;
    while ((listing.last = reader.next(entry)) == lib::UstarResult::Entry) {
        listing.names.emplace_back(entry.name);
        listing.contents.emplace_back(reinterpret_cast<const char*>(entry.contents.data), entry.contents.size);
    }
    return listing;
}

bool find(const Bytes& archive, const char* name, std::string& contents) {
    lib::ByteView found;
    if (!lib::ustar_find(host_test::view_of(archive), name, found)) return false;
    contents.assign(reinterpret_cast<const char*>(found.data), found.size);
    return true;
}

// Recomputes a header's checksum the way tar writes it: six octal digits, NUL, space.
void seal(uint8_t* header) {
    std::memset(header + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) sum += header[i];
    std::snprintf(reinterpret_cast<char*>(header + 148), 8, "%06o", sum);
    header[155] = ' ';
}

// One hand-made header block; name and prefix are copied without a NUL when they fill the field.
std::array<uint8_t, 512> make_header(const std::string& name, size_t size, char type, const std::string& prefix = "") {
    std::array<uint8_t, 512> header{};
    std::memcpy(header.data(), name.data(), std::min<size_t>(name.size(), 100));
    std::snprintf(reinterpret_cast<char*>(&header[100]), 8, "%07o", 0644u);
    std::snprintf(reinterpret_cast<char*>(&header[124]), 12, "%011zo", size);
    header[156] = static_cast<uint8_t>(type);
    std::memcpy(&header[257],
                "ustar\0"
                "00",
                8);
    std::memcpy(&header[345], prefix.data(), std::min<size_t>(prefix.size(), 155));
    seal(header.data());
    return header;
}

void append(Bytes& archive, const std::array<uint8_t, 512>& header, const std::string& contents) {
    archive.insert(archive.end(), header.begin(), header.end());
    archive.insert(archive.end(), contents.begin(), contents.end());
    archive.resize((archive.size() + 511) / 512 * 512);
}

} // namespace

BOOST_AUTO_TEST_SUITE(ustar)

BOOST_AUTO_TEST_CASE(empty_archives_have_no_entries) {
    Bytes nothing;
    BOOST_TEST(list(nothing).names.empty());
    BOOST_TEST((list(nothing).last == lib::UstarResult::End));
    Bytes end_marker(1024, 0);
    BOOST_TEST((list(end_marker).last == lib::UstarResult::End));
    std::string contents;
    BOOST_TEST(!find(end_marker, "hello", contents));
}

BOOST_AUTO_TEST_CASE(finds_every_file_of_a_tar_archive) {
    TarWorkspace tar;
    tar.write("hello", "hello, world\n");
    tar.write("empty", "");
    tar.write("block", std::string(512, 'b'));       // exactly one data block
    tar.write("spill", std::string(513, 's') + "!"); // two data blocks
    Bytes archive = tar.archive("hello empty block spill");

    Listing listing = list(archive);
    BOOST_TEST((listing.last == lib::UstarResult::End));
    BOOST_TEST(listing.names == (std::vector<std::string>{"hello", "empty", "block", "spill"}),
               boost::test_tools::per_element());
    std::string contents;
    BOOST_TEST(find(archive, "hello", contents));
    BOOST_TEST(contents == "hello, world\n");
    BOOST_TEST(find(archive, "empty", contents));
    BOOST_TEST(contents.empty());
    BOOST_TEST(find(archive, "block", contents));
    BOOST_TEST(contents == std::string(512, 'b'));
    BOOST_TEST(find(archive, "spill", contents));
    BOOST_TEST(contents == std::string(513, 's') + "!");
    BOOST_TEST(!find(archive, "hell", contents));
    BOOST_TEST(!find(archive, "hello2", contents));
    BOOST_TEST(!find(archive, "", contents));
}

BOOST_AUTO_TEST_CASE(long_paths_join_prefix_and_name) {
    TarWorkspace tar;
    std::string directory = std::string(70, 'd') + "/" + std::string(50, 'e');
    std::string path = directory + "/program";
    tar.write(path, "long");
    Bytes archive = tar.archive("'" + path + "'");
    BOOST_REQUIRE(archive.size() >= 512);
    BOOST_TEST(archive[345] != 0); // tar really used the prefix field

    Listing listing = list(archive);
    BOOST_TEST(listing.names == (std::vector<std::string>{path}), boost::test_tools::per_element());
    std::string contents;
    BOOST_TEST(find(archive, path.c_str(), contents));
    BOOST_TEST(contents == "long");
}

BOOST_AUTO_TEST_CASE(leading_dot_slash_is_removed) {
    TarWorkspace tar;
    tar.write("init", "first");
    Bytes archive = tar.archive("./init");
    BOOST_TEST(std::string(reinterpret_cast<const char*>(archive.data()), 6) == "./init");
    std::string contents;
    BOOST_TEST(find(archive, "init", contents));
    BOOST_TEST(contents == "first");
    BOOST_TEST(!find(archive, "./init", contents));
}

BOOST_AUTO_TEST_CASE(directories_and_other_types_are_skipped) {
    TarWorkspace tar;
    tar.write("bin/a", "A");
    tar.write("bin/b", "B");
    Bytes archive = tar.archive("--sort=name bin");
    BOOST_TEST(list(archive).names == (std::vector<std::string>{"bin/a", "bin/b"}), boost::test_tools::per_element());

    Bytes handmade;
    append(handmade, make_header("link", 0, '2'), "");
    append(handmade, make_header("dir/", 0, '5'), "");
    append(handmade, make_header("fifo", 0, '6'), "");
    append(handmade, make_header("old-style", 3, '\0'), "old"); // pre-POSIX regular file
    append(handmade, make_header("posix", 5, '0'), "posix");
    Listing listing = list(handmade);
    BOOST_TEST(listing.names == (std::vector<std::string>{"old-style", "posix"}), boost::test_tools::per_element());
    BOOST_TEST(listing.contents == (std::vector<std::string>{"old", "posix"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_checksum_is_corrupt) {
    TarWorkspace tar;
    tar.write("first", "1");
    tar.write("second", "2");
    Bytes archive = tar.archive("first second");
    archive[512 + 512 + 0] ^= 0x01; // a name byte of the second header; its checksum no longer matches
    Listing listing = list(archive);
    BOOST_TEST(listing.names == (std::vector<std::string>{"first"}), boost::test_tools::per_element());
    BOOST_TEST((listing.last == lib::UstarResult::Corrupt));
    std::string contents;
    BOOST_TEST(find(archive, "first", contents));
    BOOST_TEST(!find(archive, "second", contents));
}

BOOST_AUTO_TEST_CASE(malformed_headers_are_corrupt) {
    Bytes bad_magic;
    auto header = make_header("file", 1, '0');
    std::memcpy(&header[257], "tsuar", 5);
    seal(header.data());
    append(bad_magic, header, "x");
    BOOST_TEST((list(bad_magic).last == lib::UstarResult::Corrupt));

    Bytes bad_size;
    header = make_header("file", 1, '0');
    std::memcpy(&header[124], "0000000009x", 11);
    seal(header.data());
    append(bad_size, header, "x");
    BOOST_TEST((list(bad_size).last == lib::UstarResult::Corrupt));

    Bytes bad_checksum_digits;
    header = make_header("file", 1, '0');
    std::memcpy(&header[148], "12a4567", 7);
    append(bad_checksum_digits, header, "x");
    BOOST_TEST((list(bad_checksum_digits).last == lib::UstarResult::Corrupt));
}

BOOST_AUTO_TEST_CASE(size_beyond_the_archive_is_corrupt) {
    Bytes archive;
    append(archive, make_header("big", 5000, '0'), std::string(1000, 'z')); // claims more than there is
    BOOST_TEST((list(archive).last == lib::UstarResult::Corrupt));
    std::string contents;
    BOOST_TEST(!find(archive, "big", contents));

    Bytes huge;
    append(huge, make_header("huge", 0, '0'), "");
    std::memcpy(&huge[124], "77777777777", 11); // 8 GiB - 1
    seal(huge.data());
    BOOST_TEST((list(huge).last == lib::UstarResult::Corrupt));
}

BOOST_AUTO_TEST_CASE(truncated_archives) {
    TarWorkspace tar;
    tar.write("first", std::string(600, 'f'));
    tar.write("second", std::string(700, 's'));
    Bytes archive = tar.archive("first second");

    Bytes inside_data(archive.begin(), archive.begin() + 512 + 300); // first file's data cut short
    BOOST_TEST((list(inside_data).last == lib::UstarResult::Corrupt));

    Bytes at_second_header(archive.begin(), archive.begin() + 3 * 512); // ends where "second" starts
    Listing listing = list(at_second_header);
    BOOST_TEST(listing.names == (std::vector<std::string>{"first"}), boost::test_tools::per_element());
    BOOST_TEST((listing.last == lib::UstarResult::End));

    Bytes inside_second(archive.begin(), archive.begin() + 4 * 512 + 100);
    listing = list(inside_second);
    BOOST_TEST(listing.names == (std::vector<std::string>{"first"}), boost::test_tools::per_element());
    BOOST_TEST((listing.last == lib::UstarResult::Corrupt));
}

// A ustar path may use all 155 prefix bytes and all 100 name bytes: 256 characters once joined.
BOOST_AUTO_TEST_CASE(longest_possible_path_is_reported_whole) {
    std::string prefix = std::string(154, 'p') + "q";
    std::string name = std::string(99, 'n') + "m";
    Bytes archive;
    append(archive, make_header(name, 2, '0', prefix), "ok");

    lib::UstarReader reader(host_test::view_of(archive));
    lib::UstarEntry entry;
    BOOST_REQUIRE((reader.next(entry) == lib::UstarResult::Entry));
    BOOST_REQUIRE_MESSAGE(std::memchr(entry.name, '\0', sizeof entry.name) != nullptr,
                          "UstarEntry::name is not NUL-terminated within its " << sizeof entry.name << " bytes");
    BOOST_TEST(std::string(entry.name) == prefix + "/" + name);
    BOOST_TEST(entry.contents.size == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
