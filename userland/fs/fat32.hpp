// FAT32 for the file server: name-based operations on the files of a volume's root directory.
//
// Freestanding (no heap, no exceptions, no C library): one Fat32 object per mounted volume holds
// all its state, 10688 bytes on x86_64 (a test keeps sizeof(Fat32) <= 11 KiB): a 4 KiB window of
// the FAT, a 4 KiB bitmap for mount's lost-cluster sweep (also used for generating 8.3 names), a
// directory sector, a data sector, the long name being assembled (536 bytes), the name being
// looked up (530), the FileInfo list() passes on (280) and about 150 bytes of volume state. A call
// needs under 1 KiB of stack. Not thread-safe.
//
// Names: at most 255 bytes of UTF-8 (255 UTF-16 units) in the root directory; no '/', '\\', control
// characters or "*:<>?|\"", not "." or "..", not ending in '.' or ' '. They match case-insensitively
// (ASCII letters) the long name or the 8.3 name of a file. A name that is not an upper-case 8.3 name
// gets long-name (VFAT) entries and a unique generated 8.3 name ("COUNTER.IMG", "LONGNA~1.TXT").
// Files are reported by their long name, or by their 8.3 name (with the lower-case flags Windows and
// mtools set) when they have none or it does not fit 255 bytes of UTF-8.
//
// Every call is complete when it returns: all it changed is on the device (in order), except the
// FSInfo hints, which flush() writes. Calls are idempotent: repeating one with the same arguments
// leaves the same files (remove() and replace() then return NotFound, the state being the same).
//
// Crash safety. The device orders writes and makes single sectors atomic (block_device.hpp); on
// top of that every change keeps the volume readable as either the old or the new state:
//  - The first change after mount() or flush() clears the clean-shutdown bit in FAT[1]; flush()
//    sets it again once everything else is written. mount() of a volume without it repairs.
//  - Extending a file: the new clusters are marked as a chain of their own in the FAT before the
//    file's last cluster is linked to them (so no entry on the disk ever points at a free cluster),
//    the data is written, and only then the directory entry gets the new size (and first cluster).
//    FAT sectors go to every copy, the first copy first. A cut leaves a chain longer than the size,
//    or clusters nothing refers to.
//  - Removing a file or truncating it (create on an existing file): the directory entry goes first
//    (short entry, then its long entries), then the clusters are freed.
//  - replace(from, to), when `to` exists:
//      1. mark `from`'s short entry as a replace source (replace_source_mark),
//      2. rewrite `to`'s short entry in place so that its first cluster and size are `from`'s
//         (one 32-byte entry in one sector: atomic) - from here on `to` is the new file; flush,
//      3. delete `from`'s entries (short entry first); flush,
//      4. free `to`'s old clusters.
//    When `to` does not exist, step 2 writes a new entry set named `to` pointing at `from`'s data
//    (its short entry, written last, is the commit point). At every point `to` is either the
//    complete old or the complete new file.
//  - mount() repairs what a cut leaves behind: a marked entry that shares its first cluster with
//    another entry is deleted (the other one is the replace target), otherwise the mark is cleared;
//    long-name entries without their short entry are deleted; and when the clean bit is clear, the
//    second FAT is made equal to the first, chains of root files longer than their size are cut,
//    clusters no entry reaches are freed (a sweep over the whole tree, subdirectories included, in
//    windows of 32768 clusters), the free count is recomputed and the clean bit set. Clusters are
//    never reclaimed when the sweep cannot see the whole tree (subdirectories nested deeper than 8,
//    a directory that cannot be read): they then stay lost until fsck. Cross-links that replace()
//    did not cause are left alone.
//
// Corrupt media never crash the library or make it loop: every cluster number and chain walk is
// checked and bounded by the cluster count, and a chain must end where its file's size says (checked
// when a read reaches the end of a file, or a write extends it); such calls return Corrupt. After
// IoError or Corrupt from a call that changes the volume, mount() again (it repairs what the call
// left half done).
//
// Limits: the root directory only (subdirectories are listed, not entered); file sizes below 4 GiB;
// 512-byte sectors; the read-only attribute is not enforced; times are those set with set_time().
// 8.3 names in an OEM code page (mtools stores "ü.txt" as the 8.3 name 0x81 ".TXT", without a
// long name) are reported with their bytes as stored and cannot be looked up; names that need a
// long name are fine in any script. Case-insensitive matching folds ASCII letters only.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "block_device.hpp"
#include "fat32_layout.hpp"

