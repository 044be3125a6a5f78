// Names: UTF-8 requests to UTF-16 long names, 8.3 short names, generated short names, long-name
// entries and their checksum.
#include "fat32_layout.hpp"

namespace amber::fs::fat32_detail {
namespace {

constexpr size_t long_unit_offsets[long_entry_units] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

bool forbidden_in_long_name(uint32_t c) {
    if (c < 0x20) return true;
    for (const char* p = "\"*/:<>?\\|"; *p != '\0'; ++p) {
        if (c == static_cast<uint8_t>(*p)) return true;
    }
    return false;
}

// Characters an 8.3 name may hold besides A-Z and 0-9 (this library never writes others).
bool short_name_character(uint32_t c) {
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    for (const char* p = "$%'-_@~`!(){}^#&"; *p != '\0'; ++p) {
        if (c == static_cast<uint8_t>(*p)) return true;
    }
    return false;
}

uint32_t to_upper(uint32_t c) { return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c; }

// Decodes one UTF-8 sequence at name[i]; 0 on malformed input, else its length.
size_t decode_utf8(const char* name, size_t length, size_t i, uint32_t& code) {
    uint8_t lead = static_cast<uint8_t>(name[i]);
    size_t n = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > length) return 0;
    static constexpr uint32_t lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    static constexpr uint32_t minimum[5] = {0, 0, 0x80, 0x800, 0x10000};
    code = lead & lead_mask[n];
    for (size_t k = 1; k < n; ++k) {
        uint8_t next = static_cast<uint8_t>(name[i + k]);
        if ((next & 0xC0) != 0x80) return 0;
        code = code << 6 | (next & 0x3F);
    }
    if (code < minimum[n] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return n;
}

// The 8.3 form of an upper-cased name if it is one: base 1..8, optional '.' and extension 1..3.
bool make_short_form(const ParsedName& name, uint8_t* out, bool& had_lower) {
    __builtin_memset(out, ' ', 11);
    had_lower = false;
    uint32_t position = 0;
    uint32_t limit = 8;
    bool in_extension = false;
    for (uint32_t i = 0; i < name.length; ++i) {
        uint32_t c = name.units[i];
        if (c == '.' && !in_extension && position > 0) {
            in_extension = true;
            position = 8;
            limit = 11;
            continue;
        }
        if (c >= 'a' && c <= 'z') had_lower = true;
        c = to_upper(c);
        if (!short_name_character(c) || position >= limit) return false;
        out[position++] = static_cast<uint8_t>(c);
    }
    return position > 0 && !(in_extension && position == 8);
}

// Upper-cases units [from, to) into out[0..capacity), skipping spaces and dots and replacing
// characters 8.3 names cannot hold by '_'; returns how many were stored.
uint32_t basis_part(const ParsedName& name, uint32_t from, uint32_t to, uint8_t* out, uint32_t capacity, bool& lossy) {
    uint32_t stored = 0;
    for (uint32_t i = from; i < to; ++i) {
        uint32_t c = to_upper(name.units[i]);
        if (c == ' ' || c == '.') {
            lossy = true;
            continue;
        }
        if (!short_name_character(c)) {
            c = '_';
            lossy = true;
        }
        if (stored == capacity) {
            lossy = true;
            break;
        }
        out[stored++] = static_cast<uint8_t>(c);
    }
    return stored;
}

} // namespace

bool parse_name(const char* name, size_t length, ParsedName& parsed) {
    parsed.length = 0;
    parsed.has_short_form = parsed.plain_short = false;
    if (name == nullptr || length == 0 || length > max_name_bytes) return false;
    for (size_t i = 0; i < length;) {
        uint32_t code = 0;
        size_t n = decode_utf8(name, length, i, code);
        if (n == 0 || forbidden_in_long_name(code)) return false;
        i += n;
        if (code >= 0x10000) {
            if (parsed.length + 2 > max_name_units) return false;
            code -= 0x10000;
            parsed.units[parsed.length++] = static_cast<uint16_t>(0xD800 + (code >> 10));
            parsed.units[parsed.length++] = static_cast<uint16_t>(0xDC00 + (code & 0x3FF));
        } else {
            if (parsed.length + 1 > max_name_units) return false;
            parsed.units[parsed.length++] = static_cast<uint16_t>(code);
        }
    }
    // Windows drops trailing dots and spaces, so such names could not be found again ("." and "..").
    uint16_t last = parsed.units[parsed.length - 1];
    if (last == '.' || last == ' ') return false;
    bool had_lower = false;
    parsed.has_short_form = make_short_form(parsed, parsed.short_name, had_lower);
    parsed.plain_short = parsed.has_short_form && !had_lower;
    return true;
}

bool long_names_equal(const uint16_t* a, uint32_t a_length, const uint16_t* b, uint32_t b_length) {
    if (a_length != b_length) return false;
    for (uint32_t i = 0; i < a_length; ++i) {
        if (to_upper(a[i]) != to_upper(b[i])) return false;
    }
    return true;
}

uint8_t short_name_checksum(const uint8_t* short_name) {
    uint8_t sum = 0;
    for (int i = 0; i < 11; ++i) sum = static_cast<uint8_t>(((sum & 1) << 7) + (sum >> 1) + short_name[i]);
    return sum;
}

bool utf16_to_utf8(const uint16_t* units, uint32_t length, char* out, size_t capacity, size_t& out_length) {
    size_t n = 0;
    for (uint32_t i = 0; i < length; ++i) {
        uint32_t c = units[i];
        if (c >= 0xDC00 && c <= 0xDFFF) return false;
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 == length || units[i + 1] < 0xDC00 || units[i + 1] > 0xDFFF) return false;
            c = 0x10000 + ((c - 0xD800) << 10) + (units[++i] - 0xDC00);
        }
        size_t bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (n + bytes > capacity) return false;
        if (bytes == 1) {
            out[n++] = static_cast<char>(c);
            continue;
        }
        static constexpr uint8_t lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
        out[n++] = static_cast<char>(lead[bytes] | c >> (6 * (bytes - 1)));
        for (size_t k = bytes - 1; k > 0; --k) out[n++] = static_cast<char>(0x80 | ((c >> (6 * (k - 1))) & 0x3F));
    }
    out_length = n;
    return true;
}

