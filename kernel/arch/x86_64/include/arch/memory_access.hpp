// Memory access rights and the page size: plain definitions shared by the real and fake arch.
#pragma once

#include <stdint.h>

namespace arch {

constexpr uint64_t page_size = 4096;

enum class Access : uint8_t { Read = 1, Write = 2, Execute = 4 };
constexpr Access operator|(Access a, Access b) {
    return static_cast<Access>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b));
}
constexpr bool has(Access set, Access bit) { return (static_cast<uint8_t>(set) & static_cast<uint8_t>(bit)) != 0; }

} // namespace arch
