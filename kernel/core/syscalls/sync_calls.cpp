// Mutexes and condition variables.
//
// mutex_lock waits by re-executing itself: a woken waiter competes again (no hand-off), so a
// stopped, cancelled or spuriously woken waiter just re-runs mutex_lock. cond_wait is multi-stage:
// it releases the mutex, then waits on the cond as cond_wait_released(cond, mutex), a call that
// waits on the cond without touching the mutex. A signal or broadcast (or the cond's destruction)
// rewrites the waiter it ends to mutex_lock(mutex); anything else that ends the wait (cancel,
// get_state, export, stress) leaves it re-making cond_wait_released, so it goes on waiting: a
// checkpoint or migration adds no wake-up. A mutex is owned by a Thread object (mutex.cpp),
// exported as its id.
#include "../objects.hpp"
#include "../scheduler.hpp"
#include "../state_transfer.hpp"
#include "../stress.hpp"
#include "../syscall.hpp"
#include "../user_memory.hpp"

namespace kernel {
namespace {

// The one live thread with this id the caller holds a handle to; nullptr if none or several.
Thread* named_thread(Thread& caller, uint64_t id) {
    Thread* found = nullptr;
    HandleTable& handles = caller.space->handles;
    for (amber_handle_t h = handles.next_used(1); h != AMBER_HANDLE_NONE; h = handles.next_used(h + 1)) {
        Thread* thread = object_cast<Thread>(handles.find(h)->object);
        if (thread == nullptr || thread->id() != id || thread->run_state == RunState::Exited) continue;
        if (found != nullptr && found != thread) return nullptr; // ambiguous
        found = thread;
    }
    return found;
}

// A signal's waiter: a waiting one first, else one stopped mid-wait; nullptr if none.
Thread* next_waiter(Cond& cond) {
    if (!cond.waiters.empty()) return cond.waiters.pop_front();
    return cond.stopped_waiters.empty() ? nullptr : cond.stopped_waiters.pop_front();
}

// The (cond, mutex) arguments of cond_wait and cond_wait_released, both with OPERATE.
amber_status lookup_cond_and_mutex(Thread& caller, SyscallArguments& arguments, Cond*& cond, Mutex*& mutex) {
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, cond);
    return status == AMBER_OK ? lookup(caller, arguments.handle(1), AMBER_RIGHT_OPERATE, mutex) : status;
}

void signal_all(Cond& cond) {
    while (Thread* waiter = next_waiter(cond)) end_cond_wait(*waiter);
}

} // namespace

void end_cond_wait(Thread& waiter) {
    arch::UserFrame& frame = waiter.context.frame;
    frame.rax = AMBER_SYS_mutex_lock;
    frame.rdi = frame.rsi; // the mutex: cond_wait_released's second argument
    if (waiter.run_state == RunState::Waiting) wake_thread(&waiter);
}

bool resume_into_cond_wait(Thread& thread) {
    const arch::UserFrame& frame = thread.context.frame;
    uint8_t instruction[2] = {};
    if (frame.rax != AMBER_SYS_cond_wait_released ||
        !copy_from_user(*thread.space, instruction, frame.rip, sizeof instruction) || instruction[0] != 0x0f ||
        instruction[1] != 0x05) {
        return false; // not at its `syscall` instruction: it just runs
    }
    Cond* cond;
    Mutex* mutex;
    if (lookup(thread, static_cast<amber_handle_t>(frame.rdi), AMBER_RIGHT_OPERATE, cond) != AMBER_OK ||
        lookup(thread, static_cast<amber_handle_t>(frame.rsi), AMBER_RIGHT_OPERATE, mutex) != AMBER_OK) {
        return false; // its call will say why
    }
    resume_waiting(&thread, cond->waiters, cond);
    return true;
}

void Cond::on_destroy() { signal_all(*this); } // they re-acquire their mutex and return

SyscallResult sys_mutex_create(Thread& caller, SyscallArguments& arguments) {
    return create_with_handle<Mutex>(caller, arguments[0]);
}

SyscallResult sys_mutex_lock(Thread& caller, SyscallArguments& arguments) {
    Mutex* mutex;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, mutex);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (!mutex->locked()) {
        set_mutex_owner(*mutex, &caller);
        return SyscallResult::done(AMBER_OK);
    }
    if (mutex->owner == &caller) return SyscallResult::done(AMBER_ERR_BAD_STATE); // would deadlock
    wait_current(mutex->waiters, mutex);
    return SyscallResult::wait(AMBER_SYS_mutex_lock);
}

