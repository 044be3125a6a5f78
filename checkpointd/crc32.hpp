// CRC-32 (IEEE 802.3, as zlib's crc32): the checksum that ends every image.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace checkpointd {

// Continues a CRC: crc32_update(0, whole) == crc32_update(crc32_update(0, a), b) for whole = a + b.
uint32_t crc32_update(uint32_t crc, const void* data, size_t length);

} // namespace checkpointd
