// Mutex ownership. The owner is the Thread object itself, never its id: ids are the creator's
// choice and need not be unique, so an id proves nothing. Each thread lists the mutexes it holds
// (through Mutex::next_held), so that its exit can release them.
#include "objects.hpp"
#include "scheduler.hpp"

namespace kernel {
namespace {

void unlink(Mutex& mutex) {
    Thread* owner = mutex.owner;
    for (Mutex** m = &owner->held_mutexes; *m != nullptr; m = &(*m)->next_held) {
        if (*m == &mutex) {
            *m = mutex.next_held;
            break;
        }
    }
    mutex.next_held = nullptr;
    mutex.owner = nullptr;
}

} // namespace

void set_mutex_owner(Mutex& mutex, Thread* thread) {
    if (mutex.owner == thread) return;
    bool releasing = mutex.owner != nullptr && thread == nullptr;
    if (mutex.owner != nullptr) unlink(mutex);
    if (thread != nullptr) {
        mutex.owner = thread;
        mutex.next_held = thread->held_mutexes;
        thread->held_mutexes = &mutex;
    }
    if (releasing) wake_one(mutex.waiters); // it re-executes mutex_lock and competes
}

void release_mutexes(Thread& thread) {
    while (thread.held_mutexes != nullptr) set_mutex_owner(*thread.held_mutexes, nullptr);
}

void Mutex::on_destroy() {
    if (owner != nullptr) unlink(*this);
    wake_all(waiters); // they re-execute and see AMBER_ERR_DESTROYED
}

} // namespace kernel
