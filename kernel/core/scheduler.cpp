#include "scheduler.hpp"

#include <amber/abi.h>
#include <arch/platform.hpp>

#include "entry_points.hpp"
#include "ipc.hpp"
#include "log.hpp"
#include "machine.hpp"
#include "reclaim.hpp"
#include "run_queue.hpp"
#include "stress.hpp"

namespace kernel {
namespace {

RunQueue run_queue;
Thread* current = nullptr; // owns the CPU's user state (FPU, FS/GS) while non-null
bool reschedule_requested = false;
uint64_t tick_count = 0;
uint64_t slice_deadline = 0; // TSC value at which the current slice ends; 0 if unknown

void start_slice(Thread* thread) {
    thread->ticks_left = time_slice_ticks;
    uint64_t hz = arch::timestamp_hz();
    slice_deadline = hz != 0 ? arch::timestamp() + hz / AMBER_TICK_HZ * time_slice_ticks : 0;
}
bool entered_user_mode = false;

} // namespace

Thread* current_thread() { return current; }
uint64_t ticks_since_boot() { return tick_count; }
void request_reschedule() { reschedule_requested = true; }
bool reschedule_pending() { return reschedule_requested; }

bool preemption_point(bool& forced) {
    forced = stress_fires(StressPoint::Preemption);
    arch::poll_interrupts();
    if (slice_deadline != 0 && arch::timestamp() >= slice_deadline) reschedule_requested = true;
    return forced || reschedule_requested;
}

namespace {

void forget_stopped_wait(Thread* thread) {
    if (Object* object = thread->stopped_waiting_for) {
        if (Cond* cond = object_cast<Cond>(object)) cond->stopped_waiters.remove(thread);
        thread->stopped_waiting_for = nullptr;
        object->release();
    }
}

// Takes a Waiting thread out of its queue (if it is in one) and drops the reference its wait held.
// Returns that object if `keep` (the caller then owns the reference), else nullptr.
Object* leave_wait(Thread* thread, bool keep) {
    thread->fault_pending = false; // a thread that faulted reports again when it retries
    if (thread->wait_queue != nullptr) thread->wait_queue->remove(thread);
    thread->wait_queue = nullptr;
    Object* object = thread->waiting_for;
    thread->waiting_for = nullptr;
    if (object != nullptr && !keep) {
        object->release();
        return nullptr;
    }
    return object;
}

// A wait ends without the call completing: the thread re-makes its call, and any IPC link it had
// (a reply it was owed, a transfer it was bound to) is broken first.
void wake_to_restart(Thread* thread) {
    ipc_break(*thread);
    leave_wait(thread, false);
    make_runnable(thread);
}

} // namespace

void make_runnable(Thread* thread) {
    forget_stopped_wait(thread);
    thread->run_state = RunState::Runnable;
    if (thread != current) run_queue.push_back(thread);
}

void stop_thread(Thread* thread) {
    ipc_break(*thread); // links are never exported: the other side re-makes its call
    if (thread->run_state == RunState::Runnable) {
        run_queue.remove(thread);
    } else if (thread->run_state == RunState::Waiting) {
        forget_stopped_wait(thread);
        thread->stopped_waiting_for = leave_wait(thread, true); // its reference moves here
        // A cond waiter stays where a signal finds it: a signal sent while it is stopped is not lost.
        if (Cond* cond = object_cast<Cond>(thread->stopped_waiting_for)) cond->stopped_waiters.push_back(thread);
    }
    if (thread->run_state != RunState::Exited) thread->run_state = RunState::Stopped;
}

void wait_current(WaitQueue& queue, Object* object) {
    Thread* thread = current;
    thread->run_state = RunState::Waiting;
    thread->wait_queue = &queue;
    object->retain(); // the object outlives every wait on it
    thread->waiting_for = object;
    queue.push_back(thread);
}

void resume_waiting(Thread* thread, WaitQueue& queue, Object* object) {
    forget_stopped_wait(thread);
    thread->run_state = RunState::Waiting;
    thread->wait_queue = &queue;
    object->retain();
    thread->waiting_for = object;
    queue.push_back(thread);
}

void wait_current_for(Object* object) {
    Thread* thread = current;
    thread->run_state = RunState::Waiting;
    thread->wait_queue = nullptr;
    object->retain();
    thread->waiting_for = object;
}

void rewait(Thread* thread, Object* object) {
    if (thread->wait_queue != nullptr) thread->wait_queue->remove(thread);
    thread->wait_queue = nullptr;
    object->retain();
    if (thread->waiting_for != nullptr) thread->waiting_for->release();
    thread->waiting_for = object;
}

void end_wait_for_completion(Thread* thread) {
    leave_wait(thread, false);
    make_runnable(thread);
}

void wake_thread(Thread* thread) {
    if (thread->run_state != RunState::Waiting) return;
    wake_to_restart(thread);
}

unsigned wake_one(WaitQueue& queue) {
    // Restart stress: sometimes wake every waiter, so that all but one re-execute their call and
    // wait again (a spurious wake-up is always allowed).
    if (stress_fires(StressPoint::WakeUp)) {
        count_restart(true); // attributed to the call that wakes
        return wake_all(queue);
    }
    if (queue.empty()) return 0;
    wake_to_restart(queue.pop_front());
    return 1;
}

unsigned wake_all(WaitQueue& queue) {
    unsigned n = 0;
    for (; !queue.empty(); ++n) wake_to_restart(queue.pop_front());
    return n;
}

void unschedule(Thread* thread) {
    stop_thread(thread);
    forget_stopped_wait(thread);
    thread->run_state = RunState::Exited;
    if (thread == current) current = nullptr;
}

void handle_timer_tick() {
    ++tick_count;
    if (current != nullptr && current->run_state == RunState::Runnable) {
        if (current->ticks_left > 0) --current->ticks_left;
        if (current->ticks_left == 0) reschedule_requested = true;
    }
}

void return_to_user() {
    (void)reclaim_some(reclaim_budget_per_entry);
    deliver_console_input(); // may wake the current thread itself, so before looking at it
    Thread* previous = current;
    bool previous_runs = previous != nullptr && previous->run_state == RunState::Runnable;
    if (previous_runs) {
        if (!reschedule_requested) arch::enter_user(previous->context);
        if (run_queue.empty()) { // nobody else wants the CPU: a new slice for the same thread
            reschedule_requested = false;
            start_slice(previous);
            arch::enter_user(previous->context);
        }
        run_queue.push_back(previous);
    }
    Thread* next = run_queue.pop_front();
    while (next == nullptr) {
        if (reclaim_some(reclaim_budget_when_idle))
            arch::poll_interrupts(); // idle time goes to reclaiming while there is any
        else
            arch::idle_wait();
        deliver_console_input();
        // The thread that just began to wait is still `current` (its CPU state is loaded), so
        // waking it made it Runnable without queueing it: resume it in place.
        if (current != nullptr && current->run_state == RunState::Runnable) {
            reschedule_requested = false;
            start_slice(current);
            arch::enter_user(current->context);
        }
        next = run_queue.pop_front();
    }
    reschedule_requested = false;
    start_slice(next);
    arch::switch_context(previous != nullptr ? &previous->context : nullptr, next->context);
    next->space->page_table.activate();
    current = next;
    if (!entered_user_mode) {
        entered_user_mode = true;
        log("entering user mode: process %lu (%s)", next->space->id(), next->space->name);
    }
    arch::enter_user(next->context);
}

} // namespace kernel
