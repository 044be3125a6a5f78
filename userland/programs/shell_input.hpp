// Line input from the serial console for the shell: echo, backspace, Ctrl-U.
#pragma once

#include <stddef.h>

namespace shell {

// Reads one line (without its end) into `line`, NUL-terminated; false if the console failed.
bool read_line(char* line, size_t capacity);

} // namespace shell
