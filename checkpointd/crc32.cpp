#include "crc32.hpp"

namespace checkpointd {
namespace {

// Slicing-by-8: table[k][b] is the CRC of byte b followed by k zero bytes, so eight input bytes
// are folded in with eight lookups.
struct Tables {
    uint32_t entries[8][256];
    constexpr Tables() : entries() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            entries[0][i] = c;
        }
        for (uint32_t i = 0; i < 256; ++i) {
            for (int k = 1; k < 8; ++k) entries[k][i] = (entries[k - 1][i] >> 8) ^ entries[0][entries[k - 1][i] & 0xff];
        }
    }
};

constexpr Tables tables;

} // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t length) {
    auto* bytes = static_cast<const uint8_t*>(data);
    const auto& t = tables.entries;
    crc = ~crc;
    while (length >= 8) {
        uint32_t low, high;
        __builtin_memcpy(&low, bytes, 4);
        __builtin_memcpy(&high, bytes + 4, 4);
        low ^= crc;
        crc = t[7][low & 0xff] ^ t[6][(low >> 8) & 0xff] ^ t[5][(low >> 16) & 0xff] ^ t[4][low >> 24] ^
              t[3][high & 0xff] ^ t[2][(high >> 8) & 0xff] ^ t[1][(high >> 16) & 0xff] ^ t[0][high >> 24];
        bytes += 8;
        length -= 8;
    }
    for (size_t i = 0; i < length; ++i) crc = t[0][(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

} // namespace checkpointd
