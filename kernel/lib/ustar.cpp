#include "ustar.hpp"

namespace lib {
namespace {

constexpr size_t block_size = 512;

bool parse_octal(const uint8_t* field, size_t length, uint64_t& value) {
    value = 0;
    size_t i = 0;
    while (i < length && field[i] == ' ') ++i;
    bool any = false;
    for (; i < length && field[i] >= '0' && field[i] <= '7'; ++i) {
        if (value >> 60) return false;
        value = value * 8 + (field[i] - '0');
        any = true;
    }
    for (; i < length; ++i) {
        if (field[i] != '\0' && field[i] != ' ') return false;
    }
    return any;
}

bool all_zero(const uint8_t* block) {
    for (size_t i = 0; i < block_size; ++i) {
        if (block[i] != 0) return false;
    }
    return true;
}

size_t bounded_length(const uint8_t* field, size_t capacity) {
    size_t n = 0;
    while (n < capacity && field[n] != '\0') ++n;
    return n;
}

} // namespace

UstarResult UstarReader::next(UstarEntry& entry) {
    while (true) {
        if (offset_ + block_size > archive_.size) return UstarResult::End;
        const uint8_t* header = archive_.data + offset_;
        if (all_zero(header)) return UstarResult::End;
        if (header[257] != 'u' || header[258] != 's' || header[259] != 't' || header[260] != 'a' ||
            header[261] != 'r') {
            return UstarResult::Corrupt;
        }
        uint64_t recorded_sum = 0;
        if (!parse_octal(header + 148, 8, recorded_sum)) return UstarResult::Corrupt;
        uint64_t sum = 0;
        for (size_t i = 0; i < block_size; ++i) sum += (i >= 148 && i < 156) ? ' ' : header[i];
        if (sum != recorded_sum) return UstarResult::Corrupt;
        uint64_t size = 0;
        if (!parse_octal(header + 124, 12, size)) return UstarResult::Corrupt;
        size_t data_offset = offset_ + block_size;
        if (size > archive_.size - data_offset) return UstarResult::Corrupt;
        offset_ = data_offset + ((size + block_size - 1) / block_size) * block_size;
        char type = static_cast<char>(header[156]);
        if (type != '0' && type != '\0') continue; // directories, links, ...: skipped

        size_t prefix_length = bounded_length(header + 345, 155);
        size_t name_length = bounded_length(header, 100);
        size_t n = 0;
        for (size_t i = 0; i < prefix_length; ++i) entry.name[n++] = static_cast<char>(header[345 + i]);
        if (prefix_length > 0) entry.name[n++] = '/';
        for (size_t i = 0; i < name_length; ++i) entry.name[n++] = static_cast<char>(header[i]);
        entry.name[n] = '\0';
        if (n >= 2 && entry.name[0] == '.' && entry.name[1] == '/') {
            for (size_t i = 2; i <= n; ++i) entry.name[i - 2] = entry.name[i];
        }
        entry.contents = {archive_.data + data_offset, static_cast<size_t>(size)};
        return UstarResult::Entry;
    }
}

bool ustar_find(ByteView archive, StringView name, ByteView& contents) {
    UstarReader reader(archive);
    UstarEntry entry;
    while (reader.next(entry) == UstarResult::Entry) {
        if (StringView(entry.name).equals(name)) {
            contents = entry.contents;
            return true;
        }
    }
    return false;
}

} // namespace lib