SyscallResult sys_mutex_trylock(Thread& caller, SyscallArguments& arguments) {
    Mutex* mutex;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, mutex);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (mutex->locked()) return SyscallResult::done(mutex->owner == &caller ? AMBER_ERR_BAD_STATE : AMBER_ERR_BUSY);
    set_mutex_owner(*mutex, &caller);
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_mutex_unlock(Thread& caller, SyscallArguments& arguments) {
    Mutex* mutex;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, mutex);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (mutex->owner != &caller) return SyscallResult::done(AMBER_ERR_BAD_STATE);
    set_mutex_owner(*mutex, nullptr);
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_cond_create(Thread& caller, SyscallArguments& arguments) {
    return create_with_handle<Cond>(caller, arguments[0]);
}

SyscallResult sys_cond_wait(Thread& caller, SyscallArguments& arguments) {
    Cond* cond;
    Mutex* mutex;
    amber_status status = lookup_cond_and_mutex(caller, arguments, cond, mutex);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (mutex->owner != &caller) return SyscallResult::done(AMBER_ERR_BAD_STATE);
    // Stage 1 commits: the mutex is released and the continuation is cond_wait_released.
    set_mutex_owner(*mutex, nullptr);
    if (stress_fires(StressPoint::Commit)) { // a spurious wake-up: not waiting, it could miss a signal
        arguments.set(0, arguments[1]);
        return SyscallResult::restart(AMBER_SYS_mutex_lock, true);
    }
    wait_current(cond->waiters, cond);
    return SyscallResult::wait(AMBER_SYS_cond_wait_released);
}

// cond_wait_released(cond, mutex): waits on the cond; the caller does not hold the mutex (an error
// returns without it). Ended by a signal, it continues as mutex_lock(mutex).
SyscallResult sys_cond_wait_released(Thread& caller, SyscallArguments& arguments) {
    Cond* cond;
    Mutex* mutex;
    amber_status status = lookup_cond_and_mutex(caller, arguments, cond, mutex);
    if (status != AMBER_OK) return SyscallResult::done(status);
    wait_current(cond->waiters, cond);
    return SyscallResult::wait(AMBER_SYS_cond_wait_released);
}

// A signal ends one wait (of a stopped waiter too: it continues as mutex_lock when resumed). Restart
// stress sometimes ends every wait: the others wake spuriously, which condition variables allow.
SyscallResult sys_cond_signal(Thread& caller, SyscallArguments& arguments) {
    Cond* cond;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, cond);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (Thread* waiter = next_waiter(*cond)) end_cond_wait(*waiter);
    if (stress_fires(StressPoint::WakeUp)) {
        count_restart(true);
        signal_all(*cond);
    }
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_cond_broadcast(Thread& caller, SyscallArguments& arguments) {
    Cond* cond;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, cond);
    if (status != AMBER_OK) return SyscallResult::done(status);
    signal_all(*cond);
    return SyscallResult::done(AMBER_OK);
}

amber_status export_state(Thread& caller, Mutex& mutex, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_mutex_state>(mutex);
    state.locked = mutex.locked() ? 1 : 0;
    state.waiter_count = mutex.waiters.size();
    state.owner_thread = mutex.locked() ? mutex.owner->id() : 0;
    return state_out(caller, buffer, size, state);
}

// Restoring a mutex sets whether it is locked and by which thread. The owner is named by id
// (restored threads keep their ids): the current owner if it has that id, else the one live thread
// with that id the caller holds a handle to (a restorer recreates the owner first).
amber_status import_state(Thread& caller, Mutex& mutex, uint64_t buffer, uint64_t size) {
    amber_mutex_state state;
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_MUTEX, state);
    if (status != AMBER_OK) return status;
    if (state.locked > 1 || (state.locked == 0) != (state.owner_thread == 0)) return AMBER_ERR_INVALID_ARGUMENT;
    Thread* owner = nullptr;
    if (state.locked == 1) {
        owner = mutex.locked() && mutex.owner->id() == state.owner_thread ? mutex.owner
                                                                          : named_thread(caller, state.owner_thread);
        if (owner == nullptr) return AMBER_ERR_INVALID_ARGUMENT;
    }
    set_mutex_owner(mutex, owner); // releasing it wakes a waiter
    return AMBER_OK;
}

amber_status export_state(Thread& caller, Cond& cond, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_cond_state>(cond);
    state.waiter_count = cond.waiters.size();
    return state_out(caller, buffer, size, state);
}

amber_status import_state(Thread& caller, Cond&, uint64_t buffer, uint64_t size) {
    amber_cond_state state;
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_COND, state);
    if (status != AMBER_OK) return status;
    return state.reserved0 == 0 ? AMBER_OK : AMBER_ERR_INVALID_ARGUMENT;
}

} // namespace kernel
