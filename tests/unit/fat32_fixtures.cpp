#define BOOST_TEST_DYN_LINK
#include "fat32_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

namespace amber::fs {

std::ostream& operator<<(std::ostream& out, FsStatus status) {
    return out << "FsStatus " << static_cast<int>(status) << " (" << describe(status) << ")";
}

} // namespace amber::fs

namespace fat32_test {

namespace fs = std::filesystem;

FileDevice::FileDevice(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR);
    BOOST_REQUIRE_MESSAGE(fd_ >= 0, "cannot open " << path);
    off_t size = ::lseek(fd_, 0, SEEK_END);
    BOOST_REQUIRE(size >= 0);
    sectors_ = static_cast<uint64_t>(size) / sector_size;
}

FileDevice::~FileDevice() { ::close(fd_); }

bool FileDevice::read(uint64_t sector, uint32_t count, void* buffer) {
    if (reads + writes >= fail_after || sector + count > sectors_) return false;
    ++reads;
    size_t bytes = size_t{count} * sector_size;
    return ::pread(fd_, buffer, bytes, static_cast<off_t>(sector * sector_size)) == static_cast<ssize_t>(bytes);
}

bool FileDevice::write(uint64_t sector, uint32_t count, const void* buffer) {
    if (reads + writes >= fail_after || sector + count > sectors_) return false;
    ++writes;
    written_sectors += count;
    size_t bytes = size_t{count} * sector_size;
    return ::pwrite(fd_, buffer, bytes, static_cast<off_t>(sector * sector_size)) == static_cast<ssize_t>(bytes);
}

bool FileDevice::flush() { return reads + writes < fail_after; }

bool CutDevice::write(uint64_t sector, uint32_t count, const void* buffer) {
    uint64_t kept = written >= limit_ ? 0 : limit_ - written < count ? limit_ - written : count;
    written += count;
    if (kept == 0) return true;
    return inner_.write(sector, static_cast<uint32_t>(kept), buffer);
}

Workspace::Workspace() {
    std::string pattern = (fs::temp_directory_path() / "amber-fat32-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    root_ = pattern;
}

Workspace::~Workspace() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
}

