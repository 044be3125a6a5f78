#include "commands.hpp"

#include "../kernel/lib/command_line.hpp"

namespace checkpointd {
namespace {

constexpr unsigned max_words = 17;

struct Words {
    char* word[max_words];
    unsigned count = 0;
    bool too_many = false;
};

// Splits in place at spaces and tabs.
Words split(char* line) {
    Words w;
    char* c = line;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n') *c++ = '\0';
        if (*c == '\0') break;
        if (w.count == max_words) {
            w.too_many = true;
            break;
        }
        w.word[w.count++] = c;
        while (*c != '\0' && *c != ' ' && *c != '\t' && *c != '\r' && *c != '\n') ++c;
    }
    return w;
}

bool equal(const char* a, const char* b) { return __builtin_strcmp(a, b) == 0; }

bool parse_pid(const char* text, uint64_t& pid) {
    return lib::parse_unsigned({text, __builtin_strlen(text)}, pid) && pid != 0;
}

bool valid_file_name(const char* name) {
    size_t n = __builtin_strlen(name);
    if (n == 0 || n > 60) return false;
    for (size_t i = 0; i < n; ++i) {
        char c = name[i];
        if (c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|' ||
            c == '~' || c < ' ') // '~' ends checkpointd's temporary names
            return false;
    }
    return true;
}

const char* const help_text = "commands:\n"
                              "  ps                                   list the processes checkpointd manages\n"
                              "  run PROG [ARGS...]                   start a program from the boot archive\n"
                              "  kill PID                             end a process\n"
                              "  checkpoint PID FILE [--leave-running] write PID's image to FILE (ends PID unless "
                              "--leave-running)\n"
                              "  restore FILE                         start a process from an image\n"
                              "  check PID                            ask a test process to verify its own state\n"
                              "  state PID                            print a process's state (running, ready, ...)\n"
                              "  verify FILE                          check an image's size and checksum\n"
                              "  ls                                   list the files\n"
                              "  rm FILE                              remove a file\n"
                              "  halt                                 power the machine off\n";

} // namespace

void execute_command(Supervisor& s, char* line, Output& out, bool& halt) {
    halt = false;
    Words w = split(line);
    if (w.too_many) return out.fail("too many words (at most %u)\n", max_words);
    if (w.count == 0) return;
    const char* command = w.word[0];
    uint64_t pid = 0;
    if (equal(command, "help")) {
        out.print("%s", help_text);
    } else if (equal(command, "ps")) {
        if (w.count != 1) return out.fail("usage: ps\n");
        s.ps(out);
    } else if (equal(command, "run")) {
        if (w.count < 2) return out.fail("usage: run PROG [ARGS...]\n");
        s.run(w.word[1], w.word + 1, w.count - 1, out);
    } else if (equal(command, "kill")) {
        if (w.count != 2 || !parse_pid(w.word[1], pid)) return out.fail("usage: kill PID\n");
        s.kill(pid, out);
    } else if (equal(command, "checkpoint")) {
        bool leave = w.count == 4 && equal(w.word[3], "--leave-running");
        if ((w.count != 3 && !leave) || !parse_pid(w.word[1], pid))
            return out.fail("usage: checkpoint PID FILE [--leave-running]\n");
        if (!valid_file_name(w.word[2])) return out.fail("checkpoint: bad file name '%s'\n", w.word[2]);
        s.checkpoint(pid, w.word[2], leave, out);
    } else if (equal(command, "restore")) {
        if (w.count != 2) return out.fail("usage: restore FILE\n");
        s.restore(w.word[1], out);
    } else if (equal(command, "state")) {
        if (w.count != 2 || !parse_pid(w.word[1], pid)) return out.fail("usage: state PID\n");
        s.state(pid, out);
    } else if (equal(command, "check")) {
        if (w.count != 2 || !parse_pid(w.word[1], pid)) return out.fail("usage: check PID\n");
        s.check(pid, out);
    } else if (equal(command, "verify")) {
        if (w.count != 2) return out.fail("usage: verify FILE\n");
        s.verify(w.word[1], out);
    } else if (equal(command, "ls")) {
        if (w.count != 1) return out.fail("usage: ls\n");
        s.ls(out);
    } else if (equal(command, "rm")) {
        if (w.count != 2) return out.fail("usage: rm FILE\n");
        s.rm(w.word[1], out);
    } else if (equal(command, "halt")) {
        if (w.count != 1) return out.fail("usage: halt\n");
        const char* error = s.store().flush();
        if (error != nullptr) out.print("halt: flushing the disk failed: %s\n", error);
        out.print("powering off\n");
        halt = true;
    } else {
        out.fail("unknown command '%s' (try help)\n", command);
    }
}

} // namespace checkpointd
