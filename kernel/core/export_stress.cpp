#include "export_stress.hpp"

#include <amber/ipc.h>
#include <arch/context.hpp>

#include "lifecycle.hpp"
#include "objects.hpp"
#include "panic.hpp"
#include "scheduler.hpp"
#include "state_transfer.hpp"

namespace kernel {
namespace {

// A restorer installs handles to the new thread where the old one's were, and re-points references.
void move_handles(Space& space, Thread& from, Thread& to) {
    for (amber_handle_t h = space.handles.next_used(1); h != AMBER_HANDLE_NONE; h = space.handles.next_used(h + 1)) {
        HandleEntry* entry = space.handles.find(h);
        if (entry->object == &from) {
            to.retain();
            entry->object = &to;
            from.release(); // not the last reference: the caller holds one
        } else if (Reference* reference = object_cast<Reference>(entry->object)) {
            if (reference->target == &from) reference->set(&to, reference->rights);
        }
    }
}

// A thread waiting for `from` (a reliable-IPC peer) re-makes its call, as set_state makes a
// restored one do; a stopped one that was waiting for it will wait for `to` when resumed.
void move_waiters(Space& space, Thread& from, Thread& to) {
    for (Thread* t = space.threads; t != nullptr; t = t->next_in_space) {
        if (t->run_state == RunState::Waiting && t->waiting_for == &from) wake_thread(t);
        if (t->stopped_waiting_for == &from) {
            to.retain();
            t->stopped_waiting_for = &to;
            from.release();
        }
    }
}

// Each mutex's owner_thread and each connection's peer ids name the thread by id; their import
// binds the new thread of that id.
void move_ownership(Thread& from, Thread& to) {
    while (from.held_mutexes != nullptr) set_mutex_owner(*from.held_mutexes, &to); // no waiter is woken
    for (uint32_t side = 0; side < 2; ++side) {                                    // AMBER_IPC_SIDE_CLIENT, _SERVER
        Thread* peer = from.connections[side].peer;
        if (peer == nullptr) continue;
        to.connections[side] = from.connections[side];
        from.connections[side] = {};
        peer->connections[1 - side].peer = &to; // the other end names us
    }
}

// `to`, just created, is first in the space's list: move it to where `from` is, which exit then
// leaves to it (space_get_threads keeps its order).
void take_place_in_space(Space& space, Thread& from, Thread& to) {
    space.threads = to.next_in_space;
    to.next_in_space = from.next_in_space;
    from.next_in_space = &to;
}

} // namespace

bool replace_by_imported_copy(Thread& thread) {
    Space& space = *thread.space;
    if (&thread == current_thread()) arch::save_user_state(thread.context);
    amber_thread_state state = thread_state_of(thread); // as object_get_state exports it
    // A state set_state would refuse (a stack pointer outside user space, which the kernel lets a
    // thread have) is one no restorer could import: such a thread is not replaced.
    if (check_thread_state(state) != AMBER_OK) return false;
    Thread* fresh = create_thread(space, thread.id());
    if (fresh == nullptr) return false;
    stop_thread(&thread); // as object_get_state does
    for (Space* s = all_spaces(); s != nullptr; s = s->next_in_machine) {
        move_handles(*s, thread, *fresh);
        move_waiters(*s, thread, *fresh);
    }
    move_ownership(thread, *fresh);
    take_place_in_space(space, thread, *fresh);
    thread.destroy(); // it exits; every holder of it now holds the fresh one
    state.flags &= ~AMBER_THREAD_STOPPED;
    amber_status status = set_thread_state(*fresh, state);
    if (status != AMBER_OK)
        panic("export stress: thread %lu's exported state does not import (status %d)", fresh->id(),
              static_cast<int>(status));
    fresh->release(); // the creator's reference: the space's list and the handles keep it
    return true;
}

} // namespace kernel
