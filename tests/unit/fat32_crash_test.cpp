// userland/fs/fat32 under failure: a power cut after every sector write of "write a new file,
// replace the old one", a cut during mount's repair, mount's repair of hand-made leftovers, and
// corrupt media (which must give Corrupt, not a crash or an endless loop).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "fat32_fixtures.hpp"

using namespace fat32_test;

namespace {

namespace fs = std::filesystem;

const std::string target = "checkpoint.img";
const std::string temporary = "checkpoint.img.tmp";

void copy_image(const std::string& from, const std::string& to) {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

// What the checkpoint service does: write the new image in pieces (whole clusters in one request,
// partial sectors), flush, replace the old image, flush. Stops at the first error.
void write_and_replace(BlockDevice& device, const std::string& data) {
    Fat32 volume;
    if (volume.mount(device) != FsStatus::Ok) return;
    const size_t cuts[] = {0, 4096, 4196, 7000, data.size()};
    FsStatus status = volume.create(temporary.data(), temporary.size());
    for (size_t i = 0; i + 1 < std::size(cuts) && status == FsStatus::Ok; ++i) {
        status =
            volume.write(temporary.data(), temporary.size(), cuts[i], data.data() + cuts[i], cuts[i + 1] - cuts[i]);
    }
    if (status == FsStatus::Ok) status = volume.flush();
    if (status == FsStatus::Ok)
        status = volume.replace(temporary.data(), temporary.size(), target.data(), target.size());
    if (status == FsStatus::Ok) volume.flush();
}

struct Outcomes {
    int old_state = 0;
    int new_state = 0;
};

// After a cut: a fresh mount succeeds, the target is the complete old or new file, the other file
// is intact, the temporary is gone once the target is new, and fsck.fat finds nothing.
void check_state(const std::string& image, const std::string* old_data, const std::string& new_data,
                 const std::string& other, Outcomes& outcomes, const std::string& context) {
    Volume volume(image);
    BOOST_REQUIRE_MESSAGE(volume.mounted == FsStatus::Ok, context << ": " << volume.mounted);
    std::string contents;
    FsStatus status = volume.get(target, contents);
    bool is_new = status == FsStatus::Ok && contents == new_data;
    bool is_old = old_data ? status == FsStatus::Ok && contents == *old_data : status == FsStatus::NotFound;
    BOOST_TEST((is_new || is_old), context << ": target " << status << ", " << contents.size() << " bytes");
    outcomes.new_state += is_new;
    outcomes.old_state += is_old;
    BOOST_TEST(volume.get("other.bin", contents) == FsStatus::Ok, context);
    BOOST_TEST((contents == other), context);
    if (is_new) BOOST_TEST(volume.get(temporary, contents) == FsStatus::NotFound, context);
    for (const std::string& name : volume.names()) {
        bool expected = name == target || name == temporary || name == "other.bin" || name.rfind("FILL", 0) == 0;
        BOOST_TEST(expected, context << ": " << name);
    }
    for (const std::string& finding : fsck_findings(image)) BOOST_ERROR(context << ": fsck.fat: " << finding);
}

// Cuts the power after every number of sector writes the whole sequence makes. `fillers` 8.3
// files placed first shift the entries so that long-name sets straddle two directory sectors.
void cut_everywhere(bool target_exists, int fillers) {
    Workspace workspace;
    const std::string old_data = random_bytes(5000, 11);
    const std::string new_data = random_bytes(9000, 12);
    const std::string other = random_bytes(3000, 13);
    std::vector<std::pair<std::string, std::string>> files = {{"other.bin", other}};
    if (target_exists) files.emplace_back(target, old_data);
    for (int i = 0; i < fillers; ++i) files.emplace_back("FILL" + std::to_string(i), "");
    std::string base = image_with(workspace, files);
    std::string image = workspace.path("cut.img");
    copy_image(base, image);
    uint64_t total = 0;
    {
        FileDevice device(image);
        CutDevice counting(device, ~uint64_t{0});
        write_and_replace(counting, new_data);
        total = counting.written;
    }
    Outcomes outcomes;
    check_state(image, nullptr, new_data, other, outcomes, "without a cut");
    BOOST_REQUIRE(outcomes.new_state == 1);
    BOOST_TEST_MESSAGE("the sequence writes " << total << " sectors");
    outcomes = {};
    for (uint64_t limit = 0; limit < total; ++limit) {
        copy_image(base, image);
        {
            FileDevice device(image);
            CutDevice cut(device, limit);
            write_and_replace(cut, new_data);
        }
        check_state(image, target_exists ? &old_data : nullptr, new_data, other, outcomes,
                    "cut after " + std::to_string(limit) + " sectors");
    }
    BOOST_TEST(outcomes.old_state > 10);
    BOOST_TEST(outcomes.new_state > 2);
}

struct Entry {
    uint64_t offset; // of the 32-byte entry in the image
    std::string bytes;
};

// The entries of the root directory's first cluster, up to the end mark.
std::vector<Entry> root_entries(const std::string& image) {
    Layout layout = read_layout(image);
    std::vector<Entry> entries;
    for (uint64_t offset = layout.cluster_offset(layout.root_cluster);
         offset < layout.cluster_offset(layout.root_cluster) + layout.cluster_bytes; offset += 32) {
        std::string bytes = peek(image, offset, 32);
        if (bytes[0] == 0) break;
        entries.push_back({offset, bytes});
    }
    return entries;
}

Entry short_entry(const std::string& image, const std::string& short_name) {
    for (const Entry& entry : root_entries(image)) {
        if (entry.bytes.compare(0, 11, short_name) == 0) return entry;
    }
    BOOST_FAIL("no entry " << short_name);
    return {};
}

uint32_t first_cluster(const Entry& entry) {
    auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(entry.bytes[i])); };
    return (byte(21) << 24 | byte(20) << 16 | byte(27) << 8 | byte(26));
}

