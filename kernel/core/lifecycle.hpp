// Creating and ending spaces and threads.
//
// References: create_space and create_thread return objects holding one reference for the caller.
// A live thread is also referenced by its space's thread list and holds a reference to its space.
// A space ends (is destroyed) when destroyed explicitly, when process_exit is called in it, or when
// its last thread exits; when no thread is left anywhere the machine powers off with the exit
// status of the first space the kernel started.
#pragma once

#include <stdint.h>

#include "../lib/bytes.hpp"
#include "thread.hpp"

namespace kernel {

// `parent`: the space that owns the new one (nullptr for the programs the kernel starts). nullptr
// when out of memory or when `parent` has Space::max_children already.
Space* create_space(lib::StringView name, uint64_t id, Space* parent);
// A stopped thread with zeroed registers; nullptr at the space's thread limit or out of memory.
Thread* create_thread(Space& space, uint64_t id);
// Ends one thread; the last thread's exit ends its space with status 0.
void exit_thread(Thread* thread);
// Ends a space and all of its threads with `status`.
void exit_space(Space* space, int64_t status);
// Every space not yet destroyed, newest first (linked by Space::next_in_machine).
Space* all_spaces();
// The space whose exit status becomes the machine's power-off status.
void set_init_space(Space* space);
// The first programs have been started: from now on, no thread left means power-off.
void finish_boot();

} // namespace kernel