namespace amber::fs {

enum class FsStatus : uint8_t {
    Ok,
    NotFound,       // no file of that name
    Exists,         // the name belongs to a directory or volume label, which cannot be replaced
    NotAFile,       // the name belongs to a directory or volume label, not a file
    NoSpace,        // no free cluster, or the root directory is full
    Corrupt,        // the file system's structures are inconsistent
    IoError,        // the block device reported an error
    InvalidName,    // the name is empty, too long or has characters FAT does not allow
    NotFat32,       // no FAT32 file system on the device (another FAT type or none)
    Unsupported,    // a FAT32 variant this library does not handle (sector size, version)
    DeviceTooSmall, // the volume extends past the end of the device (a truncated image?)
    TooLarge,       // the file would reach 4 GiB
    NotMounted,     // mount() has not succeeded
};

const char* describe(FsStatus status);

struct FileInfo {
    char name[fat32_detail::max_name_bytes + 1]; // NUL-terminated UTF-8: long name, or 8.3 name
    size_t name_length;
    uint32_t size;
    uint32_t first_cluster; // 0 for an empty file
    uint8_t attributes;     // FAT attribute bits: 0x01 read-only, 0x02 hidden, 0x10 directory, ...

    bool is_directory() const { return (attributes & fat32_detail::attribute_directory) != 0; }
};

class Fat32 {
  public:
    // Reads and validates the boot sector (BPB) and FSInfo, then repairs (see above).
    FsStatus mount(BlockDevice& device);

    FsStatus stat(const char* name, size_t name_length, FileInfo& info);
    // Calls visit(const FileInfo&) for every file and subdirectory of the root directory (not the
    // volume label, deleted entries, "." or ".."); visit returns false to stop. visit must not call
    // this Fat32 object.
    template <class F>
    FsStatus list(F&& visit);
    // Creates an empty file, or truncates an existing one to 0 bytes (freeing its clusters).
    FsStatus create(const char* name, size_t name_length);
    // Writes at `offset` of an existing file, extending it (bytes between the old end and `offset`
    // read as zeros). Nothing is written (NoSpace) if the clusters needed are not all free.
    FsStatus write(const char* name, size_t name_length, uint64_t offset, const void* data, size_t length);
    // Reads up to `length` bytes at `offset`; `done` is less than `length` only at the end of the file.
    FsStatus read(const char* name, size_t name_length, uint64_t offset, void* data, size_t length, size_t& done);
    FsStatus remove(const char* name, size_t name_length);
    // Atomically makes `to` name `from`'s file (replacing any file `to`) and removes `from`.
    FsStatus replace(const char* from, size_t from_length, const char* to, size_t to_length);
    // Writes FSInfo and the clean bit, then flushes the device: everything before is durable.
    FsStatus flush();
    uint64_t free_bytes() const;
    // The DOS date and time stamped on entries created or resized from now on (default 1980-01-01).
    void set_time(uint16_t dos_date, uint16_t dos_time) {
        date_ = dos_date;
        time_ = dos_time;
    }

  private:
    using Slot = fat32_detail::Slot;
    using EntryRef = fat32_detail::EntryRef;
    using ChainPosition = fat32_detail::ChainPosition;
    using ScanItem = fat32_detail::ScanItem;
    static constexpr uint32_t sector_size = BlockDevice::sector_size;
    static constexpr uint32_t fat_window_sectors = 8;
    static constexpr uint32_t sweep_window_clusters = 4096 * 8;
    static constexpr uint64_t no_sector = ~uint64_t{0};

    using Visitor = bool (*)(void* context, const FileInfo& info);
    FsStatus list_entries(Visitor visit, void* context);

    // fat32.cpp: volume
    FsStatus read_boot_sector();
    void read_fsinfo();
    FsStatus write_fsinfo();
    FsStatus begin_change();
    FsStatus ready() const { return mounted_ ? FsStatus::Ok : FsStatus::NotMounted; }
    FsStatus fail(FsStatus status);
    uint64_t cluster_sector(uint32_t cluster) const;
    bool valid_cluster(uint32_t cluster) const { return cluster >= 2 && cluster - 2 < cluster_count_; }

    // fat32_fat.cpp: the FAT window, chains, allocation
    FsStatus fat_load(uint32_t sector);
    FsStatus fat_sync(bool first_copy_last = false);
    FsStatus fat_get(uint32_t cluster, uint32_t& value);
    FsStatus fat_set(uint32_t cluster, uint32_t value);
    FsStatus next_cluster(uint32_t cluster, uint32_t& next, bool& end);
    FsStatus seek(uint32_t first, uint32_t index, ChainPosition& position, bool& short_chain);
    FsStatus allocate_chain(uint32_t count, uint32_t& first);
    FsStatus free_chain(uint32_t first);
    FsStatus ensure_clusters(EntryRef& file, uint32_t count);
    FsStatus chain_end(uint32_t first, uint32_t length, ChainPosition& last);
    FsStatus count_free_clusters();

    // Walking a directory entry by entry while assembling long names.
    struct DirectoryScan {
        explicit DirectoryScan(uint32_t directory) : slot{directory, 0} {}
        FsStatus status = FsStatus::Ok;
        ScanItem item = ScanItem::End;
        Slot slot;
        uint32_t clusters_seen = 1;
        bool at_end = false;
        // the long-name run in progress
        Slot run_first;
        uint32_t run_slots = 0;
        uint8_t run_expected = 0; // the order number the next long entry must carry; 0: run complete
        uint8_t run_checksum = 0;
        uint32_t run_length = 0; // units of the long name
    };

