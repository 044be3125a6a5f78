// Kernel console output. log() prefixes "[amber] " and ends the line; print() writes as given.
#pragma once

#include <stdarg.h>

namespace kernel {

void print(const char* format, ...) __attribute__((format(printf, 1, 2)));
void vprint(const char* format, va_list args);
void log(const char* format, ...) __attribute__((format(printf, 1, 2)));

} // namespace kernel
