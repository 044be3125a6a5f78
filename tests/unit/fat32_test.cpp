// userland/fs/fat32: volumes made by mkfs.fat, files exchanged with mtools, checked by fsck.fat -n:
// mount errors, round trips against a model, sparse writes, linear sequential access, names in
// both directions, full disks, replace, repeated calls, I/O errors and corrupt media.
// Power cuts and mount's repair: fat32_crash_test.cpp.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fat32_fixtures.hpp"

using namespace fat32_test;
using amber::fs::FileInfo;

namespace {

// mkfs.fat's smallest FAT32 volumes that mtools accepts (65525 clusters or more).
std::string image_512b_clusters(const Workspace& workspace) {
    std::string image = workspace.path("64m.img");
    make_image(image, 65536);
    return image;
}
std::string image_4k_clusters(const Workspace& workspace) {
    std::string image = workspace.path("272m.img");
    make_image(image, 272000, "-s 8");
    return image;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string read_range(Volume& volume, const std::string& name, uint64_t offset, size_t length, FsStatus& status) {
    std::string bytes(length, '\0');
    size_t done = 0;
    status = volume.fs.read(name.data(), name.size(), offset, bytes.data(), length, done);
    bytes.resize(done);
    return bytes;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fat32)

BOOST_AUTO_TEST_CASE(mount_rejects_other_file_systems) {
    Workspace workspace;
    std::string zeros = workspace.path("zeros.img");
    std::ofstream(zeros).close();
    std::filesystem::resize_file(zeros, 1 << 20);
    BOOST_TEST(Volume(zeros).mounted == FsStatus::NotFat32);
    std::string empty = workspace.path("empty.img");
    std::ofstream(empty).close();
    BOOST_TEST(Volume(empty).mounted == FsStatus::NotFat32);
    for (auto [type, kib] : {std::pair{12, 1024}, std::pair{16, 16384}}) {
        std::string image = workspace.path("fat" + std::to_string(type) + ".img");
        CommandResult made =
            run("mkfs.fat -F " + std::to_string(type) + " -C " + quote(image) + " " + std::to_string(kib));
        BOOST_REQUIRE(made.status == 0);
        BOOST_TEST(Volume(image).mounted == FsStatus::NotFat32, "FAT" << type);
    }

    static_assert(sizeof(Fat32) <= 11 * 1024, "fat32.hpp states the memory a Fat32 takes");
    Fat32 unmounted;
    FileInfo info{};
    size_t done = 0;
    BOOST_TEST(unmounted.stat("a", 1, info) == FsStatus::NotMounted);
    BOOST_TEST(unmounted.create("a", 1) == FsStatus::NotMounted);
    BOOST_TEST(unmounted.read("a", 1, 0, &info, 1, done) == FsStatus::NotMounted);
    BOOST_TEST(unmounted.replace("a", 1, "b", 1) == FsStatus::NotMounted);
    BOOST_TEST(unmounted.flush() == FsStatus::NotMounted);
    BOOST_TEST(unmounted.list([](const FileInfo&) { return true; }) == FsStatus::NotMounted);
    BOOST_TEST(unmounted.free_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(mount_rejects_corrupt_boot_sectors) {
    Workspace workspace;
    std::string pristine = small_image(workspace);
    struct Damage {
        const char* what;
        uint64_t offset;
        std::string bytes;
        FsStatus expected;
    };
    const Damage damages[] = {
        {"3 sectors per cluster", 13, std::string("\x03", 1), FsStatus::Corrupt},
        {"0 sectors per cluster", 13, std::string("\x00", 1), FsStatus::Corrupt},
        {"4096-byte sectors", 11, std::string("\x00\x10", 2), FsStatus::Unsupported},
        {"100-byte sectors", 11, std::string("\x64\x00", 2), FsStatus::Corrupt},
        {"no reserved sectors", 14, std::string("\x00\x00", 2), FsStatus::Corrupt},
        {"no FAT", 16, std::string("\x00", 1), FsStatus::Corrupt},
        {"FAT too small for the clusters", 36, std::string("\x01\x00\x00\x00", 4), FsStatus::Corrupt},
        {"FAT size 0", 36, std::string("\x00\x00\x00\x00", 4), FsStatus::Corrupt},
        {"FATs larger than the volume", 36, std::string("\x00\x00\x01\x00", 4), FsStatus::Corrupt},
        {"root cluster 0", 44, std::string("\x00\x00\x00\x00", 4), FsStatus::Corrupt},
        {"root cluster past the end", 44, std::string("\x00\x00\x10\x00", 4), FsStatus::Corrupt},
        {"version 1.0", 42, std::string("\x00\x01", 2), FsStatus::Unsupported},
        {"no boot signature", 510, std::string("\x00\x00", 2), FsStatus::NotFat32},
        {"FAT16 size field set", 22, std::string("\x10\x00", 2), FsStatus::NotFat32},
        {"active FAT 5 of 2, no mirroring", 40, std::string("\x85\x00", 2), FsStatus::Corrupt},
    };
    for (const Damage& damage : damages) {
        std::string image = workspace.path("damaged.img");
        std::filesystem::copy_file(pristine, image, std::filesystem::copy_options::overwrite_existing);
        poke(image, damage.offset, damage.bytes);
        BOOST_TEST(Volume(image).mounted == damage.expected, damage.what);
    }
    BOOST_TEST(Volume(pristine).mounted == FsStatus::Ok);

    std::set<std::string> messages;
    for (int s = 0; s <= static_cast<int>(FsStatus::NotMounted); ++s) {
        std::string message = describe(static_cast<FsStatus>(s));
        BOOST_TEST(message.size() > 5u);
        messages.insert(message);
    }
    BOOST_TEST(messages.size() == static_cast<size_t>(FsStatus::NotMounted) + 1);
}

BOOST_AUTO_TEST_CASE(mount_rejects_a_truncated_device) {
    Workspace workspace;
    std::string image = small_image(workspace);
    std::filesystem::resize_file(image, 2 << 20);
    BOOST_TEST(Volume(image).mounted == FsStatus::DeviceTooSmall);
    std::filesystem::resize_file(image, 511);
    BOOST_TEST(Volume(image).mounted == FsStatus::NotFat32);
}

// Random writes (overwrites, appends, writes past the end), truncations and reads, each checked
// against a model of the files, then the files checked through mtools and fsck.fat.
BOOST_AUTO_TEST_CASE(random_writes_and_reads_match_a_model) {
    Workspace workspace;
    std::string image = image_4k_clusters(workspace);
    std::vector<std::string> names = {"alpha.bin", "BETA.DAT", "a somewhat longer name.img"};
    std::vector<std::string> model(names.size());
    std::mt19937 random(7);
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        for (const std::string& name : names) BOOST_REQUIRE(volume.create(name) == FsStatus::Ok);
        for (int step = 0; step < 400; ++step) {
            size_t file = random() % names.size();
            std::string& contents = model[file];
            uint32_t choice = random() % 20;
            if (choice == 0) {
                BOOST_REQUIRE(volume.create(names[file]) == FsStatus::Ok);
                contents.clear();
            } else if (choice < 12) {
                size_t offset = random() % (contents.size() + 9000);
                size_t length = random() % 2 ? random() % 600 : random() % 20000;
                std::string data = random_bytes(length, random());
                BOOST_REQUIRE(volume.write(names[file], offset, data) == FsStatus::Ok);
                if (length > 0) {
                    contents.resize(std::max(contents.size(), offset + length), '\0');
                    contents.replace(offset, length, data);
                }
            } else {
                size_t offset = random() % (contents.size() + 100);
                size_t length = random() % 15000;
                FsStatus status;
                std::string bytes = read_range(volume, names[file], offset, length, status);
                BOOST_REQUIRE(status == FsStatus::Ok);
                std::string expected = offset < contents.size() ? contents.substr(offset, length) : "";
                BOOST_REQUIRE_MESSAGE(bytes == expected, "step " << step << " read " << offset << "+" << length);
            }
        }
        BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    }
    Volume volume(image);
    BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
    for (size_t i = 0; i < names.size(); ++i) {
        std::string contents;
        BOOST_TEST(volume.get(names[i], contents) == FsStatus::Ok);
        BOOST_TEST((contents == model[i]), names[i]);
        BOOST_TEST(mtools_get(image, names[i], contents));
        BOOST_TEST((contents == model[i]), names[i] << " through mtools");
    }
    check_fsck(image);
}

// A write past the end reads back zeros in between, even in clusters that held another file.
BOOST_FIXTURE_TEST_CASE(gaps_read_as_zeros_in_reused_clusters, SmallVolume) {
    BOOST_REQUIRE(volume.put("junk", std::string(40000, '\xAA')) == FsStatus::Ok);
    BOOST_REQUIRE(volume.create("junk") == FsStatus::Ok); // frees its clusters
    BOOST_REQUIRE(volume.create("sparse") == FsStatus::Ok);
    BOOST_REQUIRE(volume.write("sparse", 10001, "x") == FsStatus::Ok);
    BOOST_REQUIRE(volume.write("sparse", 30000, "yz") == FsStatus::Ok);
    std::string expected(30002, '\0');
    expected[10001] = 'x';
    expected.replace(30000, 2, "yz");
    std::string contents;
    BOOST_TEST(volume.get("sparse", contents) == FsStatus::Ok);
    BOOST_TEST((contents == expected));
    FsStatus status;
    BOOST_TEST(read_range(volume, "sparse", 29999, 100, status) == std::string("\0yz", 3));
    BOOST_TEST(read_range(volume, "sparse", 30002, 100, status).empty());
    BOOST_TEST(read_range(volume, "sparse", 1u << 31, 100, status).empty());
    BOOST_TEST(volume.write("sparse", 0xFFFFFFFF, "x") == FsStatus::TooLarge);
    BOOST_TEST(volume.write("sparse", 0xFFFFFFFE, "x") == FsStatus::NoSpace);
    BOOST_TEST(volume.write("sparse", 5, "") == FsStatus::Ok);
    flush_and_check(volume, image);
}

// 8 MiB in 64 KiB pieces on 512-byte clusters (16384 of them, 16 windows of the FAT): every call
// continues from the remembered position, so the second half costs what the first half did.
BOOST_AUTO_TEST_CASE(sequential_access_is_linear) {
    Workspace workspace;
    std::string image = image_512b_clusters(workspace);
    const size_t piece = 64 << 10;
    const size_t pieces = 128;
    const size_t windows = piece * pieces / 512 / 1024;
    std::string data = random_bytes(piece * pieces, 3);
    Volume volume(image);
    BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
    uint64_t free_before = volume.fs.free_bytes();
    BOOST_REQUIRE(volume.create("big.img") == FsStatus::Ok);
    struct Cost {
        uint64_t reads, writes, sectors;
    } half[2];
    for (int h = 0; h < 2; ++h) {
        Cost start = {volume.device.reads, volume.device.writes, volume.device.written_sectors};
        for (size_t i = h * pieces / 2; i < (h + 1) * pieces / 2; ++i) {
            BOOST_REQUIRE(volume.write("big.img", i * piece, data.substr(i * piece, piece)) == FsStatus::Ok);
        }
        half[h] = {volume.device.reads - start.reads, volume.device.writes - start.writes,
                   volume.device.written_sectors - start.sectors};
    }
    BOOST_TEST(half[1].reads <= half[0].reads + 4);
    BOOST_TEST(half[1].writes <= half[0].writes + 12);
    // Per piece: the data in one request, the new chain and then its link in both FATs, the entry;
    // per window of the FAT a few more (the chain crosses into the next window).
    BOOST_TEST(half[0].reads + half[1].reads <= windows * 6 + 4);
    BOOST_TEST(half[0].writes + half[1].writes <= pieces * 6 + windows * 12);
    BOOST_TEST(half[0].sectors + half[1].sectors <= pieces * (piece / 512 + 8));
    BOOST_TEST(volume.fs.free_bytes() == free_before - data.size());

    uint64_t reads = volume.device.reads;
    std::string back(data.size(), '\0');
    for (size_t i = 0; i < pieces; ++i) {
        size_t done = 0;
        BOOST_REQUIRE(volume.fs.read("big.img", 7, i * piece, &back[i * piece], piece, done) == FsStatus::Ok);
        BOOST_REQUIRE(done == piece);
    }
    BOOST_TEST(volume.device.reads - reads <= pieces + windows + 2); // one request a piece
    BOOST_TEST((back == data));
    BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    std::string copied;
    BOOST_TEST(mtools_get(image, "big.img", copied));
    BOOST_TEST((copied == data));
    check_fsck(image);
}

BOOST_AUTO_TEST_CASE(names_written_here_are_read_by_mtools) {
    Workspace workspace;
    std::string image = image_512b_clusters(workspace);
    const std::vector<std::string> names = {"counter.img",
                                            "UPPER.TXT",
                                            "A long name with spaces.data",
                                            "multi.dot.name.tar.gz",
                                            "r\xC3\xA9sum\xC3\xA9.txt",
                                            "Mixed.Ext",
                                            std::string(255, 'n')};
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        for (size_t i = 0; i < names.size(); ++i) {
            BOOST_REQUIRE(volume.put(names[i], "contents of " + std::to_string(i)) == FsStatus::Ok);
        }
        BOOST_TEST(volume.names() == names, boost::test_tools::per_element());
        BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    }
    std::string listing = mtools_dir(image);
    BOOST_TEST_MESSAGE(listing);
    for (size_t i = 0; i < names.size(); ++i) {
        if (i != 1) BOOST_TEST(listing.find(names[i]) != std::string::npos, names[i]);
        std::string contents;
        BOOST_TEST(mtools_get(image, names[i], contents), names[i]);
        BOOST_TEST(contents == "contents of " + std::to_string(i));
    }
    BOOST_TEST(listing.find("UPPER    TXT") != std::string::npos);
    BOOST_TEST(listing.find("COUNTER  IMG") != std::string::npos); // short name of the long "counter.img"
    check_fsck(image);
}

BOOST_AUTO_TEST_CASE(names_written_by_mtools_are_found_here) {
    Workspace workspace;
    std::string image = image_4k_clusters(workspace);
    const std::vector<std::string> names = {"hostfile.img", "Host Long Name.bin", "UP.BIN",
                                            "Gr\xC3\xBC\xC3\x9F"
                                            "e long name.txt",
                                            "lower.longext"};
    for (size_t i = 0; i < names.size(); ++i) mtools_put(image, names[i], std::string(5000 + i, 'a' + i));
    Volume volume(image);
    BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
    std::vector<std::string> listed = volume.names();
    for (size_t i = 0; i < names.size(); ++i) {
        BOOST_TEST(contains(listed, names[i]), names[i]);
        std::string upper = names[i];
        for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
        for (const std::string& name : {names[i], upper}) {
            std::string contents;
            BOOST_TEST(volume.get(name, contents) == FsStatus::Ok, name);
            BOOST_TEST((contents == std::string(5000 + i, 'a' + i)), name);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(lookup_ignores_case_and_knows_short_aliases, SmallVolume) {
    BOOST_REQUIRE(volume.put("Counter.IMG", "one") == FsStatus::Ok);
    FileInfo info{};
    BOOST_TEST(volume.fs.stat("COUNTER.img", 11, info) == FsStatus::Ok);
    BOOST_TEST(std::string(info.name) == "Counter.IMG");
    BOOST_TEST(info.size == 3u);
    BOOST_TEST(volume.create("counter.img") == FsStatus::Ok); // the same file, truncated
    BOOST_TEST(volume.names() == std::vector<std::string>{"Counter.IMG"}, boost::test_tools::per_element());
    BOOST_REQUIRE(volume.put("Long File Name.txt", "two") == FsStatus::Ok);
    std::string contents;
    BOOST_TEST(volume.get("longfi~1.txt", contents) == FsStatus::Ok);
    BOOST_TEST(contents == "two");
    BOOST_TEST(volume.get("LONG FILE NAME.TXT", contents) == FsStatus::Ok);
    BOOST_TEST(volume.get("Long File Name.tx", contents) == FsStatus::NotFound);
}

// Many long names with the same start: unique generated 8.3 names and correct checksums (mtools
// shows a long name only if its checksum matches; fsck.fat reports duplicate names).
BOOST_AUTO_TEST_CASE(generated_short_names_are_unique) {
    Workspace workspace;
    std::string image = image_512b_clusters(workspace);
    std::vector<std::string> names;
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        for (int i = 0; i < 40; ++i) {
            names.push_back("checkpoint image " + std::to_string(i) + ".bin");
            BOOST_REQUIRE(volume.put(names.back(), names.back()) == FsStatus::Ok);
        }
        BOOST_REQUIRE(volume.put("checkpoint image.bin", "x") == FsStatus::Ok);
        BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    }
    std::string listing = mtools_dir(image);
    for (const std::string& name : names) BOOST_TEST(listing.find(name) != std::string::npos, name);
    BOOST_TEST(listing.find("CHECKP~1 BIN") != std::string::npos);
    BOOST_TEST(listing.find("CHECK~10 BIN") != std::string::npos);
    BOOST_TEST(listing.find("CHECK~41 BIN") != std::string::npos);
    check_fsck(image);
}

BOOST_FIXTURE_TEST_CASE(invalid_names_are_refused, SmallVolume) {
    const std::vector<std::string> invalid = {"",
                                              "a/b",
                                              "/a",
                                              "a\\b",
                                              ".",
                                              "..",
                                              "name.",
                                              "name ",
                                              "a*b",
                                              "a?b",
                                              "a:b",
                                              "a<b",
                                              "a|b",
                                              "a\"b",
                                              std::string("a\0b", 3),
                                              "tab\there",
                                              std::string(256, 'x'),
                                              "\xC3",
                                              "\xC0\xAF",
                                              "\xED\xA0\x80",
                                              std::string(64, '\xF0') /* bad UTF-8 */,
                                              std::string(86, 'x') + "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC" +
                                                  std::string(84, '\xF0')};
    for (const std::string& name : invalid) {
        BOOST_TEST(volume.create(name) == FsStatus::InvalidName, name);
        BOOST_TEST(volume.write(name, 0, "x") == FsStatus::InvalidName);
        BOOST_TEST(volume.remove(name) == FsStatus::InvalidName);
        BOOST_TEST(volume.replace(name, "ok") == FsStatus::InvalidName);
    }
    BOOST_TEST(volume.create(std::string(255, 'x')) == FsStatus::Ok);
    BOOST_TEST(volume.create("emoji \xF0\x9F\x98\x80 name") == FsStatus::Ok);
    BOOST_TEST(volume.create(".hidden") == FsStatus::Ok);
    BOOST_TEST(volume.replace(".hidden", "bad/name") == FsStatus::InvalidName);
    BOOST_TEST(contains(volume.names(), "emoji \xF0\x9F\x98\x80 name"));
    BOOST_TEST(contains(volume.names(), ".hidden"));
    flush_and_check(volume, image);
}

// Writes until NoSpace (all or nothing: the file keeps its size), then removing frees it all.
BOOST_FIXTURE_TEST_CASE(filling_the_disk_then_freeing, SmallVolume) {
    const uint64_t empty = volume.fs.free_bytes();
    BOOST_TEST(empty > 3'000'000u);
    BOOST_REQUIRE(volume.create("fill") == FsStatus::Ok);
    std::string piece = random_bytes(100'000, 5);
    uint64_t size = 0;
    FsStatus status;
    while ((status = volume.write("fill", size, piece)) == FsStatus::Ok) size += piece.size();
    BOOST_TEST(status == FsStatus::NoSpace);
    FileInfo info{};
    BOOST_TEST(volume.fs.stat("fill", 4, info) == FsStatus::Ok);
    BOOST_TEST(info.size == size);
    while (volume.write("fill", size, "0123456789") == FsStatus::Ok) size += 10;
    BOOST_TEST(volume.fs.free_bytes() == 0u);
    BOOST_TEST(volume.create("another") == FsStatus::Ok); // the directory has room
    BOOST_TEST(volume.write("another", 0, "x") == FsStatus::NoSpace);
    flush_and_check(volume, image);

    BOOST_TEST(volume.remove("fill") == FsStatus::Ok);
    BOOST_TEST(volume.fs.free_bytes() == empty);
    BOOST_TEST(volume.write("another", 0, piece) == FsStatus::Ok);
    std::string contents;
    BOOST_TEST(volume.get("another", contents) == FsStatus::Ok);
    BOOST_TEST((contents == piece));
    flush_and_check(volume, image);
    BOOST_TEST(Volume(image).fs.free_bytes() == empty - 49 * 2048); // from FSInfo: 100000 bytes in use
}

// The root directory grows by clusters as entries are added (64 entries a cluster here).
BOOST_AUTO_TEST_CASE(the_root_directory_grows) {
    Workspace workspace;
    std::string image = small_image(workspace);
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        for (int i = 0; i < 150; ++i) {
            BOOST_REQUIRE(volume.put("a rather long file name number " + std::to_string(i), std::to_string(i)) ==
                          FsStatus::Ok);
        }
        for (int i = 0; i < 150; i += 3)
            BOOST_REQUIRE(volume.remove("a rather long file name number " + std::to_string(i)) == FsStatus::Ok);
        BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    }
    Volume volume(image);
    BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
    BOOST_TEST(volume.names().size() == 100u);
    std::string contents;
    BOOST_TEST(volume.get("A RATHER LONG FILE NAME NUMBER 149", contents) == FsStatus::Ok);
    BOOST_TEST(contents == "149");
    check_fsck(image);
}

BOOST_AUTO_TEST_CASE(replace_over_an_existing_file_and_to_a_new_name) {
    Workspace workspace;
    std::string image = image_512b_clusters(workspace);
    CommandResult made = run("mmd -i " + quote(image) + " ::somedir");
    BOOST_REQUIRE_MESSAGE(made.status == 0, made.output);
    std::string old_data = random_bytes(3000, 1);
    std::string new_data = random_bytes(5000, 2);
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        BOOST_REQUIRE(volume.put("state.img", old_data) == FsStatus::Ok);
        BOOST_REQUIRE(volume.put("state.img.tmp", new_data) == FsStatus::Ok);
        uint64_t free_before = volume.fs.free_bytes();
        BOOST_TEST(volume.replace("state.img.tmp", "state.img") == FsStatus::Ok);
        BOOST_TEST(volume.fs.free_bytes() == free_before + 3072); // the old file's 6 clusters
        std::string contents;
        BOOST_TEST(volume.get("state.img", contents) == FsStatus::Ok);
        BOOST_TEST((contents == new_data));
        BOOST_TEST(volume.get("state.img.tmp", contents) == FsStatus::NotFound);
        BOOST_TEST(volume.replace("state.img.tmp", "state.img") == FsStatus::NotFound); // a repeated request
        BOOST_TEST(volume.get("state.img", contents) == FsStatus::Ok);
        BOOST_TEST((contents == new_data));

        BOOST_REQUIRE(volume.put("x.tmp", old_data) == FsStatus::Ok);
        BOOST_TEST(volume.replace("x.tmp", "A brand new name.img") == FsStatus::Ok);
        BOOST_TEST(volume.get("a brand new name.img", contents) == FsStatus::Ok);
        BOOST_TEST((contents == old_data));
        BOOST_TEST(volume.replace("state.img", "STATE.IMG") == FsStatus::Ok); // the same file
        BOOST_TEST(volume.replace("state.img", "somedir") == FsStatus::Exists);
        BOOST_TEST(volume.replace("somedir", "other") == FsStatus::NotAFile);
        BOOST_TEST(volume.create("somedir") == FsStatus::Exists);
        BOOST_TEST(volume.remove("somedir") == FsStatus::NotAFile);
        BOOST_TEST(volume.names() == (std::vector<std::string>{"somedir", "state.img", "A brand new name.img"}),
                   boost::test_tools::per_element());
        BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    }
    std::string contents;
    BOOST_TEST(mtools_get(image, "state.img", contents));
    BOOST_TEST((contents == new_data));
    BOOST_TEST(mtools_get(image, "A brand new name.img", contents));
    BOOST_TEST((contents == old_data));
    BOOST_TEST(!mtools_get(image, "x.tmp", contents));
    check_fsck(image);
}

// The IPC may deliver a request twice: the second leaves the same files.
BOOST_FIXTURE_TEST_CASE(repeated_requests_leave_the_same_state, SmallVolume) {
    std::string data = random_bytes(7000, 9);
    for (int round = 0; round < 2; ++round) {
        BOOST_TEST(volume.create("f") == FsStatus::Ok);
        BOOST_TEST(volume.create("g") == FsStatus::Ok);
    }
    uint64_t free_before = volume.fs.free_bytes();
    for (int round = 0; round < 2; ++round) {
        BOOST_TEST(volume.write("f", 1000, data) == FsStatus::Ok);
        BOOST_TEST(volume.write("g", 0, "g") == FsStatus::Ok);
    }
    BOOST_TEST(volume.fs.free_bytes() == free_before - 5 * 2048);
    std::string contents;
    BOOST_TEST(volume.get("f", contents) == FsStatus::Ok);
    BOOST_TEST((contents == std::string(1000, '\0') + data));
    BOOST_TEST(volume.remove("g") == FsStatus::Ok);
    BOOST_TEST(volume.remove("g") == FsStatus::NotFound);
    BOOST_TEST(volume.names() == std::vector<std::string>{"f"}, boost::test_tools::per_element());
    BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    flush_and_check(volume, image);
}

// Every call fails cleanly when the device fails at any request; a new mount then repairs.
BOOST_AUTO_TEST_CASE(device_errors_are_reported_and_repaired) {
    Workspace workspace;
    std::string pristine = image_with(workspace, {{"old", random_bytes(6000, 4)}});
    std::string image = workspace.path("failing.img");
    for (uint64_t requests = 0;; ++requests) {
        std::filesystem::copy_file(pristine, image, std::filesystem::copy_options::overwrite_existing);
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        volume.device.fail_after = volume.device.reads + volume.device.writes + requests;
        FsStatus status = volume.put("new file.bin", random_bytes(9000, 5));
        if (status == FsStatus::Ok) status = volume.replace("new file.bin", "old");
        if (status == FsStatus::Ok) status = volume.fs.flush();
        if (status == FsStatus::Ok) break;
        BOOST_TEST(status == FsStatus::IoError, "after " << requests << " requests");
        BOOST_TEST(Volume(image).mounted == FsStatus::Ok);
        check_fsck(image);
    }
    FileDevice dead(pristine);
    dead.fail_after = 0;
    Fat32 fs;
    BOOST_TEST(fs.mount(dead) == FsStatus::IoError);
}

BOOST_AUTO_TEST_SUITE_END()
