#include "crc32.hpp"

namespace checkpointd {
namespace {

struct Table {
    uint32_t entries[256];
    constexpr Table() : entries() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            entries[i] = c;
        }
    }
};

constexpr Table table;

} // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t length) {
    auto* bytes = static_cast<const uint8_t*>(data);
    crc = ~crc;
    for (size_t i = 0; i < length; ++i) crc = table.entries[(crc ^ bytes[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

} // namespace checkpointd
