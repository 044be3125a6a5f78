// Text a command sends back to the shell: a bounded buffer filled printf-style.
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "../kernel/lib/format.hpp"

namespace checkpointd {

class Output final : public lib::FormatSink {
  public:
    void write(const char* bytes, size_t length) override {
        for (size_t i = 0; i < length && used_ + 1 < sizeof text_; ++i) text_[used_++] = bytes[i];
        text_[used_] = '\0';
    }
    void print(const char* format, ...) __attribute__((format(printf, 2, 3))) {
        va_list args;
        va_start(args, format);
        lib::vformat(*this, format, args);
        va_end(args);
    }
    // Records a failure: the command's status becomes non-zero.
    void fail(const char* format, ...) __attribute__((format(printf, 2, 3))) {
        failed_ = true;
        va_list args;
        va_start(args, format);
        lib::vformat(*this, format, args);
        va_end(args);
    }
    const char* text() const { return text_; }
    size_t length() const { return used_; }
    bool failed() const { return failed_; }
    void clear() {
        used_ = 0;
        text_[0] = '\0';
        failed_ = false;
    }

  private:
    char text_[4096] = {};
    size_t used_ = 0;
    bool failed_ = false;
};

} // namespace checkpointd