size_t short_name_text(const uint8_t* e, char* out) {
    size_t n = 0;
    uint8_t flags = e[entry::case_flags];
    for (int i = 0; i < 11; ++i) {
        if (i == 8) {
            if (e[8] == ' ') break;
            out[n++] = '.';
        }
        uint8_t c = (i == 0 && e[0] == entry_e5) ? entry_deleted : e[i];
        if (c == ' ') {
            if (i < 8) i = 7; // the base part ends; continue with the extension
            continue;
        }
        bool lower = i < 8 ? (flags & case_lower_base) != 0 : (flags & case_lower_extension) != 0;
        out[n++] = static_cast<char>(lower && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    return n;
}

void short_name_basis(const ParsedName& name, uint8_t* basis, bool& lossy) {
    __builtin_memset(basis, ' ', 11);
    lossy = false;
    uint32_t start = 0;
    while (start < name.length && (name.units[start] == '.' || name.units[start] == ' ')) ++start;
    if (start > 0) lossy = true;
    uint32_t dot = name.length;
    for (uint32_t i = name.length; i > start; --i) {
        if (name.units[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    }
    uint32_t base = basis_part(name, start, dot, basis, 8, lossy);
    if (dot < name.length) basis_part(name, dot + 1, name.length, basis + 8, 3, lossy);
    if (base == 0) {
        basis[0] = '_';
        lossy = true;
    }
}

void short_name_with_tail(const uint8_t* basis, uint32_t n, uint8_t* out) {
    char digits[8];
    uint32_t count = 0;
    for (uint32_t v = n; v != 0 && count < 6; v /= 10) digits[count++] = static_cast<char>('0' + v % 10);
    uint32_t base = 0;
    while (base < 8 && basis[base] != ' ') ++base;
    uint32_t prefix = base < 7 - count ? base : 7 - count;
    __builtin_memcpy(out, basis, 11);
    __builtin_memset(out + prefix, ' ', 8 - prefix);
    out[prefix] = '~';
    for (uint32_t i = 0; i < count; ++i) out[prefix + 1 + i] = static_cast<uint8_t>(digits[count - 1 - i]);
}

uint32_t short_name_tail(const uint8_t* short_name, const uint8_t* basis) {
    if (__builtin_memcmp(short_name + 8, basis + 8, 3) != 0) return 0;
    uint32_t tilde = 0;
    while (tilde < 8 && short_name[tilde] != '~') ++tilde;
    if (tilde >= 7 || short_name[tilde + 1] == '0') return 0;
    uint32_t n = 0;
    uint32_t i = tilde + 1;
    for (; i < 8 && short_name[i] >= '0' && short_name[i] <= '9'; ++i) n = n * 10 + (short_name[i] - '0');
    if (i == tilde + 1) return 0;
    for (uint32_t k = i; k < 8; ++k) {
        if (short_name[k] != ' ') return 0;
    }
    uint8_t expected[11];
    short_name_with_tail(basis, n, expected);
    return __builtin_memcmp(expected, short_name, 11) == 0 ? n : 0;
}

void build_long_entry(const ParsedName& name, uint32_t order, uint32_t count, uint8_t checksum, uint8_t* out) {
    __builtin_memset(out, 0, entry_size);
    out[long_entry::order] = static_cast<uint8_t>(order | (order == count ? long_entry::last_flag : 0));
    out[entry::attributes] = attribute_long_name;
    out[long_entry::checksum] = checksum;
    for (uint32_t k = 0; k < long_entry_units; ++k) {
        uint32_t i = (order - 1) * long_entry_units + k;
        uint16_t unit = i < name.length ? name.units[i] : i == name.length ? 0 : 0xFFFF;
        store16(out + long_unit_offsets[k], unit);
    }
}

bool read_long_entry(const uint8_t* e, uint16_t* units, uint32_t& length, bool last) {
    uint32_t order = e[long_entry::order] & 0x1F;
    if (order == 0 || order > 20 || load16(e + long_entry::first_cluster) != 0) return false;
    uint32_t base = (order - 1) * long_entry_units;
    uint32_t k = 0;
    for (; k < long_entry_units; ++k) {
        uint16_t unit = load16(e + long_unit_offsets[k]);
        if (unit == 0 && last) break;
        units[base + k] = unit;
    }
    if (last) length = base + k;
    return length > 0 && length <= max_name_units;
}

} // namespace amber::fs::fat32_detail
