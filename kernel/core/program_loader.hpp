// Loads an ELF64 executable into a fresh process and gives it a stack with its arguments.
#pragma once

#include "../lib/bytes.hpp"
#include "thread.hpp"

namespace kernel {

constexpr unsigned max_program_arguments = 16;

struct ProgramArguments {
    lib::StringView values[max_program_arguments];
    unsigned count = 0;
};

// Maps every PT_LOAD segment and the stack into `process`, copies argv onto the stack and starts
// the first thread at the entry point with rdi = argc, rsi = argv (and rsp pointing at argc).
// On failure returns false with `error` set; the caller then ends the process.
// The first thread gets handle AMBER_HANDLE_FIRST_THREAD; the caller installs the space's own handle.
bool load_program(Space& space, lib::ByteView elf, const ProgramArguments& arguments, const char*& error);

// The boot archive (ustar) the programs came from; readable by every process (boot_archive_read).
lib::ByteView boot_archive();

} // namespace kernel
