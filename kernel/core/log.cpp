#include "log.hpp"

#include <arch/platform.hpp>

#include "../lib/format.hpp"

namespace kernel {
namespace {

class ConsoleSink final : public lib::FormatSink {
  public:
    void write(const char* bytes, size_t length) override { arch::console_write(bytes, length); }
};

} // namespace

void vprint(const char* format, va_list args) {
    ConsoleSink sink;
    lib::vformat(sink, format, args);
}

void print(const char* format, ...) {
    va_list args;
    va_start(args, format);
    vprint(format, args);
    va_end(args);
}

void log(const char* format, ...) {
    print("[amber] ");
    va_list args;
    va_start(args, format);
    vprint(format, args);
    va_end(args);
    print("\n");
}

} // namespace kernel
