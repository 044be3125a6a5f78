// The root directory: a one-sector write-back cache, a scan that assembles long names (and
// reports long-name entries without their short entry), lookup, and creating and deleting entries.
#include "fat32.hpp"

namespace amber::fs {

using namespace fat32_detail;

FsStatus Fat32::dir_load(Slot slot, uint8_t*& entry) {
    if (!valid_cluster(slot.cluster) || slot.index >= cluster_bytes_ / entry_size) return FsStatus::Corrupt;
    uint32_t byte = slot.index * entry_size;
    uint64_t sector = cluster_sector(slot.cluster) + byte / sector_size;
    if (sector != dir_sector_) {
        FsStatus status = dir_sync();
        if (status != FsStatus::Ok) return status;
        dir_sector_ = no_sector;
        if (!device_->read(sector, 1, dir_cache_)) return FsStatus::IoError;
        dir_sector_ = sector;
    }
    entry = dir_cache_ + byte % sector_size;
    return FsStatus::Ok;
}

FsStatus Fat32::dir_sync() {
    if (!dir_dirty_) return FsStatus::Ok;
    if (!device_->write(dir_sector_, 1, dir_cache_)) return FsStatus::IoError;
    dir_dirty_ = false;
    return FsStatus::Ok;
}

// The next slot; at the end of the directory's chain `end` is set and the slot stays. `clusters`
// counts the clusters visited, which no directory can have more of than the volume.
FsStatus Fat32::dir_advance(Slot& slot, uint32_t& clusters, bool& end) {
    end = false;
    if (slot.index + 1 < cluster_bytes_ / entry_size) {
        ++slot.index;
        return FsStatus::Ok;
    }
    uint32_t next = 0;
    FsStatus status = next_cluster(slot.cluster, next, end);
    if (status != FsStatus::Ok || end) return status;
    if (++clusters > cluster_count_) return FsStatus::Corrupt;
    slot = {next, 0};
    return FsStatus::Ok;
}

FsStatus Fat32::scan_step(DirectoryScan& scan, EntryRef& ref) {
    ScanItem& item = scan.item;
    auto orphan = [&] {
        item = ScanItem::Orphan;
        ref.first = scan.run_first;
        ref.slots = scan.run_slots;
        scan.run_slots = 0;
        return FsStatus::Ok;
    };
    while (true) {
        if (scan.at_end) {
            if (scan.run_slots > 0) return orphan();
            item = ScanItem::End;
            return FsStatus::Ok;
        }
        uint8_t* e = nullptr;
        FsStatus status = dir_load(scan.slot, e);
        if (status != FsStatus::Ok) return status;
        if (e[0] == entry_free) {
            scan.at_end = true;
            continue;
        }
        if (e[0] == entry_deleted || is_long_entry(e)) {
            bool deleted = e[0] == entry_deleted;
            bool starts = !deleted && (e[long_entry::order] & long_entry::last_flag) != 0;
            uint8_t order = e[long_entry::order] & 0x1F;
            bool continues = !deleted && !starts && scan.run_slots > 0 && order == scan.run_expected &&
                             e[long_entry::checksum] == scan.run_checksum;
            // A run that does not go on here is an orphan; this entry is looked at again after it.
            if (scan.run_slots > 0 && !continues) return orphan();
            if (starts) {
                scan.run_first = scan.slot;
                scan.run_checksum = e[long_entry::checksum];
                scan.run_expected = static_cast<uint8_t>(order - 1);
            }
            if (!deleted) {
                scan.run_first = scan.run_slots == 0 ? scan.slot : scan.run_first;
                ++scan.run_slots;
                if (continues) --scan.run_expected;
                bool valid = (starts || continues) && read_long_entry(e, long_name_, scan.run_length, starts);
                if (!valid) scan.run_expected = 0xFF; // nothing continues it; ends as an orphan
            }
            bool end = false;
            status = dir_advance(scan.slot, scan.clusters_seen, end);
            if (status != FsStatus::Ok) return status;
            scan.at_end = end;
            continue;
        }
        if (scan.run_slots > 0 && (scan.run_expected != 0 || short_name_checksum(e) != scan.run_checksum)) {
            return orphan();
        }
        item = ScanItem::File;
        ref.first = scan.run_slots > 0 ? scan.run_first : scan.slot;
        ref.short_slot = scan.slot;
        ref.slots = scan.run_slots + 1;
        ref.has_long = scan.run_slots > 0;
        ref.long_length = scan.run_length;
        __builtin_memcpy(ref.entry, e, entry_size);
        scan.run_slots = 0;
        bool end = false;
        status = dir_advance(scan.slot, scan.clusters_seen, end);
        scan.at_end = end;
        return status;
    }
}

bool Fat32::next_entry(DirectoryScan& scan, EntryRef& ref, bool orphans) {
    do {
        scan.status = scan_step(scan, ref);
    } while (scan.status == FsStatus::Ok && scan.item == ScanItem::Orphan && !orphans);
    return scan.status == FsStatus::Ok && scan.item != ScanItem::End;
}

FsStatus Fat32::find(const ParsedName& name, EntryRef& ref, bool& found) {
    found = false;
    DirectoryScan scan(root_cluster_);
    while (!found && next_entry(scan, ref)) {
        found = ref.entry[0] != '.' &&
                ((ref.has_long && long_names_equal(long_name_, ref.long_length, name.units, name.length)) ||
                 (name.has_short_form && __builtin_memcmp(ref.entry, name.short_name, 11) == 0));
    }
    return scan.status;
}

FsStatus Fat32::find_name(const char* name, size_t length, EntryRef& ref, bool& found) {
    FsStatus status = ready();
    if (status != FsStatus::Ok) return status;
    if (!parse_name(name, length, name_)) return FsStatus::InvalidName;
    return find(name_, ref, found);
}

// A regular file: NotFound, or NotAFile for a directory or volume label.
FsStatus Fat32::find_file(const char* name, size_t length, EntryRef& file) {
    bool found = false;
    FsStatus status = find_name(name, length, file, found);
    if (status == FsStatus::Ok && !found) return FsStatus::NotFound;
    return status == FsStatus::Ok && !is_file_entry(file.entry) ? FsStatus::NotAFile : status;
}

void Fat32::fill_info(const EntryRef& ref, FileInfo& info) {
    size_t length = 0;
    if (!ref.has_long || !utf16_to_utf8(long_name_, ref.long_length, info.name, max_name_bytes, length)) {
        length = short_name_text(ref.entry, info.name);
    }
    info.name[length] = '\0';
    info.name_length = length;
    info.size = load32(ref.entry + entry::size);
    info.first_cluster = entry_cluster(ref.entry);
    info.attributes = ref.entry[entry::attributes];
}

// The 8.3 name for name_: the name itself when it is one, else its basis (if only case is lost)
// or the basis with the lowest numeric tail ("~n") no entry uses.
FsStatus Fat32::generate_short_name(uint8_t* short_name) {
    if (name_.plain_short) {
        __builtin_memcpy(short_name, name_.short_name, 11);
        return FsStatus::Ok;
    }
    bool lossy = false;
    short_name_basis(name_, short_name, lossy);
    __builtin_memset(bitmap_, 0, sizeof bitmap_);
    bool basis_used = false;
    DirectoryScan scan(root_cluster_);
    EntryRef ref;
    while (next_entry(scan, ref)) {
        if (__builtin_memcmp(ref.entry, short_name, 11) == 0) basis_used = true;
        uint32_t tail = short_name_tail(ref.entry, short_name);
        if (tail < sizeof bitmap_ * 8) bitmap_[tail / 8] |= static_cast<uint8_t>(1u << tail % 8);
    }
    if (scan.status != FsStatus::Ok || (!lossy && !basis_used)) return scan.status;
    for (uint32_t n = 1; n < sizeof bitmap_ * 8; ++n) {
        if ((bitmap_[n / 8] >> n % 8 & 1) == 0) {
            uint8_t basis[11];
            __builtin_memcpy(basis, short_name, 11);
            short_name_with_tail(basis, n, short_name);
            return FsStatus::Ok;
        }
    }
    return FsStatus::NoSpace;
}

// `count` consecutive free slots, growing the directory by zeroed clusters if needed.
FsStatus Fat32::find_free_slots(uint32_t count, Slot& start) {
    Slot slot = {root_cluster_, 0};
    uint32_t clusters = 1;
    uint32_t run = 0;
    uint32_t entries = 0;
    for (bool end = false; !end;) {
        uint8_t* e = nullptr;
        FsStatus status = dir_load(slot, e);
        if (status != FsStatus::Ok) return status;
        if (e[0] == entry_free || e[0] == entry_deleted) {
            if (run++ == 0) start = slot;
            if (run == count) return FsStatus::Ok;
        } else {
            run = 0;
        }
        ++entries;
        if ((status = dir_advance(slot, clusters, end)) != FsStatus::Ok) return status;
    }
    uint32_t per_cluster = cluster_bytes_ / entry_size;
    for (uint32_t last = slot.cluster; run < count; run += per_cluster) {
        entries += per_cluster;
        if (entries > max_directory_entries) return FsStatus::NoSpace;
        uint32_t added = 0;
        FsStatus status = allocate_chain(1, added);
        if (status != FsStatus::Ok) return status;
        if ((status = dir_sync()) != FsStatus::Ok) return status;
        uint64_t sector = cluster_sector(added);
        if (dir_sector_ >= sector && dir_sector_ < sector + sectors_per_cluster_) dir_sector_ = no_sector;
        __builtin_memset(sector_, 0, sizeof sector_);
        for (uint32_t i = 0; i < sectors_per_cluster_; ++i) {
            if (!device_->write(sector + i, 1, sector_)) return FsStatus::IoError;
        }
        if ((status = fat_set(last, added)) != FsStatus::Ok || (status = fat_sync()) != FsStatus::Ok) return status;
        if (run == 0) start = {added, 0};
        last = added;
    }
    return FsStatus::Ok;
}

// Writes name_'s entries (long entries, then `short_entry`, whose name is filled in here).
FsStatus Fat32::create_entry(uint8_t* short_entry) {
    FsStatus status = generate_short_name(short_entry);
    if (status != FsStatus::Ok) return status;
    uint32_t long_count = name_.plain_short ? 0 : (name_.length + long_entry_units - 1) / long_entry_units;
    Slot slot;
    if ((status = find_free_slots(long_count + 1, slot)) != FsStatus::Ok) return status;
    uint8_t checksum = short_name_checksum(short_entry);
    uint32_t clusters = 1;
    for (uint32_t order = long_count; order >= 1; --order) {
        uint8_t* e = nullptr;
        bool end = false;
        if ((status = dir_load(slot, e)) != FsStatus::Ok) return status;
        build_long_entry(name_, order, long_count, checksum, e);
        dir_dirty_ = true;
        if ((status = dir_advance(slot, clusters, end)) != FsStatus::Ok) return status;
        if (end) return FsStatus::Corrupt;
    }
    uint8_t* e = nullptr;
    if ((status = dir_load(slot, e)) != FsStatus::Ok) return status;
    __builtin_memcpy(e, short_entry, entry_size);
    dir_dirty_ = true;
    return dir_sync();
}

// Writes the 32 `bytes` over the entry at `slot` (or, without bytes, marks it deleted).
FsStatus Fat32::set_entry(Slot slot, const uint8_t* bytes) {
    uint8_t* e = nullptr;
    FsStatus status = dir_load(slot, e);
    if (status != FsStatus::Ok) return status;
    if (bytes != nullptr) __builtin_memcpy(e, bytes, entry_size);
    if (bytes == nullptr) e[0] = entry_deleted;
    dir_dirty_ = true;
    return dir_sync();
}

// The short entry goes first: after a cut only long entries without it can remain (mount removes them).
FsStatus Fat32::delete_entry_set(const EntryRef& ref) {
    FsStatus status = set_entry(ref.short_slot, nullptr);
    return status == FsStatus::Ok ? delete_slots(ref.first, ref.slots - 1) : status;
}

FsStatus Fat32::delete_slots(Slot slot, uint32_t count) {
    uint32_t clusters = 1;
    for (uint32_t i = 0; i < count; ++i) {
        uint8_t* e = nullptr;
        bool end = false;
        FsStatus status = dir_load(slot, e);
        if (status != FsStatus::Ok) return status;
        e[0] = entry_deleted;
        dir_dirty_ = true;
        if ((status = dir_advance(slot, clusters, end)) != FsStatus::Ok) return status;
        if (end && i + 1 < count) return FsStatus::Corrupt;
    }
    return dir_sync();
}

void Fat32::stamp(uint8_t* e, bool created) const {
    if (created) {
        e[entry::creation_tenths] = 0;
        store16(e + entry::creation_time, time_);
        store16(e + entry::creation_date, date_);
    }
    store16(e + entry::access_date, date_);
    store16(e + entry::write_time, time_);
    store16(e + entry::write_date, date_);
}

} // namespace amber::fs
