#include "shell_input.hpp"

#include "../runtime/runtime.hpp"

namespace shell {
namespace {

// Console bytes read but not yet used: input typed ahead stays here for the next line.
char pending[256];
uint64_t pending_used = 0, pending_count = 0;

} // namespace

bool read_line(char* line, size_t capacity) {
    size_t used = 0;
    for (;;) {
        if (pending_used == pending_count) {
            amber::SyscallReturn r = amber::sys::console_read(pending, sizeof pending);
            if (!r.ok()) return false;
            pending_used = 0;
            pending_count = r.value;
        }
        while (pending_used < pending_count) {
            char c = pending[pending_used++];
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