CommandResult run(const std::string& command) {
    // mtools refuses small FAT32 volumes without this; dosfstools ignores it.
    std::string full = "MTOOLS_SKIP_CHECK=1 " + command + " 2>&1";
    FILE* pipe = ::popen(full.c_str(), "r");
    BOOST_REQUIRE_MESSAGE(pipe != nullptr, "cannot run " << command);
    std::string output;
    char chunk[4096];
    for (size_t n; (n = fread(chunk, 1, sizeof chunk, pipe)) > 0;) output.append(chunk, n);
    int status = ::pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

void make_image(const std::string& image, uint64_t kib, const std::string& options) {
    std::string command = "mkfs.fat -F 32 " + options + " -C " + quote(image) + " " + std::to_string(kib);
    CommandResult result = run(command);
    BOOST_REQUIRE_MESSAGE(result.status == 0, command << ": " << result.output);
}

std::string small_image(const Workspace& workspace, const std::string& name) {
    std::string image = workspace.path(name);
    make_image(image, 4096, "-s 4");
    return image;
}

void check_fsck(const std::string& image) {
    for (const std::string& finding : fsck_findings(image)) BOOST_ERROR("fsck.fat: " << finding);
}

std::vector<std::string> fsck_findings(const std::string& image) {
    CommandResult result = run("fsck.fat -n " + quote(image));
    std::vector<std::string> findings;
    std::istringstream lines(result.output);
    for (std::string line; std::getline(lines, line);) {
        bool summary = line.rfind(image + ": ", 0) == 0 && line.find(" files, ") != std::string::npos;
        bool small_volume = line.find("less than the required minimum") != std::string::npos ||
                            line.find("Filesystem is FAT32 according to") != std::string::npos ||
                            line.find("may lead to problems") != std::string::npos;
        if (line.empty() || line.rfind("fsck.fat ", 0) == 0 || summary || small_volume) continue;
        findings.push_back(line);
    }
    if (result.status != 0) findings.push_back("exit status " + std::to_string(result.status));
    return findings;
}

void mtools_put(const std::string& image, const std::string& name, const std::string& contents) {
    std::string host = image + ".put";
    std::ofstream(host, std::ios::binary) << contents;
    std::string command = "mcopy -o -i " + quote(image) + " " + quote(host) + " " + quote("::" + name);
    CommandResult result = run(command);
    BOOST_REQUIRE_MESSAGE(result.status == 0, command << ": " << result.output);
    fs::remove(host);
}

bool mtools_get(const std::string& image, const std::string& name, std::string& contents) {
    std::string host = image + ".get";
    CommandResult result = run("mcopy -n -i " + quote(image) + " " + quote("::" + name) + " " + quote(host));
    contents = result.status == 0 ? file_contents(host) : std::string();
    std::error_code ignored;
    fs::remove(host, ignored);
    return result.status == 0;
}

std::string mtools_dir(const std::string& image) { return run("mdir -i " + quote(image) + " ::").output; }

std::string random_bytes(size_t size, uint32_t seed) {
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(generator());
    return bytes;
}

std::string file_contents(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

namespace {

uint32_t little_endian(const std::string& bytes, size_t offset, size_t length) {
    uint32_t value = 0;
    for (size_t i = length; i > 0; --i) value = value << 8 | static_cast<uint8_t>(bytes[offset + i - 1]);
    return value;
}

} // namespace

Layout read_layout(const std::string& image) {
    std::string boot = peek(image, 0, 512);
    Layout layout{};
    uint32_t reserved = little_endian(boot, 14, 2);
    layout.fat_count = static_cast<uint8_t>(boot[16]);
    layout.fat_bytes = uint64_t{little_endian(boot, 36, 4)} * 512;
    layout.fat_offset = uint64_t{reserved} * 512;
    layout.data_offset = layout.fat_offset + layout.fat_count * layout.fat_bytes;
    layout.cluster_bytes = static_cast<uint8_t>(boot[13]) * 512u;
    layout.root_cluster = little_endian(boot, 44, 4);
    return layout;
}

uint32_t get_fat(const std::string& image, uint32_t cluster) {
    return little_endian(peek(image, read_layout(image).fat_offset + cluster * 4, 4), 0, 4);
}

void set_fat(const std::string& image, uint32_t cluster, uint32_t value, bool every_copy) {
    Layout layout = read_layout(image);
    std::string bytes;
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>(value >> (8 * i));
    for (uint32_t copy = 0; copy < (every_copy ? layout.fat_count : 1); ++copy) {
        poke(image, layout.fat_offset + copy * layout.fat_bytes + cluster * 4, bytes);
    }
}

void poke(const std::string& image, uint64_t offset, const std::string& bytes) {
    std::fstream file(image, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    BOOST_REQUIRE(file.good());
}

std::string peek(const std::string& image, uint64_t offset, size_t length) {
    std::ifstream file(image, std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    std::string bytes(length, '\0');
    file.read(bytes.data(), static_cast<std::streamsize>(length));
    BOOST_REQUIRE(file.good());
    return bytes;
}

FsStatus Volume::get(const std::string& name, std::string& contents) {
    contents.clear();
    amber::fs::FileInfo info{};
    FsStatus status = fs.stat(name.data(), name.size(), info);
    if (status != FsStatus::Ok) return status;
    std::string bytes(info.size, '\0');
    size_t done = 0;
    status = fs.read(name.data(), name.size(), 0, bytes.data(), bytes.size(), done);
    if (status == FsStatus::Ok && done != bytes.size()) return FsStatus::Corrupt;
    if (status == FsStatus::Ok) contents = bytes;
    return status;
}

SmallVolume::SmallVolume() : image(small_image(workspace)), volume(image) {
    BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
}

std::string image_with(const Workspace& workspace, const std::vector<std::pair<std::string, std::string>>& files,
                       const std::string& name) {
    std::string image = small_image(workspace, name);
    Volume volume(image);
    BOOST_REQUIRE(volume.mounted == FsStatus::Ok);
    for (const auto& [file, contents] : files) BOOST_REQUIRE(volume.put(file, contents) == FsStatus::Ok);
    BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    return image;
}

void flush_and_check(Volume& volume, const std::string& image) {
    BOOST_REQUIRE(volume.fs.flush() == FsStatus::Ok);
    check_fsck(image);
}

std::vector<std::string> Volume::names() {
    std::vector<std::string> names;
    FsStatus status = fs.list([&](const amber::fs::FileInfo& info) {
        names.emplace_back(info.name, info.name_length);
        return true;
    });
    BOOST_TEST((status == FsStatus::Ok));
    return names;
}

} // namespace fat32_test
