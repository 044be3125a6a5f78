// A user thread's complete CPU state, and switching between threads.
#pragma once

#include <arch/frame.hpp>

namespace arch {

// Makes `next` the CPU's current user context (saving the FPU state of `previous`, if any).
void switch_context(ThreadContext* previous, ThreadContext& next);

// Writes the CPU's live user state (FPU, FS and GS bases) into `current`, the context current on
// this CPU, so that the context alone describes the thread (for exporting the current thread).
void save_user_state(ThreadContext& current);

// Sets the FS base of the thread whose context is current on this CPU.
void set_current_fs_base(ThreadContext& current, uint64_t base);

// Enters user mode with the current context. The kernel stack is discarded.
[[noreturn]] void enter_user(ThreadContext& current);

} // namespace arch
