// The FAT: a write-back window of fat_window_sectors sectors of the active FAT (written to every
// mirrored copy, the first copy first), chain walks bounded by the cluster count, and allocation
// that continues from the next-free hint.
#include "fat32.hpp"

namespace amber::fs {

using namespace fat32_detail;

FsStatus Fat32::fat_load(uint32_t sector) {
    uint32_t window = sector - sector % fat_window_sectors;
    if (window == fat_window_) return FsStatus::Ok;
    FsStatus status = fat_sync();
    if (status != FsStatus::Ok) return status;
    uint32_t length = fat_sectors_ - window < fat_window_sectors ? fat_sectors_ - window : fat_window_sectors;
    fat_window_ = ~uint32_t{0};
    if (!device_->read(fat_start_ + uint64_t{active_fat_} * fat_sectors_ + window, length, fat_cache_)) {
        return FsStatus::IoError;
    }
    fat_window_ = window;
    fat_window_length_ = length;
    return FsStatus::Ok;
}

// Writes the changed sectors of the window, each run of them as one write, to every FAT copy:
// the first copy first (mount's repair copies it over the others), or last (for the clean bit,
// which must not be set in the first copy while the others may still differ).
FsStatus Fat32::fat_sync(bool first_copy_last) {
    if (fat_dirty_ == 0) return FsStatus::Ok;
    uint32_t copies = mirrored_ ? fat_count_ : 1;
    for (uint32_t k = 0; k < copies; ++k) {
        uint32_t copy = !mirrored_ ? active_fat_ : first_copy_last ? (k + 1) % copies : k;
        uint64_t base = fat_start_ + uint64_t{copy} * fat_sectors_ + fat_window_;
        for (uint32_t i = 0; i < fat_window_length_;) {
            if ((fat_dirty_ >> i & 1) == 0) {
                ++i;
                continue;
            }
            uint32_t run = 1;
            while (i + run < fat_window_length_ && (fat_dirty_ >> (i + run) & 1) != 0) ++run;
            if (!device_->write(base + i, run, fat_cache_ + i * sector_size)) return FsStatus::IoError;
            i += run;
        }
    }
    fat_dirty_ = 0;
    return FsStatus::Ok;
}

FsStatus Fat32::fat_get(uint32_t cluster, uint32_t& value) {
    if (cluster >= cluster_count_ + 2) return FsStatus::Corrupt;
    uint32_t sector = cluster / (sector_size / 4);
    FsStatus status = fat_load(sector);
    if (status != FsStatus::Ok) return status;
    value = load32(fat_cache_ + (sector - fat_window_) * sector_size + cluster % (sector_size / 4) * 4) & fat_mask;
    return FsStatus::Ok;
}

FsStatus Fat32::fat_set(uint32_t cluster, uint32_t value) {
    if (cluster >= cluster_count_ + 2) return FsStatus::Corrupt;
    uint32_t sector = cluster / (sector_size / 4);
    FsStatus status = fat_load(sector);
    if (status != FsStatus::Ok) return status;
    uint8_t* entry = fat_cache_ + (sector - fat_window_) * sector_size + cluster % (sector_size / 4) * 4;
    store32(entry, (load32(entry) & ~fat_mask) | (value & fat_mask));
    fat_dirty_ |= 1u << (sector - fat_window_);
    return FsStatus::Ok;
}

// The cluster after `cluster`, or `end`; Corrupt if the entry is free, bad or out of range.
FsStatus Fat32::next_cluster(uint32_t cluster, uint32_t& next, bool& end) {
    uint32_t value = 0;
    FsStatus status = fat_get(cluster, value);
    if (status != FsStatus::Ok) return status;
    end = value >= fat_end_min;
    if (!end && !valid_cluster(value)) return FsStatus::Corrupt;
    next = value;
    return FsStatus::Ok;
}

// Finds the index-th cluster of the chain at `first`, from the remembered position when it is on
// the way. If the chain is shorter, `position` is its last cluster and short_chain is set.
FsStatus Fat32::seek(uint32_t first, uint32_t index, ChainPosition& position, bool& short_chain) {
    if (!valid_cluster(first)) return FsStatus::Corrupt;
    ChainPosition at = {first, 0, first};
    if (position_.first == first && position_.index <= index) at = position_;
    short_chain = false;
    while (at.index < index) {
        // No chain has more clusters than the volume: a longer walk is going round a loop.
        if (at.index >= cluster_count_) return FsStatus::Corrupt;
        uint32_t next = 0;
        bool end = false;
        FsStatus status = next_cluster(at.cluster, next, end);
        if (status != FsStatus::Ok) return status;
        if (end) {
            short_chain = true;
            break;
        }
        at.cluster = next;
        ++at.index;
    }
    position = at;
    return FsStatus::Ok;
}

// Allocates `count` clusters as one chain ending in an end mark, written to the FAT before the
// caller links it anywhere (so no entry on the disk ever points at a free cluster). All or nothing.
FsStatus Fat32::allocate_chain(uint32_t count, uint32_t& first) {
    first = 0;
    uint32_t last = 0;
    uint32_t candidate = next_free_;
    for (uint32_t allocated = 0; allocated < count; ++allocated) {
        bool found = false;
        for (uint32_t scanned = 0; scanned < cluster_count_ && !found; ++scanned) {
            if (!valid_cluster(candidate)) candidate = 2;
            uint32_t value = 0;
            FsStatus status = fat_get(candidate, value);
            if (status != FsStatus::Ok) return status;
            found = value == 0;
            if (!found) ++candidate;
        }
        FsStatus status = FsStatus::NoSpace;
        if (found) status = fat_set(candidate, fat_end);
        if (status == FsStatus::Ok && last != 0) status = fat_set(last, candidate);
        if (status != FsStatus::Ok) {
            if (status == FsStatus::NoSpace) free_count_ = 0; // a whole scan found nothing free
            FsStatus undo = first != 0 ? free_chain(first) : FsStatus::Ok;
            return undo != FsStatus::Ok ? undo : status;
        }
        if (first == 0) first = candidate;
        last = candidate++;
        if (free_count_ > 0) --free_count_;
    }
    next_free_ = valid_cluster(candidate) ? candidate : 2;
    return fat_sync();
}

FsStatus Fat32::free_chain(uint32_t first) {
    position_ = {};
    uint32_t cluster = first;
    for (uint32_t n = 0; cluster != 0; ++n) {
        uint32_t value = 0;
        if (!valid_cluster(cluster) || n >= cluster_count_) return FsStatus::Corrupt;
        FsStatus status = fat_get(cluster, value);
        if (status == FsStatus::Ok && value == 0) status = FsStatus::Corrupt;
        if (status == FsStatus::Ok) status = fat_set(cluster, 0);
        if (status != FsStatus::Ok) return status;
        if (free_count_ < cluster_count_) ++free_count_;
        cluster = value >= fat_end_min ? 0 : value;
    }
    return FsStatus::Ok;
}

// Makes the file's chain `count` clusters long if it is shorter (its entry's first cluster may
// change; the caller writes the entry). The chain must end where the file's size says it does:
// anything else (a loop, a chain running on) is corruption, not room to write into.
FsStatus Fat32::ensure_clusters(EntryRef& file, uint32_t count) {
    uint32_t first = entry_cluster(file.entry);
    uint32_t have =
        static_cast<uint32_t>((uint64_t{load32(file.entry + entry::size)} + cluster_bytes_ - 1) / cluster_bytes_);
    if (count <= have) return FsStatus::Ok;
    uint32_t added = 0;
    if (first == 0) {
        if (have > 0) return FsStatus::Corrupt;
        FsStatus status = allocate_chain(count, added);
        if (status == FsStatus::Ok) set_entry_cluster(file.entry, added);
        return status;
    }
    if (have == 0) return FsStatus::Corrupt; // clusters but no size
    ChainPosition last;
    FsStatus status = chain_end(first, have, last);
    if (status == FsStatus::Ok) status = allocate_chain(count - have, added);
    return status == FsStatus::Ok ? fat_set(last.cluster, added) : status;
}

// The last cluster of a chain that must have `length` clusters; Corrupt if it has more or fewer.
FsStatus Fat32::chain_end(uint32_t first, uint32_t length, ChainPosition& last) {
    bool short_chain = false;
    uint32_t next = 0;
    bool end = false;
    FsStatus status = seek(first, length - 1, last, short_chain);
    if (status == FsStatus::Ok) status = short_chain ? FsStatus::Corrupt : next_cluster(last.cluster, next, end);
    return status == FsStatus::Ok && !end ? FsStatus::Corrupt : status;
}

FsStatus Fat32::count_free_clusters() {
    uint32_t free = 0;
    for (uint32_t cluster = 2; cluster < cluster_count_ + 2; ++cluster) {
        uint32_t value = 0;
        FsStatus status = fat_get(cluster, value);
        if (status != FsStatus::Ok) return status;
        if (value == 0) ++free;
    }
    free_count_ = free;
    free_known_ = true;
    return FsStatus::Ok;
}

} // namespace amber::fs