// Clears the clean-shutdown bit, as a cut in the middle of a change leaves it.
void mark_unclean(const std::string& image) { set_fat(image, 1, get_fat(image, 1) & ~0x08000000u); }

} // namespace

BOOST_AUTO_TEST_SUITE(fat32_crash)

// Entries: other.bin 2, checkpoint.img 3, the temporary 3 (a long entry per 13 characters and
// the short entry), 16 to a sector: 10 (or 13) fillers put the temporary at entries 15 to 17.
BOOST_AUTO_TEST_CASE(replace_over_a_file_survives_a_cut_at_every_sector) {
    cut_everywhere(true, 0);
    cut_everywhere(true, 10);
}

BOOST_AUTO_TEST_CASE(replace_to_a_new_name_survives_a_cut_at_every_sector) {
    cut_everywhere(false, 0);
    cut_everywhere(false, 13);
}

// A cut while mount repairs the leftovers of a cut: the next mount finishes the repair.
BOOST_AUTO_TEST_CASE(a_cut_during_repair_is_repaired_by_the_next_mount) {
    Workspace workspace;
    const std::string old_data = random_bytes(5000, 21);
    const std::string new_data = random_bytes(9000, 22);
    const std::string other = random_bytes(100, 23);
    std::string base = image_with(workspace, {{target, old_data}, {"other.bin", other}});
    std::string cut_image = workspace.path("cut.img");
    std::string image = workspace.path("repair.img");
    Outcomes outcomes;
    int repairs = 0;
    for (uint64_t limit = 1; limit < 80; limit += 3) {
        copy_image(base, cut_image);
        {
            FileDevice device(cut_image);
            CutDevice cut(device, limit);
            write_and_replace(cut, new_data);
        }
        uint64_t repair_sectors = 0;
        {
            copy_image(cut_image, image);
            Volume volume(image);
            repair_sectors = volume.device.written_sectors;
        }
        repairs += repair_sectors > 0;
        for (uint64_t second : {uint64_t{0}, repair_sectors / 3, repair_sectors * 2 / 3, repair_sectors - 1}) {
            if (second >= repair_sectors) continue;
            copy_image(cut_image, image);
            {
                FileDevice device(image);
                CutDevice cut(device, second);
                Fat32 volume;
                (void)volume.mount(cut);
            }
            check_state(image, &old_data, new_data, other, outcomes,
                        "cut after " + std::to_string(limit) + ", then after " + std::to_string(second));
        }
    }
    BOOST_TEST(repairs > 10);
}

