#include "shell_input.hpp"

#include "../runtime/runtime.hpp"

namespace shell {

bool read_line(char* line, size_t capacity) {
    size_t used = 0;
    for (;;) {
        char input[64];
        amber::SyscallReturn r = amber::sys::console_read(input, sizeof input);
        if (!r.ok()) return false;
        for (uint64_t i = 0; i < r.value; ++i) {
            char c = input[i];
            if (c == '\r' || c == '\n') {
                amber::write("\n");
                line[used] = '\0';
                return true;
            }
            if (c == 0x7f || c == '\b') { // erase one character
                if (used > 0) {
                    --used;
                    amber::write("\b \b");
                }
            } else if (c == 0x15) { // Ctrl-U: erase the line
                for (; used > 0; --used) amber::write("\b \b");
            } else if (c >= ' ' && c < 0x7f && used + 1 < capacity) {
                line[used++] = c;
                amber::sys::debug_write(&c, 1);
            }
        }
    }
}

} // namespace shell
