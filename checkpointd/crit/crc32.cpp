#include "crc32.hpp"

#include <array>

namespace amber::crit {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t value = i;
        for (int bit = 0; bit < 8; ++bit) value = (value & 1) ? (value >> 1) ^ 0xedb88320u : value >> 1;
        table[i] = value;
    }
    return table;
}

constexpr auto table = make_table();

} // namespace

void Crc32::update(const void* data, std::size_t size) {
    auto* bytes = static_cast<const unsigned char*>(data);
    std::uint32_t state = state_;
    for (std::size_t i = 0; i < size; ++i) state = table[(state ^ bytes[i]) & 0xff] ^ (state >> 8);
    state_ = state;
}

} // namespace amber::crit
