// Message formats of Amber's user-level services, all spoken with idempotent ipc_call/ipc_reply:
// a request may be delivered twice (a client stopped while it waits for its reply calls again), so
// every operation is safe to repeat (name- and offset-based file operations, no server-side
// cursors), or, where it is not (a shell command), the request carries a sequence number and the
// server answers a repeated one from its saved reply without doing the work again.
//
//   supervisor  a managed process -> checkpointd, through the port at handle supervisor_handle
//               (its badge names the process)
//   control     the shell -> checkpointd: a command line in, text out
//   file        checkpointd -> fsd (FAT32 file server)
//   block       fsd -> blkd (virtio-blk server)
#pragma once

#include <amber/objects.h>
#include <stdint.h>

namespace amber::protocol {

// Handle values by convention (after AMBER_HANDLE_SELF_SPACE 1, AMBER_HANDLE_FIRST_THREAD 2 and
// the kernel's machine handle 3).
constexpr amber_handle_t service_set_handle = 4;  // a server's port set
constexpr amber_handle_t supervisor_handle = 5;   // a managed process: its supervisor's port
constexpr amber_handle_t control_port_handle = 5; // the shell: checkpointd's control port
constexpr amber_handle_t block_port_handle = 6;   // fsd: the block server's port

struct Reply {
    int32_t status; // 0 or a negative error of the service
    uint32_t reserved;
    uint64_t value;
};

// --- supervisor ---
enum class SupervisorOp : uint32_t {
    Ready = 1,  // the process has built its state (zdtm's test_daemon); value: unused
    Poll = 2,   // reply value 1 when a check was asked for (`check PID` in the shell)
    Report = 3, // argument 1: the self-check passed, 0: it failed
};
struct SupervisorRequest {
    SupervisorOp op;
    uint32_t argument;
};

// --- control (shell) ---
constexpr uint64_t max_command = 256;
constexpr uint64_t max_output = 4096;
// Request: ControlRequest + the command line's bytes. Reply: Reply (status 0 success, else failure)
// + output text. A command runs at most once: a request with the (client, sequence) of the last one
// gets that one's reply again (a command such as `run` or `checkpoint` is not safe to repeat).
struct ControlRequest {
    uint64_t client;   // the shell's space id: shells number their commands independently
    uint64_t sequence; // 1, 2, ...: a new number for each new command
};

// --- file ---
enum class FileOp : uint32_t { List = 1, Stat, Create, Write, Read, Remove, Replace, Flush, Info };
constexpr uint64_t max_name = 64;
constexpr uint64_t max_file_chunk = 1024 * 1024;
struct FileRequest {
    FileOp op;
    uint32_t name_length;
    uint64_t offset; // Write/Read: file offset; List: index of the first entry wanted
    uint64_t length; // Read: bytes wanted (≤ max_file_chunk); Write: bytes sent after the header
    char name[max_name];
    uint32_t other_length; // Replace: the target name
    char other[max_name];
};
// List reply data: consecutive FileEntry records.
struct FileEntry {
    uint64_t size;
    char name[max_name]; // NUL-terminated
};
// Reply.status: 0, or -FsStatus (see fat32.hpp); Reply.value: Read: bytes read; Stat: size;
// List: entries returned; Info: free bytes.

// --- block ---
enum class BlockOp : uint32_t { Info = 1, Read, Write, Flush };
constexpr uint32_t max_block_sectors = 2048; // 1 MiB per request
struct BlockRequest {
    BlockOp op;
    uint32_t count; // sectors
    uint64_t sector;
};
// Reply.status: 0 or -1 (I/O error or out of range); Info: value = sector count. Read: data follows.

} // namespace amber::protocol
