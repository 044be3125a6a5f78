// A user thread's complete CPU state, and switching between threads.
#pragma once

#include <arch/frame.hpp>

namespace arch {

// Sets up a fresh context that starts at `entry` with rsp = stack_top, rdi = arg0, rsi = arg1.
void initialize_user_context(ThreadContext& context, uint64_t entry, uint64_t stack_top, uint64_t arg0, uint64_t arg1);

// Makes `next` the CPU's current user context (saving the FPU state of `previous`, if any).
void switch_context(ThreadContext* previous, ThreadContext& next);

// Sets the FS base of the thread whose context is current on this CPU.
void set_current_fs_base(ThreadContext& current, uint64_t base);

// Enters user mode with the current context. The kernel stack is discarded.
[[noreturn]] void enter_user(ThreadContext& current);

} // namespace arch
