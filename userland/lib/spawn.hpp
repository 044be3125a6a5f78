// Starting programs from the boot archive in user space: what the kernel does for the first
// processes, done by a parent (checkpointd, tests) for its children with ordinary calls.
//
// spawn() creates a child space nested in the caller's (Fluke: destroyed with it), names it after
// the program (amber_space_state.name, as the kernel names the processes it starts), maps the ELF's
// segments and a stack laid out as the kernel lays out a first process (docs/abi.md "Process
// start"), installs the child's own space at AMBER_HANDLE_SELF_SPACE, its first thread at
// AMBER_HANDLE_FIRST_THREAD and the extra handles asked for, then starts the thread.
#pragma once

#include <amber/objects.h>
#include <amber/status.h>
#include <stddef.h>
#include <stdint.h>

namespace amber {

struct SpawnHandle {
    amber_handle_t at;     // value in the child's table
    amber_handle_t handle; // in the caller's table (needs DUPLICATE)
    uint32_t rights;
};

struct SpawnRequest {
    const char* program;     // name in the boot archive
    const char* const* argv; // argv[0..argc-1]; argv[0] is normally the program name
    unsigned argc;
    const SpawnHandle* handles; // extra handles for the child, may be null
    unsigned handle_count;
    uint64_t space_id;  // id of the child space, 0: chosen by the kernel
    bool start_stopped; // leave the first thread stopped (a checkpointer may start it)
};

struct Spawned {
    amber_handle_t space;  // the child space, all rights
    amber_handle_t thread; // its first thread, all rights
};

// Returns AMBER_OK with `out` filled, or an error with nothing left behind; `error` then says
// what failed in words.
amber_status spawn(const SpawnRequest& request, Spawned& out, const char*& error);

// The boot archive's copy in this process (read once); false if it cannot be read.
bool boot_archive(const uint8_t*& data, size_t& size);

// Default FPU state for a new thread: FXSAVE image with the x87 control word and MXCSR of a
// freshly reset CPU (all exceptions masked).
void initial_fpu_state(uint8_t (&fxsave)[512]);

} // namespace amber
