// Constants of the image format (images/amber_image.proto) shared by writer and reader.
#pragma once

#include <stdint.h>

namespace checkpointd {

constexpr uint32_t image_magic = 0x524d4241; // "ABMR" read as little-endian bytes 'A','B','M','R'
constexpr uint32_t image_format_version = 1;
constexpr uint64_t image_known_features = 0;    // no optional features defined yet
constexpr uint8_t checksum_tag = (15 << 3) | 5; // field 15, wire type fixed32: the image's last 5 bytes
constexpr uint32_t page_size = 4096;

} // namespace checkpointd
