// Round-robin preemptive scheduling of user threads on one CPU.
//
// The scheduler never blocks inside the kernel: every path out of the kernel goes through
// return_to_user() (entry_points.hpp), which resumes the current thread or switches to the next
// runnable one, idling with interrupts on while there is none.
#pragma once

#include <stdint.h>

#include "thread.hpp"

namespace kernel {

constexpr uint32_t time_slice_ticks = 10;

Thread* current_thread();
// Queues a thread that is not running and not queued.
void make_runnable(Thread* thread);
// Ends the current time slice at the next return to user mode.
void request_reschedule();
// Takes `thread` out of scheduling (it has exited); if it is current, nothing is current anymore.
void unschedule(Thread* thread);
uint64_t ticks_since_boot();

} // namespace kernel
