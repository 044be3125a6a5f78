// shell: Amber's command line on the serial console. It runs checkpointd's commands (ps, run,
// kill, checkpoint, restore, ls, rm, halt, ...; `help` lists them) by sending each line to
// checkpointd's control port, and has a few of its own:
//   sleep MS                 wait MS milliseconds
//   wait PID STATE [MS]      wait until process PID is in STATE (as ps shows it; default 10 s)
//   echo TEXT                print TEXT
// `$!` in a line stands for the process last started or restored.
//
// Usage: shell [SCRIPT]   first runs the lines of SCRIPT (a file of the boot archive), echoing
//                         each after the prompt as if typed; then reads the console.
#include <amber/abi.h>
#include <amber/ipc.h>

#include "../../kernel/lib/command_line.hpp"
#include "../../kernel/lib/format.hpp"
#include "../../kernel/lib/ustar.hpp"
#include "../lib/ipc.hpp"
#include "../lib/protocols.hpp"
#include "../lib/spawn.hpp"
#include "../runtime/runtime.hpp"
#include "shell_input.hpp"

namespace {

namespace sys = amber::sys;
namespace protocol = amber::protocol;

char last_pid[24] = "";
char reply_text[protocol::max_output + 1];

// Sends a command to checkpointd; prints its output; false if it failed.
bool send_command(const char* line, size_t length, bool quiet = false) {
    static protocol::ControlRequest header{};
    if (header.client == 0) {
        amber_handle_info self{};
        sys::object_info(AMBER_HANDLE_SELF_SPACE, &self);
        header.client = self.id;
    }
    ++header.sequence; // a call made again (we were stopped meanwhile) sends the same number
    protocol::Reply reply{};
    amber_ipc_message m = amber::ipc::message({{&header, sizeof header}, {line, length}});
    amber_ipc_message r = amber::ipc::message({{&reply, sizeof reply}, {reply_text, protocol::max_output}});
    if (!sys::ipc_call(protocol::control_port_handle, &m, &r).ok() || r.transferred < sizeof reply) {
        amber::print("shell: checkpointd does not answer\n");
        return false;
    }
    size_t text = r.transferred - sizeof reply;
    reply_text[text] = '\0';
    if (!quiet) sys::debug_write(reply_text, text);
    // Remember the pid of "... as process N".
    const char* marker = " as process ";
    for (size_t i = 0; i + 12 < text; ++i) {
        if (__builtin_memcmp(reply_text + i, marker, 12) != 0) continue;
        size_t n = 0;
        for (size_t j = i + 12; j < text && reply_text[j] >= '0' && reply_text[j] <= '9' && n + 1 < sizeof last_pid;)
            last_pid[n++] = reply_text[j++];
        last_pid[n] = '\0';
    }
    return reply.status == 0;
}

bool starts_with(const char* line, const char* word) {
    size_t n = __builtin_strlen(word);
    return __builtin_strncmp(line, word, n) == 0 && (line[n] == ' ' || line[n] == '\0');
}

bool parse_number(const char* text, uint64_t& value) {
    size_t n = 0;
    while (text[n] != '\0' && text[n] != ' ') ++n;
    return lib::parse_unsigned({text, n}, value);
}

void sleep_ms(uint64_t ms) {
    uint64_t until = amber::ticks() + ms * AMBER_TICK_HZ / 1000;
    while (amber::ticks() < until) sys::thread_yield();
}

// wait PID STATE [MS]: polls checkpointd's `state PID`.
bool wait_for(char* arguments) {
    char* pid = arguments;
    char* state = pid;
    while (*state != '\0' && *state != ' ') ++state;
    if (*state == '\0') return false;
    *state++ = '\0';
    char* limit = state;
    while (*limit != '\0' && *limit != ' ') ++limit;
    uint64_t ms = 10000;
    if (*limit == ' ') {
        *limit++ = '\0';
        if (!parse_number(limit, ms)) return false;
    }
    char query[64];
    size_t n = lib::format_to(query, sizeof query, "state %s", pid);
    if (n >= sizeof query) return false; // no such pid fits
    uint64_t until = amber::ticks() + ms * AMBER_TICK_HZ / 1000;
    for (;;) {
        if (send_command(query, n, true) && __builtin_strncmp(reply_text, state, __builtin_strlen(state)) == 0 &&
            reply_text[__builtin_strlen(state)] == '\n')
            return true;
        bool final = __builtin_strcmp(reply_text, "exited\n") == 0 || __builtin_strcmp(reply_text, "gone\n") == 0 ||
                     __builtin_strcmp(reply_text, "passed\n") == 0 || __builtin_strcmp(reply_text, "FAILED\n") == 0;
        if (amber::ticks() >= until || final) {
            amber::print("wait: process %s is %s", pid, reply_text);
            return false;
        }
        sleep_ms(20);
    }
}

// Replaces $! by the last pid; false if the line gets too long.
bool expand(const char* line, char* out, size_t capacity) {
    size_t used = 0;
    for (size_t i = 0; line[i] != '\0'; ++i) {
        const char* piece = line + i;
        size_t n = 1;
        if (line[i] == '$' && line[i + 1] == '!') {
            piece = last_pid;
            n = __builtin_strlen(last_pid);
            ++i;
        }
        if (used + n + 1 > capacity) return false;
        __builtin_memcpy(out + used, piece, n);
        used += n;
    }
    out[used] = '\0';
    return true;
}

void run_line(const char* raw) {
    static char line[protocol::max_command];
    if (!expand(raw, line, sizeof line)) {
        amber::print("shell: line too long (at most %lu bytes)\n", protocol::max_command - 1);
        return;
    }
    char* start = line;
    while (*start == ' ' || *start == '\t') ++start;
    if (*start == '\0' || *start == '#') return;
    uint64_t ms = 0;
    if (starts_with(start, "echo")) {
        amber::print("%s\n", start[4] == '\0' ? "" : start + 5);
    } else if (starts_with(start, "sleep")) {
        if (start[5] == '\0' || !parse_number(start + 6, ms)) return amber::write("usage: sleep MS\n");
        sleep_ms(ms);
    } else if (starts_with(start, "wait")) {
        if (start[4] == '\0') return amber::write("usage: wait PID STATE [MS]\n");
        if (!wait_for(start + 5)) amber::write("wait: failed\n");
    } else {
        send_command(start, __builtin_strlen(start));
    }
}

void run_script(const char* name) {
    const uint8_t* data;
    size_t size;
    lib::ByteView script;
    if (!amber::boot_archive(data, size) || !lib::ustar_find({data, size}, {name, __builtin_strlen(name)}, script)) {
        amber::print("shell: no script '%s' in the boot archive\n", name);
        return;
    }
    static char line[protocol::max_command];
    size_t used = 0;
    for (size_t i = 0; i <= script.size; ++i) {
        char c = i < script.size ? static_cast<char>(script.data[i]) : '\n';
        if (c != '\n') {
            if (used + 1 < sizeof line) line[used] = c;
            ++used; // counts past the end: an over-long line is refused whole
            continue;
        }
        if (used > 0 && used <= sizeof line - 1 && line[used - 1] == '\r') --used; // CRLF scripts
        if (used >= sizeof line) {
            amber::print("shell: %s: a line longer than %lu bytes; skipped\n", name, sizeof line - 1);
        } else if (used > 0) {
            line[used] = '\0';
            amber::print("amber> %s\n", line);
            run_line(line);
        }
        used = 0;
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 2) {
        amber::write("usage: shell [SCRIPT]\n");
        return 2;
    }
    if (argc == 2) run_script(argv[1]);
    amber::write("Amber shell: type help for the commands\n");
    static char line[protocol::max_command];
    for (;;) {
        amber::write("amber> ");
        if (!shell::read_line(line, sizeof line)) return 0;
        run_line(line);
    }
}
