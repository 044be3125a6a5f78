// Test doubles and tools for the FAT32 tests (fat32_test.cpp, fat32_crash_test.cpp): disk images
// as block devices, a device that loses power, and the host's dosfstools and mtools.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "../../userland/fs/fat32.hpp"

namespace amber::fs {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& out, FsStatus status);
} // namespace amber::fs

namespace fat32_test {

using amber::fs::BlockDevice;
using amber::fs::Fat32;
using amber::fs::FsStatus;

// A disk image file as a block device. Counts requests; can fail every request after a number.
class FileDevice final : public BlockDevice {
  public:
    explicit FileDevice(const std::string& path);
    ~FileDevice();
    FileDevice(const FileDevice&) = delete;
    FileDevice& operator=(const FileDevice&) = delete;

    uint64_t sector_count() const override { return sectors_; }
    bool read(uint64_t sector, uint32_t count, void* buffer) override;
    bool write(uint64_t sector, uint32_t count, const void* buffer) override;
    bool flush() override;

    uint64_t reads = 0;
    uint64_t writes = 0;
    uint64_t written_sectors = 0;
    uint64_t fail_after = ~uint64_t{0}; // requests (reads + writes) that succeed

  private:
    int fd_ = -1;
    uint64_t sectors_ = 0;
};

// Passes requests on until `limit` sectors have been written; every later sector write is dropped
// while reporting success, as when power fails (a multi-sector write may be cut in the middle).
class CutDevice final : public BlockDevice {
  public:
    CutDevice(BlockDevice& inner, uint64_t limit) : inner_(inner), limit_(limit) {}
    uint64_t sector_count() const override { return inner_.sector_count(); }
    bool read(uint64_t sector, uint32_t count, void* buffer) override { return inner_.read(sector, count, buffer); }
    bool write(uint64_t sector, uint32_t count, const void* buffer) override;
    bool flush() override { return written < limit_ ? inner_.flush() : true; }

    uint64_t written = 0; // sector writes asked for, dropped ones included

  private:
    BlockDevice& inner_;
    uint64_t limit_;
};

// A temporary directory, removed with everything in it.
class Workspace {
  public:
    Workspace();
    ~Workspace();
    std::string path(const std::string& name) const { return (root_ / name).string(); }

  private:
    std::filesystem::path root_;
};

struct CommandResult {
    int status;
    std::string output; // stdout, then stderr
};
CommandResult run(const std::string& command);
std::string quote(const std::string& text);

// mkfs.fat -F 32 with `options` (e.g. "-s 8") for an image of `kib` KiB.
void make_image(const std::string& image, uint64_t kib, const std::string& options = "");
// 4 MiB with 2 KiB clusters (2032): small and fast; fsck.fat checks it (mtools refuses to write
// to FAT32 volumes of fewer than 65525 clusters).
std::string small_image(const Workspace& workspace, const std::string& name = "small.img");
// What fsck.fat -n finds: every line but its banner, its summary and the small-volume warnings.
std::vector<std::string> fsck_findings(const std::string& image);
// A test error for every finding.
void check_fsck(const std::string& image);
// mtools on an image: copy a file in under `name`, read one out, list the root directory.
void mtools_put(const std::string& image, const std::string& name, const std::string& contents);
bool mtools_get(const std::string& image, const std::string& name, std::string& contents);
std::string mtools_dir(const std::string& image);

std::string random_bytes(size_t size, uint32_t seed);
std::string file_contents(const std::string& path);

// The layout of an image, read from its boot sector, for tests that damage it by hand.
struct Layout {
    uint64_t fat_offset; // bytes: FAT 0
    uint64_t fat_bytes;  // one FAT
    uint32_t fat_count;
    uint64_t data_offset; // bytes: cluster 2
    uint32_t cluster_bytes;
    uint32_t root_cluster;
    uint64_t cluster_offset(uint32_t cluster) const { return data_offset + uint64_t{cluster - 2} * cluster_bytes; }
};
Layout read_layout(const std::string& image);
uint32_t get_fat(const std::string& image, uint32_t cluster);
void set_fat(const std::string& image, uint32_t cluster, uint32_t value, bool every_copy = true);
void poke(const std::string& image, uint64_t offset, const std::string& bytes);
std::string peek(const std::string& image, uint64_t offset, size_t length);

// A Fat32 on an image file, mounted (or not) by the constructor.
struct Volume {
    explicit Volume(const std::string& image) : device(image) { mounted = fs.mount(device); }
    FileDevice device;
    Fat32 fs;
    FsStatus mounted;

    FsStatus create(const std::string& name) { return fs.create(name.data(), name.size()); }
    FsStatus write(const std::string& name, uint64_t offset, const std::string& data) {
        return fs.write(name.data(), name.size(), offset, data.data(), data.size());
    }
    FsStatus put(const std::string& name, const std::string& data) {
        FsStatus status = create(name);
        return status == FsStatus::Ok ? write(name, 0, data) : status;
    }
    FsStatus remove(const std::string& name) { return fs.remove(name.data(), name.size()); }
    FsStatus replace(const std::string& from, const std::string& to) {
        return fs.replace(from.data(), from.size(), to.data(), to.size());
    }
    // The whole file; NotFound etc. leave `contents` empty.
    FsStatus get(const std::string& name, std::string& contents);
    std::vector<std::string> names();
};

// A fresh small_image(), mounted: the fixture of tests that need nothing else.
struct SmallVolume {
    SmallVolume();
    Workspace workspace;
    std::string image;
    Volume volume;
};

// A small_image() holding `files` (name, contents), flushed and unmounted.
std::string image_with(const Workspace& workspace, const std::vector<std::pair<std::string, std::string>>& files,
                       const std::string& name = "base.img");
// Flushes the volume, then checks its image with fsck.fat.
void flush_and_check(Volume& volume, const std::string& image);

} // namespace fat32_test