    // fat32_directory.cpp: entries of the root directory
    FsStatus dir_load(Slot slot, uint8_t*& entry);
    FsStatus dir_sync();
    FsStatus dir_advance(Slot& slot, uint32_t& clusters, bool& end);
    FsStatus scan_step(DirectoryScan& scan, EntryRef& ref);
    // The next file (with `orphans`, also long-name entries without their file) in scan.item and
    // `ref`; false at the end of the directory or on an error (scan.status).
    bool next_entry(DirectoryScan& scan, EntryRef& ref, bool orphans = false);
    FsStatus find(const fat32_detail::ParsedName& name, EntryRef& ref, bool& found);
    FsStatus find_name(const char* name, size_t length, EntryRef& ref, bool& found);
    FsStatus find_file(const char* name, size_t length, EntryRef& file);
    void fill_info(const EntryRef& ref, FileInfo& info);
    FsStatus generate_short_name(uint8_t* short_name);
    FsStatus find_free_slots(uint32_t count, Slot& start);
    FsStatus create_entry(uint8_t* short_entry);
    FsStatus set_entry(Slot slot, const uint8_t* bytes);
    FsStatus write_short_entry(const EntryRef& ref) { return set_entry(ref.short_slot, ref.entry); }
    FsStatus delete_entry_set(const EntryRef& ref);
    FsStatus delete_slots(Slot first, uint32_t count);
    void stamp(uint8_t* entry, bool created) const;

    // fat32_file.cpp: data
    enum class Mode : uint8_t { Read, Write, Zero };
    FsStatus transfer(ChainPosition& position, uint64_t offset, uint8_t* buffer, size_t length, Mode mode,
                      uint32_t valid);
    FsStatus sector_run(ChainPosition& position, uint64_t offset, uint64_t limit, uint64_t& sectors);

    // fat32_repair.cpp: mount-time repair
    FsStatus repair_directory();
    FsStatus resolve_mark(const EntryRef& marked);
    FsStatus repair_volume();
    FsStatus sync_fat_copies();
    FsStatus trim_chains();
    FsStatus sweep(bool& complete);
    FsStatus mark_chain(uint32_t first, uint32_t base);
    FsStatus mark_tree(uint32_t base, bool& walked);

    BlockDevice* device_ = nullptr;
    bool mounted_ = false;
    // geometry
    uint32_t sectors_per_cluster_ = 0;
    uint32_t cluster_bytes_ = 0;
    uint32_t cluster_count_ = 0;
    uint32_t root_cluster_ = 0;
    uint32_t fat_start_ = 0;   // first sector of FAT 0
    uint32_t fat_sectors_ = 0; // sectors per FAT
    uint32_t fat_count_ = 0;
    uint32_t active_fat_ = 0; // the FAT read (and the only one written when not mirrored)
    bool mirrored_ = true;
    uint64_t data_start_ = 0;
    uint32_t fsinfo_sector_ = 0; // 0: none
    // allocation state (FSInfo)
    uint32_t free_count_ = 0;
    bool free_known_ = false;
    uint32_t next_free_ = 2;
    bool changing_ = false;  // the clean bit is clear on the device
    uint16_t date_ = 0x0021; // 1980-01-01
    uint16_t time_ = 0;
    // the FAT window: fat_window_sectors sectors of the active FAT from fat_window_
    uint32_t fat_window_ = ~uint32_t{0};
    uint32_t fat_window_length_ = 0;
    uint32_t fat_dirty_ = 0; // bit i: sector i of the window changed
    uint8_t fat_cache_[fat_window_sectors * sector_size];
    // one directory sector
    uint64_t dir_sector_ = no_sector;
    bool dir_dirty_ = false;
    uint8_t dir_cache_[sector_size];
    // partial data sectors, the boot sector and FSInfo
    uint8_t sector_[sector_size];
    // the last position in a file's chain, so sequential access does not walk from the start
    ChainPosition position_;
    // the long name of the entry being scanned and the name being looked up or created
    uint16_t long_name_[fat32_detail::max_name_units + 13];
    fat32_detail::ParsedName name_;
    FileInfo list_info_;
    // mount's sweep: one bit per cluster of the window; also short-name tails in use
    uint8_t bitmap_[sweep_window_clusters / 8];
};

template <class F>
FsStatus Fat32::list(F&& visit) {
    auto* target = &visit;
    using Target = decltype(target);
    return list_entries(
        [](void* context, const FileInfo& info) -> bool { return (*static_cast<Target>(context))(info); },
        const_cast<void*>(static_cast<const void*>(target)));
}

} // namespace amber::fs
