// The FAT32 on-disk format (Microsoft, "FAT: General Overview of On-Disk Format", 1.03) and the
// small internal types the Fat32 class keeps. Included by fat32.hpp; not part of the library's API.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace amber::fs::fat32_detail {

inline uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
inline uint32_t load32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}
inline void store16(uint8_t* p, uint16_t value) {
    p[0] = static_cast<uint8_t>(value);
    p[1] = static_cast<uint8_t>(value >> 8);
}
inline void store32(uint8_t* p, uint32_t value) {
    store16(p, static_cast<uint16_t>(value));
    store16(p + 2, static_cast<uint16_t>(value >> 16));
}

// FAT entries: 28 bits; the top 4 are reserved and kept as found.
constexpr uint32_t fat_mask = 0x0FFFFFFF;
constexpr uint32_t fat_bad = 0x0FFFFFF7;
constexpr uint32_t fat_end_min = 0x0FFFFFF8; // this and above: end of chain
constexpr uint32_t fat_end = 0x0FFFFFFF;
constexpr uint32_t max_cluster_count = 0x0FFFFFF5 - 2; // clusters 2 .. 0x0FFFFFF6 at most
// FAT[1] bit 27: set when the volume was cleanly unmounted (cleared while changes are in flight).
constexpr uint32_t fat_clean_bit = 0x08000000;

// A directory entry (32 bytes).
constexpr uint32_t entry_size = 32;
constexpr uint32_t max_directory_entries = 65536; // a directory is at most 2 MiB
namespace entry {
constexpr size_t name = 0; // 11 bytes: 8 + 3, space padded
constexpr size_t attributes = 11;
constexpr size_t case_flags = 12; // NTRes: 0x08 base and 0x10 extension are lower case
constexpr size_t creation_tenths = 13;
constexpr size_t creation_time = 14;
constexpr size_t creation_date = 16;
constexpr size_t access_date = 18;
constexpr size_t cluster_high = 20;
constexpr size_t write_time = 22;
constexpr size_t write_date = 24;
constexpr size_t cluster_low = 26;
constexpr size_t size = 28;
} // namespace entry
constexpr uint8_t attribute_read_only = 0x01;
constexpr uint8_t attribute_volume_id = 0x08;
constexpr uint8_t attribute_directory = 0x10;
constexpr uint8_t attribute_archive = 0x20;
constexpr uint8_t attribute_long_name = 0x0F; // compared under attribute_long_name_mask
constexpr uint8_t attribute_long_name_mask = 0x3F;
constexpr uint8_t case_lower_base = 0x08;
constexpr uint8_t case_lower_extension = 0x10;
constexpr uint8_t entry_free = 0x00;    // first name byte: this and every later entry are free
constexpr uint8_t entry_deleted = 0xE5; // first name byte: deleted
constexpr uint8_t entry_e5 = 0x05;      // first name byte: stands for a real 0xE5
// creation_tenths of a replace() source, between marking it and deleting it (valid tenths are
// 0..199, so no conforming writer produces it; fsck.fat and mtools ignore the field).
constexpr uint8_t replace_source_mark = 0xFA;

// A long-name (LFN) entry.
namespace long_entry {
constexpr size_t order = 0; // sequence number 1..20, 0x40 on the last (physically first) one
constexpr size_t checksum = 13;
constexpr size_t first_cluster = 26;
constexpr uint8_t last_flag = 0x40;
} // namespace long_entry
constexpr uint32_t long_entry_units = 13;
constexpr uint32_t max_name_units = 255;
constexpr uint32_t max_name_bytes = 255;

inline uint32_t entry_cluster(const uint8_t* e) {
    return (static_cast<uint32_t>(load16(e + entry::cluster_high)) << 16 | load16(e + entry::cluster_low)) & fat_mask;
}
inline void set_entry_cluster(uint8_t* e, uint32_t cluster) {
    store16(e + entry::cluster_high, static_cast<uint16_t>(cluster >> 16));
    store16(e + entry::cluster_low, static_cast<uint16_t>(cluster));
}
inline bool is_long_entry(const uint8_t* e) {
    return (e[entry::attributes] & attribute_long_name_mask) == attribute_long_name;
}
// A short entry of a file (not a directory or volume label).
inline bool is_file_entry(const uint8_t* e) {
    return (e[entry::attributes] & (attribute_directory | attribute_volume_id)) == 0;
}

// Where a directory entry lies: a cluster of the directory and the entry's index inside it.
struct Slot {
    uint32_t cluster = 0;
    uint32_t index = 0;
};

// A name as asked for, converted once: UTF-16 for long names and, when upper-casing makes it a
// valid 8.3 name, that 11-byte form (for matching short names).
struct ParsedName {
    uint16_t units[max_name_units];
    uint32_t length = 0;
    uint8_t short_name[11];
    bool has_short_form = false; // short_name is valid
    bool plain_short = false;    // the name is already an upper-case 8.3 name: no long entries needed
};

// One file's entries in a directory: its long-name entries (if any) and its short entry.
struct EntryRef {
    Slot first;                // the first slot of the set
    Slot short_slot;           // the short entry
    uint32_t slots;            // long entries + 1
    uint8_t entry[entry_size]; // copy of the short entry
    bool has_long;             // Fat32::long_name_ holds the long name (long_length units)
    uint32_t long_length;
};

// A place in a cluster chain: `cluster` is the `index`-th cluster of the chain starting at `first`.
struct ChainPosition {
    uint32_t first = 0;
    uint32_t index = 0;
    uint32_t cluster = 0;
};

enum class ScanItem { File, Orphan, End };

// Names (fat32_names.cpp).
bool parse_name(const char* name, size_t length, ParsedName& parsed);
bool long_names_equal(const uint16_t* a, uint32_t a_length, const uint16_t* b, uint32_t b_length);
uint8_t short_name_checksum(const uint8_t* short_name);
// UTF-16 to UTF-8; false if it does not fit `capacity` bytes or has unpaired surrogates.
bool utf16_to_utf8(const uint16_t* units, uint32_t length, char* out, size_t capacity, size_t& out_length);
// The 8.3 name of a short entry as text ("NAME.EXT", case flags applied); at most 12 bytes.
size_t short_name_text(const uint8_t* entry, char* out);
// The basis of a generated short name (upper case, invalid characters replaced, 8 + 3); `lossy` if
// the long name cannot be recovered from it by changing case.
void short_name_basis(const ParsedName& name, uint8_t* basis, bool& lossy);
// basis with "~n" (1 <= n <= 999999) in its base part.
void short_name_with_tail(const uint8_t* basis, uint32_t n, uint8_t* out);
// n if `short_name` is `basis` with a tail "~n", else 0.
uint32_t short_name_tail(const uint8_t* short_name, const uint8_t* basis);
// The long entry `order` (1-based) of `name` with `checksum`.
void build_long_entry(const ParsedName& name, uint32_t order, uint32_t count, uint8_t checksum, uint8_t* out);
// Appends the units of long entry `e` to `units` (at (order - 1) * 13); false if malformed.
bool read_long_entry(const uint8_t* e, uint16_t* units, uint32_t& length, bool last);

} // namespace amber::fs::fat32_detail
