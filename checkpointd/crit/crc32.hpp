// CRC-32 as zlib's crc32() computes it (IEEE 802.3, reflected polynomial 0xEDB88320, initial and
// final XOR 0xFFFFFFFF): the checksum of an Amber checkpoint image. Fed in pieces, so a file can be
// checked while it streams past.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace amber::crit {

class Crc32 {
  public:
    void update(const void* data, std::size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    // The CRC of every byte given so far; updating afterwards continues from there.
    std::uint32_t value() const { return ~state_; }

  private:
    std::uint32_t state_ = 0xffffffffu;
};

inline std::uint32_t crc32_of(std::string_view bytes) {
    Crc32 crc;
    crc.update(bytes);
    return crc.value();
}

} // namespace amber::crit
