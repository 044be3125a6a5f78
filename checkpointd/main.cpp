// checkpointd: the nester of the processes it checkpoints and restores, and the server behind the
// shell. It starts the storage servers (when the machine has a disk) and the shell, then serves
// two kinds of clients on one port set: the shell's control port and the supervisor ports of the
// processes it manages (their badges tell them apart).
//
// Arguments: --memory  keep images in memory even when there is a disk
//            --no-shell  do not start the shell
//            --script=NAME  the shell first runs script NAME from the boot archive
#include <amber/abi.h>
#include <amber/ipc.h>

#include "../userland/lib/ipc.hpp"
#include "../userland/lib/protocols.hpp"
#include "../userland/lib/spawn.hpp"
#include "../userland/runtime/runtime.hpp"
#include "clock.hpp"
#include "commands.hpp"
#include "storage_setup.hpp"

namespace {

namespace sys = amber::sys;
namespace protocol = amber::protocol;
using checkpointd::Output;

constexpr uint64_t control_badge = 0xc0de;

bool has_argument(int argc, char** argv, const char* wanted) {
    for (int i = 1; i < argc; ++i) {
        if (__builtin_strcmp(argv[i], wanted) == 0) return true;
    }
    return false;
}

amber_handle_t make_port(uint64_t badge, amber_handle_t set) {
    amber_port_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, badge, 0};
    auto port = static_cast<amber_handle_t>(sys::port_create(&state).value);
    sys::port_attach(port, set);
    return port;
}

const char* option_value(int argc, char** argv, const char* prefix) {
    size_t n = __builtin_strlen(prefix);
    for (int i = 1; i < argc; ++i) {
        if (__builtin_strncmp(argv[i], prefix, n) == 0) return argv[i] + n;
    }
    return nullptr;
}

void start_shell(amber_handle_t control_port, const char* script) {
    const char* argv[] = {"shell", script};
    amber::SpawnHandle handles[] = {{protocol::control_port_handle, control_port, AMBER_RIGHT_OPERATE}};
    amber::Spawned spawned;
    const char* error = nullptr;
    if (amber::spawn({"shell", argv, script != nullptr ? 2u : 1u, handles, 1, 0, false}, spawned, error) != AMBER_OK) {
        amber::print("checkpointd: cannot start the shell: %s\n", error);
        return;
    }
    sys::handle_close(spawned.thread);
    // The shell's space stays ours: it ends with checkpointd.
}

Output output;
char request[protocol::max_command + 64];

// The last command run, by whom: a repeated request is answered with its reply (protocols.hpp).
protocol::ControlRequest last_command{};

} // namespace

int main(int argc, char** argv) {
    checkpointd::calibrate_clock();
    auto set = static_cast<amber_handle_t>(sys::port_set_create(0ull).value);
    amber_handle_t control = make_port(control_badge, set);
    checkpointd::Store& store = checkpointd::open_storage(has_argument(argc, argv, "--memory"));
    checkpointd::Supervisor supervisor(store, set);
    amber::print("checkpointd: ready, images on %s\n", store.kind());
    if (!has_argument(argc, argv, "--no-shell")) start_shell(control, option_value(argc, argv, "--script="));

    protocol::Reply reply{}, supervisor_reply{}; // the last command's, kept for a repeated request
    amber_ipc_message in{}, out{};
    bool owe_reply = false;
    for (;;) {
        in = amber::ipc::message({{request, sizeof request - 1}});
        amber::SyscallReturn r =
            owe_reply ? sys::ipc_reply_wait_receive(&out, set, &in) : sys::ipc_wait_receive(set, &in);
        if (!r.ok()) {
            owe_reply = false;
            continue;
        }
        owe_reply = r.value == 1;
        bool halt = false, header_missing = false;
        if (in.badge == control_badge) {
            protocol::ControlRequest header{};
            if (in.transferred >= sizeof header) __builtin_memcpy(&header, request, sizeof header);
            if (header.client == 0 || header.sequence == 0) { // answered without touching the saved reply
                static const protocol::Reply refused{-1, 0, 0};
                static const char why[] = "checkpointd: a control request without its header\n";
                out = amber::ipc::message({{&refused, sizeof refused}, {why, sizeof why - 1}});
                header_missing = true;
            } else if (header.client != last_command.client || header.sequence != last_command.sequence) {
                last_command = header;
                output.clear();
                reply = {};
                request[in.transferred] = '\0';
                checkpointd::execute_command(supervisor, request + sizeof header, output, halt);
                reply.status = output.failed() ? -1 : 0;
            } // else: delivered again (its client was stopped while it waited): the same reply
            if (!header_missing) out = amber::ipc::message({{&reply, sizeof reply}, {output.text(), output.length()}});
        } else { // supervisor requests are safe to repeat; their reply does not touch the saved one
            supervisor_reply = {};
            if (!supervisor.serve(in.badge, request, in.transferred, supervisor_reply.value))
                supervisor_reply.status = -1;
            out = amber::ipc::message({{&supervisor_reply, sizeof supervisor_reply}});
        }
        if (halt) { // the shell may not get to print the reply: say it here
            sys::debug_write(output.text(), output.length());
            sys::system_poweroff(0ll);
        }
    }
}
