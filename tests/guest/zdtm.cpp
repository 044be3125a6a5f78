// zdtm-style checkpoint/restore test programs (after CRIU's zdtm): each builds its state, tells
// checkpointd it is ready, is checkpointed and restored (by a script, as often as it likes), and
// when asked (`check PID`) verifies its own state and reports "zdtm MODE: PASS" or "FAIL: why".
//
// Usage: zdtm MODE [ARG]
//   threads N     N threads counting, each keeping a floating-point shadow in SSE registers
//   blocked       threads blocked in mutex_lock, cond_wait, ipc_wait_receive, ipc_send, ipc_call
//   transfer MIB  a thread sending MIB-MiB messages to another without pause (a transfer is in
//                 flight at any moment)
//   bigmem MIB    MIB MiB of patterned memory, a few words changing all the time
//   stream MIB    a reliable-IPC connection carrying a byte stream in MIB-MiB sends
#include <amber/abi.h>
#include <amber/ipc.h>

#include "../../kernel/lib/command_line.hpp"
#include "../../kernel/lib/format.hpp"
#include "../../userland/lib/space_name.hpp"
#include "../../userland/lib/supervisor_client.hpp"
#include "../../userland/runtime/runtime.hpp"
#include "zdtm_support.hpp"

using namespace zdtm;

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    uint64_t argument = 0;
    if (argc > 2 && !lib::parse_unsigned({argv[2], __builtin_strlen(argv[2])}, argument)) return usage();
    const char* mode = argv[1];
    // The process renames itself (its space's name is exported state): a restored copy must carry
    // the name, in the kernel's logs, checkpointd's ps and here.
    char name[AMBER_SPACE_NAME_MAX], restored_name[AMBER_SPACE_NAME_MAX];
    lib::format_to(name, sizeof name, "zdtm-%s", mode);
    amber::set_space_name(AMBER_HANDLE_SELF_SPACE, name);
    Result result;
    if (__builtin_strcmp(mode, "threads") == 0) {
        result = run_threads(argument == 0 ? 4 : argument);
    } else if (__builtin_strcmp(mode, "blocked") == 0) {
        result = run_blocked();
    } else if (__builtin_strcmp(mode, "transfer") == 0) {
        result = run_transfer(argument == 0 ? 4 : argument);
    } else if (__builtin_strcmp(mode, "stream") == 0) {
        result = run_stream(argument == 0 ? 3 : argument);
    } else if (__builtin_strcmp(mode, "bigmem") == 0) {
        result = run_bigmem(argument == 0 ? 64 : argument);
    } else {
        return usage();
    }
    amber::space_name(AMBER_HANDLE_SELF_SPACE, restored_name);
    if (result.failure == nullptr && __builtin_strcmp(restored_name, name) != 0) {
        result.failure = "the process's name was not restored";
        lib::format_to(result.detail, sizeof result.detail, "its space is named '%s'", restored_name);
    }
    if (result.failure == nullptr) {
        amber::print("zdtm %s: PASS (%s)\n", mode, result.detail);
    } else {
        amber::print("zdtm %s: FAIL: %s (%s)\n", mode, result.failure, result.detail);
    }
    amber::supervisor::report(result.failure == nullptr);
    return result.failure == nullptr ? 0 : 1;
}
