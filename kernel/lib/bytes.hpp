// Small freestanding helpers over byte ranges and strings (no C library needed).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lib {

struct ByteView {
    const uint8_t* data = nullptr;
    size_t size = 0;
};

struct StringView {
    const char* data = nullptr;
    size_t size = 0;

    constexpr StringView() = default;
    constexpr StringView(const char* d, size_t n) : data(d), size(n) {}
    // From a NUL-terminated string.
    constexpr StringView(const char* s) : data(s), size(0) { // NOLINT(google-explicit-constructor)
        while (s[size] != '\0') ++size;
    }
    constexpr bool equals(StringView other) const {
        if (size != other.size) return false;
        for (size_t i = 0; i < size; ++i) {
            if (data[i] != other.data[i]) return false;
        }
        return true;
    }
    constexpr bool starts_with(StringView prefix) const {
        return prefix.size <= size && StringView(data, prefix.size).equals(prefix);
    }
    constexpr StringView substr(size_t from, size_t count = ~size_t{0}) const {
        if (from > size) from = size;
        size_t rest = size - from;
        return {data + from, count < rest ? count : rest};
    }
};

} // namespace lib