BOOST_AUTO_TEST_CASE(mount_removes_long_name_entries_without_their_file) {
    Workspace workspace;
    std::string image = image_with(workspace, {{"a long file name.bin", "data"}, {"SHORT.BIN", "short"}});
    std::vector<Entry> entries = root_entries(image);
    BOOST_REQUIRE(entries.size() == 4u); // 2 long entries, 2 short entries
    // A long entry left alone after the end, and the file's short entry gone (a cut in remove()).
    poke(image, entries.back().offset + 32, entries[0].bytes);
    poke(image, entries[2].offset, "\xE5");
    BOOST_TEST(!fsck_findings(image).empty());
    Volume volume(image);
    BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
    BOOST_TEST(volume.names() == std::vector<std::string>{"SHORT.BIN"}, boost::test_tools::per_element());
    flush_and_check(volume, image);
}

// A marked replace source that shares its data with another entry is the half-done replace's
// source: it goes. A marked entry that shares nothing keeps its file and loses the mark.
BOOST_AUTO_TEST_CASE(mount_finishes_or_forgets_an_interrupted_replace) {
    Workspace workspace;
    std::string image = image_with(workspace, {{"SOURCE.BIN", std::string(5000, 's')},
                                               {"TARGET.BIN", std::string(3000, 't')},
                                               {"ALONE.BIN", std::string(100, 'a')}});
    Entry source = short_entry(image, "SOURCE  BIN");
    Entry target_entry = short_entry(image, "TARGET  BIN");
    uint32_t old_target_data = first_cluster(target_entry);
    std::string pointed = target_entry.bytes;
    pointed.replace(20, 2, source.bytes.substr(20, 2));
    pointed.replace(26, 6, source.bytes.substr(26, 6));
    poke(image, target_entry.offset, pointed);
    poke(image, source.offset + 13, "\xFA");
    poke(image, short_entry(image, "ALONE   BIN").offset + 13, "\xFA");
    mark_unclean(image);
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        std::string contents;
        BOOST_TEST(volume.get("TARGET.BIN", contents) == FsStatus::Ok);
        BOOST_TEST((contents == std::string(5000, 's')));
        BOOST_TEST(volume.get("SOURCE.BIN", contents) == FsStatus::NotFound);
        BOOST_TEST(volume.get("ALONE.BIN", contents) == FsStatus::Ok);
        BOOST_TEST((contents == std::string(100, 'a')));
    }
    BOOST_TEST(short_entry(image, "ALONE   BIN").bytes[13] == 0);
    BOOST_TEST(get_fat(image, old_target_data) == 0u); // the old target's clusters were reclaimed
    check_fsck(image);
}

