// The volume: status texts, mount (boot sector, FSInfo), the clean-shutdown bit and flush.
#include "fat32.hpp"

namespace amber::fs {

using namespace fat32_detail;

namespace {

constexpr uint32_t fsinfo_lead_signature = 0x41615252;
constexpr uint32_t fsinfo_struct_signature = 0x61417272;
constexpr uint32_t fsinfo_trail_signature = 0xAA550000;
constexpr size_t fsinfo_free_count = 488;
constexpr size_t fsinfo_next_free = 492;

bool fsinfo_valid(const uint8_t* sector) {
    return load32(sector) == fsinfo_lead_signature && load32(sector + 484) == fsinfo_struct_signature &&
           load32(sector + 508) == fsinfo_trail_signature;
}

} // namespace

const char* describe(FsStatus status) {
    switch (status) {
    case FsStatus::Ok: return "success";
    case FsStatus::NotFound: return "no file of that name";
    case FsStatus::Exists: return "a directory or volume label of that name exists";
    case FsStatus::NotAFile: return "the name belongs to a directory or volume label, not a file";
    case FsStatus::NoSpace: return "no space left (no free cluster, or the root directory is full)";
    case FsStatus::Corrupt: return "the file system is corrupt (inconsistent boot sector, FAT or directory)";
    case FsStatus::IoError: return "the block device reported an error";
    case FsStatus::InvalidName: return "invalid file name (empty, too long, '/' or a character FAT forbids)";
    case FsStatus::NotFat32: return "no FAT32 file system on the device";
    case FsStatus::Unsupported: return "unsupported FAT32 variant (sector size other than 512 or unknown version)";
    case FsStatus::DeviceTooSmall: return "the volume extends past the end of the device (truncated image?)";
    case FsStatus::TooLarge: return "the file would reach 4 GiB, the FAT32 limit";
    case FsStatus::NotMounted: return "no volume mounted";
    }
    return "unknown status";
}

FsStatus Fat32::mount(BlockDevice& device) {
    mounted_ = false;
    device_ = &device;
    fat_window_ = ~uint32_t{0};
    fat_dirty_ = 0;
    dir_sector_ = no_sector;
    dir_dirty_ = false;
    position_ = {};
    changing_ = false;
    FsStatus status = read_boot_sector();
    if (status != FsStatus::Ok) return status;
    read_fsinfo();
    uint32_t fat1 = 0;
    if ((status = fat_get(1, fat1)) != FsStatus::Ok) return status;
    changing_ = (fat1 & fat_clean_bit) == 0;
    mounted_ = true;
    status = repair_directory();
    if (status == FsStatus::Ok && changing_) status = repair_volume();
    if (status == FsStatus::Ok && !free_known_) status = count_free_clusters();
    if (status != FsStatus::Ok) mounted_ = false;
    return status;
}

FsStatus Fat32::read_boot_sector() {
    if (device_->sector_count() == 0) return FsStatus::NotFat32;
    if (!device_->read(0, 1, sector_)) return FsStatus::IoError;
    const uint8_t* b = sector_;
    uint16_t bytes_per_sector = load16(b + 11);
    uint32_t per_cluster = b[13];
    uint32_t reserved = load16(b + 14);
    uint32_t fats = b[16];
    uint32_t root_entries = load16(b + 17);
    uint32_t total = load16(b + 19) != 0 ? load16(b + 19) : load32(b + 32);
    uint32_t fat16_size = load16(b + 22);
    uint32_t fat_size = load32(b + 36);
    uint16_t flags = load16(b + 40);
    bool says_fat32 = __builtin_memcmp(b + 82, "FAT32   ", 8) == 0;
    // FAT12/16 keep their FAT size in the old field and have a fixed root directory.
    if (load16(b + 510) != 0xAA55 || fat16_size != 0 || root_entries != 0 || (fat_size == 0 && !says_fat32)) {
        return FsStatus::NotFat32;
    }
    if (bytes_per_sector != sector_size) {
        bool other_size = bytes_per_sector == 1024 || bytes_per_sector == 2048 || bytes_per_sector == 4096;
        return other_size ? FsStatus::Unsupported : FsStatus::Corrupt;
    }
    if (per_cluster == 0 || (per_cluster & (per_cluster - 1)) != 0 || reserved == 0 || fats == 0 || fat_size == 0) {
        return FsStatus::Corrupt;
    }
    if (load16(b + 42) != 0) return FsStatus::Unsupported; // BPB_FSVer
    uint64_t data_start = reserved + static_cast<uint64_t>(fats) * fat_size;
    if (data_start >= total) return FsStatus::Corrupt;
    uint64_t clusters = (total - data_start) / per_cluster;
    if (clusters == 0 || clusters > max_cluster_count || uint64_t{fat_size} * (sector_size / 4) < clusters + 2) {
        return FsStatus::Corrupt;
    }
    sectors_per_cluster_ = per_cluster;
    cluster_bytes_ = per_cluster * sector_size;
    cluster_count_ = static_cast<uint32_t>(clusters);
    fat_start_ = reserved;
    fat_sectors_ = fat_size;
    fat_count_ = fats;
    mirrored_ = (flags & 0x80) == 0;
    active_fat_ = mirrored_ ? 0 : flags & 0x0F;
    data_start_ = data_start;
    root_cluster_ = load32(b + 44);
    if (!valid_cluster(root_cluster_) || active_fat_ >= fats) return FsStatus::Corrupt;
    if (total > device_->sector_count()) return FsStatus::DeviceTooSmall;
    uint32_t fsinfo = load16(b + 48);
    fsinfo_sector_ = fsinfo != 0 && fsinfo < reserved ? fsinfo : 0;
    return FsStatus::Ok;
}

// FSInfo only holds hints: anything implausible is ignored (the free count is then recounted).
void Fat32::read_fsinfo() {
    free_known_ = false;
    next_free_ = 2;
    if (fsinfo_sector_ == 0) return;
    if (!device_->read(fsinfo_sector_, 1, sector_) || !fsinfo_valid(sector_)) {
        fsinfo_sector_ = 0;
        return;
    }
    uint32_t free = load32(sector_ + fsinfo_free_count);
    if (free <= cluster_count_) {
        free_count_ = free;
        free_known_ = true;
    }
    uint32_t next = load32(sector_ + fsinfo_next_free);
    if (valid_cluster(next)) next_free_ = next;
}

FsStatus Fat32::write_fsinfo() {
    if (fsinfo_sector_ == 0 || !free_known_) return FsStatus::Ok;
    if (!device_->read(fsinfo_sector_, 1, sector_)) return FsStatus::IoError;
    if (!fsinfo_valid(sector_)) return FsStatus::Ok;
    store32(sector_ + fsinfo_free_count, free_count_);
    store32(sector_ + fsinfo_next_free, next_free_);
    return device_->write(fsinfo_sector_, 1, sector_) ? FsStatus::Ok : FsStatus::IoError;
}

// Clears the clean bit before the first change, so that a cut from here on makes mount() repair.
FsStatus Fat32::begin_change() {
    if (changing_) return FsStatus::Ok;
    uint32_t value = 0;
    FsStatus status = fat_get(1, value);
    if (status == FsStatus::Ok) status = fat_set(1, value & ~fat_clean_bit);
    if (status == FsStatus::Ok) status = fat_sync();
    if (status == FsStatus::Ok) changing_ = true;
    return status;
}

// Ends a changing call that failed. NoSpace and the like were undone: write what the undo changed.
// After an I/O error or corruption the caches may hold half an operation: drop them instead.
FsStatus Fat32::fail(FsStatus status) {
    position_ = {};
    if (status != FsStatus::IoError && status != FsStatus::Corrupt) {
        FsStatus written = fat_sync();
        if (written == FsStatus::Ok) written = dir_sync();
        if (written == FsStatus::Ok) return status;
        status = written;
    }
    fat_window_ = ~uint32_t{0};
    fat_dirty_ = 0;
    dir_sector_ = no_sector;
    dir_dirty_ = false;
    return status;
}

FsStatus Fat32::flush() {
    FsStatus status = ready();
    if (status == FsStatus::Ok) status = dir_sync();
    if (status == FsStatus::Ok) status = fat_sync();
    if (status == FsStatus::Ok && changing_) {
        uint32_t value = 0;
        status = write_fsinfo();
        if (status == FsStatus::Ok) status = fat_get(1, value);
        if (status == FsStatus::Ok) status = fat_set(1, value | fat_clean_bit);
        if (status == FsStatus::Ok) status = fat_sync(true);
    }
    if (status == FsStatus::Ok && !device_->flush()) status = FsStatus::IoError;
    if (status != FsStatus::Ok) return fail(status);
    changing_ = false;
    return FsStatus::Ok;
}

uint64_t Fat32::free_bytes() const { return mounted_ ? uint64_t{free_count_} * cluster_bytes_ : 0; }

uint64_t Fat32::cluster_sector(uint32_t cluster) const {
    return data_start_ + uint64_t{cluster - 2} * sectors_per_cluster_;
}

} // namespace amber::fs
