// Reading and validating an Amber checkpoint image (images/amber_image.proto) from a file, a file
// in a FAT disk image, or bytes in memory. Used by amber-crit, its tests and the image fuzzer.
//
// An image file is one serialized amber.image.Image whose first field is the header and whose last
// field is the checksum: the byte 0x7D (field 15, fixed32) and the CRC-32 (zlib) of every byte before
// that 0x7D, little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "amber_image.pb.h"
#include "image_source.hpp"

namespace amber::crit {

inline constexpr std::uint32_t image_magic = 0x524d4241;
inline constexpr std::uint32_t image_format_version = 1;
inline constexpr std::uint64_t known_feature_bits = 0; // Header.features this reader understands: none yet
inline constexpr std::uint32_t image_page_size = 4096;
inline constexpr unsigned char checksum_tag = 0x7d; // field 15, wire type 5 (fixed32)
inline constexpr std::size_t checksum_field_size = 5;
inline constexpr std::size_t max_header_bytes = 65536;

// An image that passed every check of check_image().
struct CheckedImage {
    amber::image::Image image;
    std::uint64_t file_bytes = 0; // the whole file, checksum included
    std::uint64_t pages = 0;      // pages stored in page runs
};

// Pass 1 of check_image: streams once over `stream` (to its end) in constant memory and checks the
// framing: the header comes first, with the magic, format version 1 and no unknown feature bits; the
// top-level fields are well-formed and complete; the checksum field is last and matches. Sets
// `length` to the number of bytes read. Returns "" or the reason the image is bad.
std::string scan_image(ByteStream& stream, std::uint64_t& length);

// Checks the image at `source` and parses it into `out`: pass 1 (scan_image), then pass 2 parses the
// whole image and checks its contents: ABI and object state versions of this tool, page size, page
// runs of whole aligned pages, FPU images of 512 bytes. Returns "" when the image is good, otherwise
// one line saying what is wrong ("bad checksum (stored ..., computed ...)", "truncated: ...").
std::string check_image(const ImageSource& source, CheckedImage& out);

// "ok (format 1, abi 2, 3 pages, 12345 bytes)"
std::string ok_summary(const CheckedImage& checked);

// `body` (an image serialized without its checksum) followed by the checksum field.
std::string with_checksum(std::string body);
// The file holding `image`: serialized without its `checksum` field, then the checksum field.
std::string image_file_bytes(amber::image::Image image);

// While one exists, libprotobuf's log messages (e.g. that a string field holds invalid UTF-8) are
// kept rather than printed on stderr; reason() is the last one, shortened, or "". One at a time.
class ProtobufComplaints {
  public:
    ProtobufComplaints();
    ~ProtobufComplaints();
    ProtobufComplaints(const ProtobufComplaints&) = delete;
    ProtobufComplaints& operator=(const ProtobufComplaints&) = delete;
    std::string reason() const;
};

// "0x1a2b" (lower case, no padding).
std::string hex(std::uint64_t value);

} // namespace amber::crit