// After an unclean shutdown: FAT copies that differ, a chain longer than its file, clusters no
// entry reaches (in several windows of the sweep), but files in subdirectories are kept.
BOOST_AUTO_TEST_CASE(mount_repairs_the_fat_after_an_unclean_shutdown) {
    Workspace workspace;
    std::string image = workspace.path("64m.img");
    make_image(image, 65536);
    CommandResult made = run("mmd -i " + quote(image) + " ::a ::a/b ::a/b/c");
    BOOST_REQUIRE_MESSAGE(made.status == 0, made.output);
    const std::string deep = random_bytes(3000, 31);
    const std::string file = random_bytes(2000, 32);
    mtools_put(image, "a/b/c/deep.bin", deep);
    mtools_put(image, "a/top.bin", file);
    uint64_t free_before = 0;
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.put("FILE.BIN", file) == FsStatus::Ok);
        BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
        free_before = volume.fs.free_bytes();
    }
    uint32_t last = first_cluster(short_entry(image, "FILE    BIN")) + 3;
    BOOST_REQUIRE(get_fat(image, last) >= 0x0FFFFFF8u);
    set_fat(image, last, 100000); // the chain goes on past the file's 4 clusters
    set_fat(image, 100000, 0x0FFFFFFF);
    set_fat(image, 70000, 70001); // a chain no entry reaches
    set_fat(image, 70001, 0x0FFFFFFF);
    set_fat(image, 120000, 0x0FFFFFFF, false); // in the first FAT only
    mark_unclean(image);
    BOOST_TEST(fsck_findings(image).size() > 3u);
    {
        Volume volume(image);
        BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
        BOOST_TEST(volume.fs.free_bytes() == free_before);
        std::string contents;
        BOOST_TEST(volume.get("FILE.BIN", contents) == FsStatus::Ok);
        BOOST_TEST((contents == file));
    }
    check_fsck(image);
    std::string contents;
    BOOST_TEST(mtools_get(image, "a/b/c/deep.bin", contents));
    BOOST_TEST((contents == deep));
    BOOST_TEST(mtools_get(image, "a/top.bin", contents));
    BOOST_TEST((contents == file));
}

// Directories nested deeper than the sweep follows: nothing is freed (the documented leak).
BOOST_AUTO_TEST_CASE(lost_clusters_stay_when_the_tree_is_too_deep) {
    Workspace workspace;
    std::string image = workspace.path("64m.img");
    make_image(image, 65536);
    std::string path;
    for (int depth = 1; depth <= 10; ++depth) {
        path += "/d" + std::to_string(depth);
        CommandResult made = run("mmd -i " + quote(image) + " " + quote("::" + path));
        BOOST_REQUIRE_MESSAGE(made.status == 0, made.output);
    }
    const std::string deep = random_bytes(1500, 41);
    mtools_put(image, path.substr(1) + "/deep.bin", deep);
    set_fat(image, 90000, 0x0FFFFFFF);
    mark_unclean(image);
    BOOST_TEST(Volume(image).mounted == FsStatus::Ok);
    std::string contents;
    BOOST_TEST(mtools_get(image, path.substr(1) + "/deep.bin", contents));
    BOOST_TEST((contents == deep));
    for (const std::string& finding : fsck_findings(image)) {
        bool lost = finding.find("Reclaimed 1 unused cluster") != std::string::npos ||
                    finding.find("Free cluster summary wrong") != std::string::npos ||
                    finding.find("Auto-correcting") != std::string::npos ||
                    finding.find("Leaving filesystem unchanged") != std::string::npos || finding == "exit status 1";
        BOOST_TEST(lost, finding);
    }
}

