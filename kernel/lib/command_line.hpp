// The kernel command line: space-separated words, each `key=value` or a bare `flag`.
#pragma once

#include "bytes.hpp"

namespace lib {

class CommandLine {
  public:
    explicit CommandLine(StringView text) : text_(text) {}

    // The value of the last `key=value` word for `key`; false if absent.
    bool value(StringView key, StringView& out) const;
    // True if a bare `flag` word (or `flag=...`) is present.
    bool has(StringView flag) const;

    // Calls visit(word) for each word.
    template <typename Visit>
    void for_each_word(Visit visit) const {
        size_t i = 0;
        while (i < text_.size) {
            while (i < text_.size && text_.data[i] == ' ') ++i;
            size_t start = i;
            while (i < text_.size && text_.data[i] != ' ') ++i;
            if (i > start) visit(text_.substr(start, i - start));
        }
    }

  private:
    StringView text_;
};

// Splits `list` at `separator`, calling visit(part) for each non-empty part.
template <typename Visit>
void split(StringView list, char separator, Visit visit) {
    size_t start = 0;
    for (size_t i = 0; i <= list.size; ++i) {
        if (i == list.size || list.data[i] == separator) {
            if (i > start) visit(list.substr(start, i - start));
            start = i + 1;
        }
    }
}

// Parses a decimal or 0x-prefixed hexadecimal unsigned number; false on junk or overflow.
bool parse_unsigned(StringView text, uint64_t& value);

} // namespace lib
