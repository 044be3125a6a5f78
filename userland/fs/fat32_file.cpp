// Files: moving data between clusters and memory (whole sectors straight to and from the caller's
// buffer, physically consecutive clusters in one request), and the name-based calls.
#include "fat32.hpp"

namespace amber::fs {

using namespace fat32_detail;

// How many whole sectors from `offset` (at most `limit`) lie consecutively on the disk; moves
// `position` to the cluster holding the last of them.
FsStatus Fat32::sector_run(ChainPosition& position, uint64_t offset, uint64_t limit, uint64_t& sectors) {
    uint32_t in_cluster = static_cast<uint32_t>(offset % cluster_bytes_) / sector_size;
    sectors = sectors_per_cluster_ - in_cluster < limit ? sectors_per_cluster_ - in_cluster : limit;
    while (sectors < limit) {
        uint32_t next = 0;
        bool end = false;
        FsStatus status = next_cluster(position.cluster, next, end);
        if (status != FsStatus::Ok) return status;
        if (end || next != position.cluster + 1) break;
        position.cluster = next;
        ++position.index;
        sectors += sectors_per_cluster_ < limit - sectors ? sectors_per_cluster_ : limit - sectors;
    }
    return FsStatus::Ok;
}

// Reads or writes (or zeroes) [offset, offset + length) of the chain, starting at `position`
// (a cluster at or before offset). Bytes of the file up to `valid` are kept around partial writes.
FsStatus Fat32::transfer(ChainPosition& position, uint64_t offset, uint8_t* buffer, size_t length, Mode mode,
                         uint32_t valid) {
    while (length > 0) {
        while (position.index < offset / cluster_bytes_) {
            uint32_t next = 0;
            bool end = false;
            FsStatus status = next_cluster(position.cluster, next, end);
            if (status != FsStatus::Ok) return status;
            if (end) return FsStatus::Corrupt; // the chain is shorter than the file
            position.cluster = next;
            ++position.index;
        }
        uint32_t in_cluster = static_cast<uint32_t>(offset % cluster_bytes_);
        uint64_t sector = cluster_sector(position.cluster) + in_cluster / sector_size;
        uint32_t in_sector = in_cluster % sector_size;
        if (in_sector == 0 && length >= sector_size && mode != Mode::Zero) {
            uint64_t sectors = 0;
            FsStatus status = sector_run(position, offset, length / sector_size, sectors);
            if (status != FsStatus::Ok) return status;
            bool done = mode == Mode::Read ? device_->read(sector, static_cast<uint32_t>(sectors), buffer)
                                           : device_->write(sector, static_cast<uint32_t>(sectors), buffer);
            if (!done) return FsStatus::IoError;
            offset += sectors * sector_size;
            buffer += sectors * sector_size;
            length -= sectors * sector_size;
            continue;
        }
        size_t n = sector_size - in_sector < length ? sector_size - in_sector : length;
        uint64_t sector_start = offset - in_sector;
        bool keep =
            sector_start < valid && (in_sector > 0 || (offset + n < sector_start + sector_size && offset + n < valid));
        if (mode == Mode::Read || keep) {
            if (!device_->read(sector, 1, sector_)) return FsStatus::IoError;
        } else {
            __builtin_memset(sector_, 0, sizeof sector_);
        }
        if (mode == Mode::Read) {
            __builtin_memcpy(buffer, sector_ + in_sector, n);
        } else {
            if (mode == Mode::Write) __builtin_memcpy(sector_ + in_sector, buffer, n);
            if (mode == Mode::Zero) __builtin_memset(sector_ + in_sector, 0, n);
            if (!device_->write(sector, 1, sector_)) return FsStatus::IoError;
        }
        offset += n;
        if (mode != Mode::Zero) buffer += n;
        length -= n;
    }
    return FsStatus::Ok;
}

FsStatus Fat32::stat(const char* name, size_t name_length, FileInfo& info) {
    EntryRef ref;
    bool found = false;
    FsStatus status = find_name(name, name_length, ref, found);
    if (status != FsStatus::Ok) return status;
    if (!found) return FsStatus::NotFound;
    fill_info(ref, info);
    return FsStatus::Ok;
}

FsStatus Fat32::list_entries(Visitor visit, void* context) {
    FsStatus status = ready();
    if (status != FsStatus::Ok) return status;
    DirectoryScan scan(root_cluster_);
    EntryRef ref;
    while (next_entry(scan, ref)) {
        if (ref.entry[0] == '.' || (ref.entry[entry::attributes] & attribute_volume_id)) continue;
        fill_info(ref, list_info_);
        if (!visit(context, list_info_)) break;
    }
    return scan.status;
}

FsStatus Fat32::create(const char* name, size_t name_length) {
    EntryRef ref;
    bool found = false;
    FsStatus status = find_name(name, name_length, ref, found);
    if (status != FsStatus::Ok) return status;
    if (found && !is_file_entry(ref.entry)) return FsStatus::Exists;
    uint32_t old_first = found ? entry_cluster(ref.entry) : 0;
    if (found && old_first == 0 && load32(ref.entry + entry::size) == 0) return FsStatus::Ok;
    if ((status = begin_change()) != FsStatus::Ok) return fail(status);
    if (found) {
        set_entry_cluster(ref.entry, 0);
        store32(ref.entry + entry::size, 0);
        stamp(ref.entry, false);
        status = write_short_entry(ref);
        if (status == FsStatus::Ok) status = free_chain(old_first);
        if (status == FsStatus::Ok) status = fat_sync();
    } else {
        uint8_t entry[entry_size] = {};
        entry[entry::attributes] = attribute_archive;
        stamp(entry, true);
        status = create_entry(entry);
    }
    return status == FsStatus::Ok ? status : fail(status);
}

FsStatus Fat32::write(const char* name, size_t name_length, uint64_t offset, const void* data, size_t length) {
    EntryRef file;
    FsStatus status = find_file(name, name_length, file);
    if (status != FsStatus::Ok) return status;
    if (length == 0) return FsStatus::Ok;
    if (offset > 0xFFFFFFFF || length > 0xFFFFFFFF - offset) return FsStatus::TooLarge;
    uint32_t size = load32(file.entry + entry::size);
    uint32_t first = entry_cluster(file.entry);
    uint32_t end = static_cast<uint32_t>(offset + length);
    uint32_t new_size = end > size ? end : size;
    uint32_t start = offset < size ? static_cast<uint32_t>(offset) : size;
    if (size > 0 && first == 0) return FsStatus::Corrupt;
    if ((status = begin_change()) != FsStatus::Ok) return fail(status);
    ChainPosition position;
    bool short_chain = false;
    // From the position of the write's start, so that the walk to the end (to extend) and the
    // transfer both go forward from where the previous call stopped.
    if (first != 0 && (status = seek(first, start / cluster_bytes_, position, short_chain)) != FsStatus::Ok) {
        return fail(status);
    }
    // Only a write starting at the end of a file that fills its last cluster may seek past the chain.
    if (short_chain && start / cluster_bytes_ < (uint64_t{size} + cluster_bytes_ - 1) / cluster_bytes_) {
        return fail(FsStatus::Corrupt);
    }
    if (first != 0) position_ = position;
    status = ensure_clusters(file, static_cast<uint32_t>((uint64_t{new_size} + cluster_bytes_ - 1) / cluster_bytes_));
    if (status == FsStatus::Ok && first == 0) {
        status = seek(entry_cluster(file.entry), start / cluster_bytes_, position, short_chain);
    }
    if (status == FsStatus::Ok && offset > size)
        status = transfer(position, size, nullptr, offset - size, Mode::Zero, size);
    uint32_t valid = offset > size ? static_cast<uint32_t>(offset) : size;
    auto* bytes = static_cast<uint8_t*>(const_cast<void*>(data)); // only read in Mode::Write
    if (status == FsStatus::Ok) status = transfer(position, offset, bytes, length, Mode::Write, valid);
    if (status == FsStatus::Ok) status = fat_sync();
    if (status != FsStatus::Ok) return fail(status);
    position_ = position;
    if (new_size == size && first == entry_cluster(file.entry)) return FsStatus::Ok;
    store32(file.entry + entry::size, new_size);
    stamp(file.entry, false);
    status = write_short_entry(file);
    return status == FsStatus::Ok ? status : fail(status);
}

FsStatus Fat32::read(const char* name, size_t name_length, uint64_t offset, void* data, size_t length, size_t& done) {
    done = 0;
    EntryRef file;
    FsStatus status = find_file(name, name_length, file);
    if (status != FsStatus::Ok) return status;
    uint32_t size = load32(file.entry + entry::size);
    if (offset >= size || length == 0) return FsStatus::Ok;
    size_t n = size - offset < length ? static_cast<size_t>(size - offset) : length;
    ChainPosition position;
    bool short_chain = false;
    status = seek(entry_cluster(file.entry), static_cast<uint32_t>(offset / cluster_bytes_), position, short_chain);
    if (status == FsStatus::Ok && short_chain) status = FsStatus::Corrupt;
    if (status == FsStatus::Ok) status = transfer(position, offset, static_cast<uint8_t*>(data), n, Mode::Read, 0);
    // Reaching the end of the file, check that the chain ends there too (one FAT entry, cached).
    if (status == FsStatus::Ok) position_ = position;
    if (status == FsStatus::Ok && offset + n == size) {
        ChainPosition last;
        status = chain_end(position.first, position.index + 1, last);
    }
    if (status != FsStatus::Ok) return fail(status);
    done = n;
    return FsStatus::Ok;
}

FsStatus Fat32::remove(const char* name, size_t name_length) {
    EntryRef file;
    FsStatus status = find_file(name, name_length, file);
    if (status != FsStatus::Ok) return status;
    status = begin_change();
    if (status == FsStatus::Ok) status = delete_entry_set(file);
    if (status == FsStatus::Ok) status = free_chain(entry_cluster(file.entry));
    if (status == FsStatus::Ok) status = fat_sync();
    return status == FsStatus::Ok ? status : fail(status);
}

// The protocol is described in fat32.hpp.
FsStatus Fat32::replace(const char* from, size_t from_length, const char* to, size_t to_length) {
    EntryRef source;
    EntryRef target;
    bool found = false;
    FsStatus status = find_file(from, from_length, source);
    if (status != FsStatus::Ok) return status;
    // name_ now holds `to`, which a new entry set needs.
    if ((status = find_name(to, to_length, target, found)) != FsStatus::Ok) return status;
    if (found && !is_file_entry(target.entry)) return FsStatus::Exists;
    if (found && target.short_slot.cluster == source.short_slot.cluster &&
        target.short_slot.index == source.short_slot.index) {
        return FsStatus::Ok;
    }
    uint32_t data = entry_cluster(source.entry);
    uint32_t size = load32(source.entry + entry::size);
    uint32_t old_data = found ? entry_cluster(target.entry) : 0;
    status = begin_change();
    source.entry[entry::creation_tenths] = replace_source_mark;
    if (status == FsStatus::Ok) status = write_short_entry(source);
    if (status == FsStatus::Ok && found) {
        set_entry_cluster(target.entry, data);
        store32(target.entry + entry::size, size);
        if (target.entry[entry::creation_tenths] == replace_source_mark) target.entry[entry::creation_tenths] = 0;
        stamp(target.entry, false);
        status = write_short_entry(target);
    } else if (status == FsStatus::Ok) {
        uint8_t entry[entry_size];
        __builtin_memcpy(entry, source.entry, entry_size);
        entry[entry::case_flags] = 0;
        stamp(entry, true);
        status = create_entry(entry);
    }
    if (status == FsStatus::Ok && !device_->flush()) status = FsStatus::IoError;
    if (status == FsStatus::Ok) status = delete_entry_set(source);
    if (status == FsStatus::Ok && !device_->flush()) status = FsStatus::IoError;
    if (status == FsStatus::Ok) status = free_chain(old_data);
    if (status == FsStatus::Ok) status = fat_sync();
    position_ = {};
    return status == FsStatus::Ok ? status : fail(status);
}

} // namespace amber::fs
