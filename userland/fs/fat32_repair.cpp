// mount()'s repair of what a cut leaves behind (see the protocol in fat32.hpp): interrupted
// replace() marks, long-name entries without their short entry, FAT copies that differ, chains
// longer than their file, and clusters no entry reaches.
#include "fat32.hpp"

namespace amber::fs {

using namespace fat32_detail;

namespace {

constexpr uint32_t max_sweep_depth = 8;

bool is_marked(const EntryRef& ref) {
    return ref.entry[entry::creation_tenths] == replace_source_mark && is_file_entry(ref.entry);
}

} // namespace

FsStatus Fat32::repair_directory() {
    DirectoryScan scan(root_cluster_);
    EntryRef ref;
    while (next_entry(scan, ref, true)) {
        FsStatus status = FsStatus::Ok;
        if (scan.item == ScanItem::Orphan) {
            status = begin_change();
            if (status == FsStatus::Ok) status = delete_slots(ref.first, ref.slots);
        } else if (is_marked(ref)) {
            status = resolve_mark(ref);
        }
        if (status != FsStatus::Ok) return status;
    }
    return scan.status;
}

// A marked entry is the source of an interrupted replace(): if another entry already has its data,
// that is the target and the source goes; otherwise the replace had not started and the mark goes.
FsStatus Fat32::resolve_mark(const EntryRef& marked) {
    uint32_t data = entry_cluster(marked.entry);
    bool shared = false;
    if (data != 0) {
        DirectoryScan scan(root_cluster_);
        EntryRef other;
        while (!shared && next_entry(scan, other)) {
            shared = entry_cluster(other.entry) == data && (other.short_slot.cluster != marked.short_slot.cluster ||
                                                            other.short_slot.index != marked.short_slot.index);
        }
        if (scan.status != FsStatus::Ok) return scan.status;
    }
    FsStatus status = begin_change();
    if (status != FsStatus::Ok) return status;
    if (shared) return delete_entry_set(marked);
    EntryRef unmarked = marked;
    unmarked.entry[entry::creation_tenths] = 0;
    return write_short_entry(unmarked);
}

FsStatus Fat32::repair_volume() {
    bool complete = false;
    FsStatus status = sync_fat_copies();
    if (status == FsStatus::Ok) status = trim_chains();
    if (status == FsStatus::Ok) status = sweep(complete);
    if (status == FsStatus::Ok && !complete) status = count_free_clusters();
    if (status == FsStatus::Ok) status = flush();
    return status;
}

// The first FAT is written before the others, so it is the newer one: copy its differing sectors.
FsStatus Fat32::sync_fat_copies() {
    FsStatus status = fat_sync();
    if (status != FsStatus::Ok || !mirrored_ || fat_count_ < 2) return status;
    fat_window_ = ~uint32_t{0};
    static_assert(sizeof bitmap_ == sizeof fat_cache_, "the copy uses both buffers for one window");
    for (uint32_t window = 0; window < fat_sectors_; window += fat_window_sectors) {
        uint32_t length = fat_sectors_ - window < fat_window_sectors ? fat_sectors_ - window : fat_window_sectors;
        if (!device_->read(fat_start_ + window, length, bitmap_)) return FsStatus::IoError;
        for (uint32_t copy = 1; copy < fat_count_; ++copy) {
            uint64_t base = fat_start_ + uint64_t{copy} * fat_sectors_ + window;
            if (!device_->read(base, length, fat_cache_)) return FsStatus::IoError;
            for (uint32_t i = 0; i < length; ++i) {
                if (__builtin_memcmp(bitmap_ + i * sector_size, fat_cache_ + i * sector_size, sector_size) == 0) {
                    continue;
                }
                if (!device_->write(base + i, 1, bitmap_ + i * sector_size)) return FsStatus::IoError;
            }
        }
    }
    return FsStatus::Ok;
}

// Cuts the chain of every root file after the clusters its size needs (an extension cut short
// before the size was written). Files whose chain is broken are left for read() to report.
FsStatus Fat32::trim_chains() {
    DirectoryScan scan(root_cluster_);
    EntryRef ref;
    while (next_entry(scan, ref)) {
        uint32_t first = entry_cluster(ref.entry);
        uint64_t needed = (uint64_t{load32(ref.entry + entry::size)} + cluster_bytes_ - 1) / cluster_bytes_;
        if (first == 0 || needed == 0 || !is_file_entry(ref.entry)) continue;
        ChainPosition last;
        bool short_chain = false;
        uint32_t value = 0;
        FsStatus status = seek(first, static_cast<uint32_t>(needed - 1), last, short_chain);
        if (status == FsStatus::Ok && !short_chain) status = fat_get(last.cluster, value);
        if (status == FsStatus::Ok && !short_chain && value < fat_end_min) status = fat_set(last.cluster, fat_end);
        if (status == FsStatus::Corrupt) status = FsStatus::Ok;
        if (status != FsStatus::Ok) return status;
    }
    position_ = {};
    return scan.status == FsStatus::Ok ? fat_sync() : scan.status;
}

// Frees every allocated cluster that no chain reaches, one window of clusters at a time, and
// counts the free clusters. `complete` is false (and nothing freed) if the tree cannot be walked.
FsStatus Fat32::sweep(bool& complete) {
    complete = false;
    uint32_t free = 0;
    for (uint64_t base = 2; base < uint64_t{cluster_count_} + 2; base += sweep_window_clusters) {
        __builtin_memset(bitmap_, 0, sizeof bitmap_);
        bool walked = false;
        FsStatus status = mark_tree(static_cast<uint32_t>(base), walked);
        if (status != FsStatus::Ok || !walked) return status;
        uint64_t end = base + sweep_window_clusters < uint64_t{cluster_count_} + 2 ? base + sweep_window_clusters
                                                                                   : uint64_t{cluster_count_} + 2;
        for (uint32_t cluster = static_cast<uint32_t>(base); cluster < end; ++cluster) {
            uint32_t bit = cluster - static_cast<uint32_t>(base);
            uint32_t value = 0;
            if ((status = fat_get(cluster, value)) != FsStatus::Ok) return status;
            if (value != 0 && value != fat_bad && (bitmap_[bit / 8] >> bit % 8 & 1) == 0) {
                if ((status = fat_set(cluster, 0)) != FsStatus::Ok) return status;
                value = 0;
            }
            if (value == 0) ++free;
        }
    }
    free_count_ = free;
    free_known_ = true;
    position_ = {};
    complete = true;
    return fat_sync();
}

// Marks the clusters of the chain at `first` that lie in the window starting at `base`.
FsStatus Fat32::mark_chain(uint32_t first, uint32_t base) {
    uint32_t cluster = first;
    for (uint32_t n = 0; n < cluster_count_ && valid_cluster(cluster); ++n) {
        if (cluster >= base && cluster - base < sweep_window_clusters) {
            uint32_t bit = cluster - base;
            if (bitmap_[bit / 8] >> bit % 8 & 1) return FsStatus::Ok; // the rest is marked already
            bitmap_[bit / 8] |= static_cast<uint8_t>(1u << bit % 8);
        }
        uint32_t value = 0;
        FsStatus status = fat_get(cluster, value);
        if (status != FsStatus::Ok) return status;
        cluster = value;
    }
    return FsStatus::Ok;
}

// Marks the chains of the root directory and of everything in it, subdirectories included (depth
// first, at most max_sweep_depth deep). `walked` is false if some part could not be walked.
FsStatus Fat32::mark_tree(uint32_t base, bool& walked) {
    walked = false;
    Slot stack[max_sweep_depth + 1];
    uint32_t clusters[max_sweep_depth + 1];
    bool finished[max_sweep_depth + 1];
    uint32_t depth = 0;
    stack[0] = {root_cluster_, 0};
    clusters[0] = 1;
    finished[0] = false;
    FsStatus status = mark_chain(root_cluster_, base);
    while (status == FsStatus::Ok) {
        if (finished[depth]) {
            if (depth == 0) {
                walked = true;
                return FsStatus::Ok;
            }
            --depth;
            continue;
        }
        uint8_t* e = nullptr;
        if ((status = dir_load(stack[depth], e)) != FsStatus::Ok) break;
        if (e[0] == entry_free) {
            finished[depth] = true;
            continue;
        }
        uint32_t cluster = entry_cluster(e);
        bool entry = e[0] != entry_deleted && e[0] != '.' && !is_long_entry(e) &&
                     (e[entry::attributes] & attribute_volume_id) == 0 && cluster != 0;
        bool directory = entry && (e[entry::attributes] & attribute_directory) != 0;
        if (entry) status = mark_chain(cluster, base);
        if (status == FsStatus::Ok) status = dir_advance(stack[depth], clusters[depth], finished[depth]);
        if (status != FsStatus::Ok || !directory) continue;
        if (depth == max_sweep_depth || !valid_cluster(cluster)) return FsStatus::Ok;
        ++depth;
        stack[depth] = {cluster, 0};
        clusters[depth] = 1;
        finished[depth] = false;
    }
    return status == FsStatus::Corrupt ? FsStatus::Ok : status;
}

} // namespace amber::fs
