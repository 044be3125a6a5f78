#include "format.hpp"

#include <stdint.h>

namespace lib {
namespace {

struct Spec {
    bool left_align = false;
    bool zero_pad = false;
    unsigned width = 0;
    bool has_precision = false;
    unsigned precision = 0; // for %s: the most characters to print
};

class CountingSink final : public FormatSink {
  public:
    explicit CountingSink(FormatSink& inner) : inner_(inner) {}
    void write(const char* bytes, size_t length) override {
        inner_.write(bytes, length);
        count_ += length;
    }
    size_t count() const { return count_; }

  private:
    FormatSink& inner_;
    size_t count_ = 0;
};

void pad(FormatSink& sink, char fill, size_t count) {
    char chunk[16];
    for (char& c : chunk) c = fill;
    while (count > 0) {
        size_t n = count < sizeof chunk ? count : sizeof chunk;
        sink.write(chunk, n);
        count -= n;
    }
}

void emit_padded(FormatSink& sink, const Spec& spec, const char* prefix, size_t prefix_length, const char* body,
                 size_t body_length) {
    size_t total = prefix_length + body_length;
    size_t padding = spec.width > total ? spec.width - total : 0;
    if (spec.left_align) {
        sink.write(prefix, prefix_length);
        sink.write(body, body_length);
        pad(sink, ' ', padding);
    } else if (spec.zero_pad) {
        sink.write(prefix, prefix_length);
        pad(sink, '0', padding);
        sink.write(body, body_length);
    } else {
        pad(sink, ' ', padding);
        sink.write(prefix, prefix_length);
        sink.write(body, body_length);
    }
}

void emit_unsigned(FormatSink& sink, const Spec& spec, uint64_t value, unsigned base, bool upper, bool negative,
                   const char* prefix_text) {
    char digits[64];
    size_t n = 0;
    const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[sizeof digits - 1 - n] = alphabet[value % base];
        value /= base;
        ++n;
    } while (value != 0);
    char prefix[4];
    size_t prefix_length = 0;
    if (negative) prefix[prefix_length++] = '-';
    for (const char* p = prefix_text; *p != '\0'; ++p) prefix[prefix_length++] = *p;
    emit_padded(sink, spec, prefix, prefix_length, digits + sizeof digits - n, n);
}

} // namespace

size_t vformat(FormatSink& out, const char* fmt, va_list args) {
    CountingSink sink(out);
    const char* p = fmt;
    while (*p != '\0') {
        const char* run = p;
        while (*p != '\0' && *p != '%') ++p;
        if (p != run) sink.write(run, static_cast<size_t>(p - run));
        if (*p == '\0') break;
        const char* directive = p++;
        Spec spec;
        for (;; ++p) {
            if (*p == '-')
                spec.left_align = true;
            else if (*p == '0')
                spec.zero_pad = true;
            else
                break;
        }
        if (*p == '*') {
            int w = va_arg(args, int);
            if (w < 0) spec.left_align = true; // as in C: a negative width means '-'
            spec.width = w < 0 ? 0u - static_cast<unsigned>(w) : static_cast<unsigned>(w);
            ++p;
        }
        while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + static_cast<unsigned>(*p++ - '0');
        if (*p == '.') {
            spec.has_precision = true;
            ++p;
            if (*p == '*') {
                int precision = va_arg(args, int);
                if (precision < 0)
                    spec.has_precision = false; // as in C: as if none were given
                else
                    spec.precision = static_cast<unsigned>(precision);
                ++p;
            }
            while (*p >= '0' && *p <= '9') spec.precision = spec.precision * 10 + static_cast<unsigned>(*p++ - '0');
        }
        int longness = 0;
        while (*p == 'l' || *p == 'z') {
            longness += (*p == 'z') ? 2 : 1;
            ++p;
        }
        auto next_unsigned = [&]() -> uint64_t {
            if (longness >= 2) return va_arg(args, unsigned long long);
            if (longness == 1) return va_arg(args, unsigned long);
            return va_arg(args, unsigned int);
        };
        switch (*p) {
        case '%': sink.write("%", 1); break;
        case 'c': {
            char c = static_cast<char>(va_arg(args, int));
            emit_padded(sink, spec, "", 0, &c, 1);
            break;
        }
        case 's': {
            const char* s = va_arg(args, const char*);
            if (s == nullptr) s = "(null)";
            size_t length = 0;
            while ((!spec.has_precision || length < spec.precision) && s[length] != '\0') ++length;
            emit_padded(sink, spec, "", 0, s, length);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longness >= 2   ? va_arg(args, long long)
                        : longness == 1 ? va_arg(args, long)
                                        : va_arg(args, int);
            uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
            emit_unsigned(sink, spec, magnitude, 10, false, v < 0, "");
            break;
        }
        case 'u': emit_unsigned(sink, spec, next_unsigned(), 10, false, false, ""); break;
        case 'x': emit_unsigned(sink, spec, next_unsigned(), 16, false, false, ""); break;
        case 'X': emit_unsigned(sink, spec, next_unsigned(), 16, true, false, ""); break;
        case 'b': emit_unsigned(sink, spec, next_unsigned(), 2, false, false, ""); break;
        case 'p': {
            auto v = reinterpret_cast<uintptr_t>(va_arg(args, void*));
            emit_unsigned(sink, spec, v, 16, false, false, "0x");
            break;
        }
        case '\0': sink.write(directive, static_cast<size_t>(p - directive)); return sink.count();
        default: sink.write(directive, static_cast<size_t>(p + 1 - directive)); break;
        }
        ++p;
    }
    return sink.count();
}

size_t format(FormatSink& sink, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    size_t n = vformat(sink, fmt, args);
    va_end(args);
    return n;
}

namespace {
class BufferSink final : public FormatSink {
  public:
    BufferSink(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}
    void write(const char* bytes, size_t length) override {
        for (size_t i = 0; i < length; ++i) {
            if (used_ + 1 < capacity_) buffer_[used_++] = bytes[i];
        }
    }
    void terminate() {
        if (capacity_ > 0) buffer_[used_] = '\0';
    }

  private:
    char* buffer_;
    size_t capacity_;
    size_t used_ = 0;
};
} // namespace

size_t vformat_to(char* buffer, size_t capacity, const char* fmt, va_list args) {
    BufferSink sink(buffer, capacity);
    size_t n = vformat(sink, fmt, args);
    sink.terminate();
    return n;
}

size_t format_to(char* buffer, size_t capacity, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    size_t n = vformat_to(buffer, capacity, fmt, args);
    va_end(args);
    return n;
}

} // namespace lib
