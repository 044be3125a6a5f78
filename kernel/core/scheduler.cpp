#include "scheduler.hpp"

#include <arch/platform.hpp>

#include "entry_points.hpp"
#include "log.hpp"
#include "run_queue.hpp"

namespace kernel {
namespace {

RunQueue run_queue;
Thread* current = nullptr; // owns the CPU's user state (FPU, FS/GS) while non-null
bool reschedule_pending = false;
uint64_t tick_count = 0;
bool entered_user_mode = false;

} // namespace

Thread* current_thread() { return current; }

void make_runnable(Thread* thread) {
    thread->state = ThreadState::Runnable;
    run_queue.push_back(thread);
}

void request_reschedule() { reschedule_pending = true; }

void unschedule(Thread* thread) {
    run_queue.remove(thread);
    thread->state = ThreadState::Exited;
    if (thread == current) current = nullptr;
}

uint64_t ticks_since_boot() { return tick_count; }

void handle_timer_tick() {
    ++tick_count;
    if (current != nullptr && current->state == ThreadState::Running) {
        if (current->ticks_left > 0) --current->ticks_left;
        if (current->ticks_left == 0) reschedule_pending = true;
    }
}

void return_to_user() {
    Thread* previous = current;
    if (previous != nullptr && previous->state == ThreadState::Running) {
        if (!reschedule_pending) arch::enter_user(previous->context);
        if (run_queue.empty()) { // nobody else wants the CPU: a new slice for the same thread
            reschedule_pending = false;
            previous->ticks_left = time_slice_ticks;
            arch::enter_user(previous->context);
        }
        make_runnable(previous);
    }
    Thread* next = run_queue.pop_front();
    while (next == nullptr) {
        arch::idle_wait();
        next = run_queue.pop_front();
    }
    reschedule_pending = false;
    next->state = ThreadState::Running;
    next->ticks_left = time_slice_ticks;
    arch::switch_context(previous != nullptr ? &previous->context : nullptr, next->context);
    next->process->page_table.activate();
    current = next;
    if (!entered_user_mode) {
        entered_user_mode = true;
        log("entering user mode: process %lu (%s)", next->process->id, next->process->name);
    }
    arch::enter_user(next->context);
}

} // namespace kernel
