// printf-style formatting into a caller-supplied sink. Freestanding; shared by kernel and userland.
//
// Supported: %% %c %s %d %i %u %x %X %p %b, flags '-' '0', a field width (digits or '*'), a
// precision for %s ('.N' or '.*': at most N characters), and the length modifiers l, ll, z.
// %b prints binary. Anything else is printed literally.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace lib {

// Receives formatted output in pieces; must not fail.
class FormatSink {
  public:
    virtual void write(const char* bytes, size_t length) = 0;

  protected:
    ~FormatSink() = default;
};

// Returns the number of characters produced.
size_t vformat(FormatSink& sink, const char* format, va_list args);
size_t format(FormatSink& sink, const char* format, ...) __attribute__((format(printf, 2, 3)));

// snprintf: always NUL-terminates when capacity > 0; returns the untruncated length.
size_t vformat_to(char* buffer, size_t capacity, const char* format, va_list args);
size_t format_to(char* buffer, size_t capacity, const char* format, ...) __attribute__((format(printf, 3, 4)));

} // namespace lib
