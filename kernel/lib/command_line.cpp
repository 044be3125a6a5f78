#include "command_line.hpp"

namespace lib {

bool CommandLine::value(StringView key, StringView& out) const {
    bool found = false;
    for_each_word([&](StringView word) {
        if (word.size > key.size && word.starts_with(key) && word.data[key.size] == '=') {
            out = word.substr(key.size + 1);
            found = true;
        }
    });
    return found;
}

bool CommandLine::has(StringView flag) const {
    bool found = false;
    for_each_word([&](StringView word) {
        if (word.equals(flag) || (word.starts_with(flag) && word.size > flag.size && word.data[flag.size] == '=')) {
            found = true;
        }
    });
    return found;
}

bool parse_unsigned(StringView text, uint64_t& value) {
    unsigned base = 10;
    if (text.starts_with("0x") || text.starts_with("0X")) {
        base = 16;
        text = text.substr(2);
    }
    if (text.size == 0) return false;
    value = 0;
    for (size_t i = 0; i < text.size; ++i) {
        char c = text.data[i];
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = static_cast<unsigned>(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            digit = static_cast<unsigned>(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            digit = static_cast<unsigned>(c - 'A' + 10);
        else
            return false;
        if (digit >= base) return false;
        if (value > (~uint64_t{0} - digit) / base) return false;
        value = value * base + digit;
    }
    return true;
}

} // namespace lib