BOOST_AUTO_TEST_CASE(corrupt_chains_give_corrupt, *boost::unit_test::timeout(120)) {
    Workspace workspace;
    const std::string data = random_bytes(10000, 51); // 5 clusters
    std::string base = image_with(workspace, {{"F.BIN", data}, {"G.BIN", "intact"}});
    Entry entry = short_entry(base, "F       BIN");
    uint32_t first = first_cluster(entry);
    struct Damage {
        const char* what;
        uint32_t cluster; // FAT entry to set, or 0: poke the directory entry
        uint32_t value;
        size_t field;
        std::string bytes;
    };
    const Damage damages[] = {
        {"a loop after the last cluster", first + 4, first, 0, ""},
        {"a loop inside the file", first + 2, first + 1, 0, ""},
        {"a free cluster in the chain", first + 1, 0, 0, ""},
        {"a bad cluster in the chain", first + 1, 0x0FFFFFF7, 0, ""},
        {"a reserved value in the chain", first + 1, 0x0FFFFFF0, 0, ""},
        {"a cluster past the volume", first + 1, 0x00100000, 0, ""},
        {"a chain shorter than the size", 0, 0, 28, std::string("\x00\x00\x01\x00", 4)},
        {"first cluster past the volume", 0, 0, 20, std::string("\x00\x01", 2)},
        {"first cluster 1", 0, 0, 26, std::string("\x01\x00", 2)},
        {"no first cluster but a size", 0, 0, 26, std::string("\x00\x00", 2)},
    };
    std::string image = workspace.path("damaged.img");
    for (const Damage& damage : damages) {
        copy_image(base, image);
        if (damage.cluster != 0) set_fat(image, damage.cluster, damage.value);
        if (damage.cluster == 0) poke(image, entry.offset + damage.field, damage.bytes);
        Volume volume(image);
        BOOST_REQUIRE_MESSAGE(volume.mounted == FsStatus::Ok, damage.what);
        std::string contents;
        BOOST_TEST(volume.get("F.BIN", contents) == FsStatus::Corrupt, damage.what);
        BOOST_TEST(volume.write("F.BIN", 30000, "x") == FsStatus::Corrupt, damage.what);
        BOOST_TEST(volume.get("G.BIN", contents) == FsStatus::Ok, damage.what);
        BOOST_TEST(contents == "intact");
        FsStatus removed = volume.remove("F.BIN");
        BOOST_TEST((removed == FsStatus::Ok || removed == FsStatus::Corrupt), damage.what);
        BOOST_TEST(Volume(image).mounted == FsStatus::Ok, damage.what);
    }
}

// A root directory whose chain loops, and random bytes in the directory or the FAT: every call
// returns (Corrupt or otherwise) and nothing reads or writes out of bounds (ASan).
BOOST_AUTO_TEST_CASE(corrupt_directories_and_fats_give_errors, *boost::unit_test::timeout(300)) {
    Workspace workspace;
    std::vector<std::pair<std::string, std::string>> files;
    for (int i = 0; i < 5; ++i) files.emplace_back("file number " + std::to_string(i), "x");
    std::string base = image_with(workspace, files);
    Layout layout = read_layout(base);
    std::string image = workspace.path("damaged.img");
    copy_image(base, image);
    std::string full;
    for (uint32_t i = 0; i < layout.cluster_bytes / 32; ++i)
        full += "FILE" + std::to_string(1000 + i) + "BIN\x20" + std::string(20, '\0');
    poke(image, layout.cluster_offset(layout.root_cluster), full);
    set_fat(image, layout.root_cluster, layout.root_cluster);
    BOOST_TEST(Volume(image).mounted == FsStatus::Corrupt);

    for (uint32_t seed = 1; seed <= 40; ++seed) {
        copy_image(base, image);
        std::string noise = random_bytes(layout.cluster_bytes, seed);
        if (seed % 2) poke(image, layout.cluster_offset(layout.root_cluster) + (seed % 7) * 32, noise);
        if (seed % 2 == 0) poke(image, layout.fat_offset + (seed % 4) * 512, noise.substr(0, 512 + seed * 8));
        if (seed % 3 == 0) mark_unclean(image);
        Volume volume(image);
        BOOST_TEST_MESSAGE("seed " << seed << ": mount " << volume.mounted);
        if (volume.mounted != FsStatus::Ok) continue;
        for (const std::string& name : volume.names()) {
            std::string contents;
            (void)volume.get(name, contents);
            (void)volume.write(name, 100, "more");
        }
        (void)volume.put("new file.bin", noise);
        (void)volume.replace("new file.bin", "file number 1");
        (void)volume.remove("file number 2");
        (void)volume.fs.flush();
        (void)Volume(image).mounted;
    }
}

BOOST_AUTO_TEST_SUITE_END()
