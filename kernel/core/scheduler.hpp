// Round-robin preemptive scheduling of user threads on one CPU, and the thread life cycle.
//
// The scheduler never blocks inside the kernel: every path out of the kernel goes through
// return_to_user() (entry_points.hpp), which resumes the current thread or switches to the next
// runnable one, idling with interrupts on while there is none.
#pragma once

#include <stdint.h>

#include "thread.hpp"
#include "wait_queue.hpp"

namespace kernel {

constexpr uint32_t time_slice_ticks = 10;

Thread* current_thread();
uint64_t ticks_since_boot();
// Ends the current time slice at the next return to user mode.
void request_reschedule();
bool reschedule_pending();
// Long calls pass a preemption point every this many pages.
constexpr uint64_t pages_between_preemption_points = 16;
// A preemption point: true when the call must commit its progress and restart, because its time
// slice is over or restart stress says so (`forced`). Takes pending interrupts, and also compares
// the TSC with the slice's deadline, because some hypervisors (the pvm backend) deliver no
// interrupt in a one-instruction window.
bool preemption_point(bool& forced);

// Stopped -> Runnable.
void make_runnable(Thread* thread);
// Takes a Runnable or Waiting thread out of its queue; it becomes Stopped until set_state resumes
// it. Its registers already describe a restartable point.
void stop_thread(Thread* thread);
// The current thread waits in `queue` for `object` (holding a reference to it until the wait
// ends); the caller has prepared its registers.
void wait_current(WaitQueue& queue, Object* object);
// A stopped thread resumes straight into a wait in `queue` for `object` (its registers describe
// that wait's call, which it re-makes when woken): as wait_current, for a thread not running.
void resume_waiting(Thread* thread, WaitQueue& queue, Object* object);
// The current thread waits for `object` in no queue: the thread that ends the wait finds it through
// a link (a reliable-IPC peer waiting for the other end). Holds a reference as wait_current does.
void wait_current_for(Object* object);
// A Waiting thread leaves its queue (if still in it) and waits for `object` instead, in no queue.
void rewait(Thread* thread, Object* object);
// Waiting -> Runnable (a woken thread re-executes its call; its IPC links are broken).
void wake_thread(Thread* thread);
// Waiting -> Runnable for a thread whose call another thread has just completed for it (its
// registers already hold the results; its IPC links are left alone).
void end_wait_for_completion(Thread* thread);
// Wakes the first waiter of `queue`, or every waiter; returns how many were woken.
unsigned wake_one(WaitQueue& queue);
unsigned wake_all(WaitQueue& queue);
// Takes a thread out of scheduling for good (it has exited).
void unschedule(Thread* thread);

} // namespace kernel
