// Moving object state structs between user memory and the kernel, with the checks every type
// shares: exact size, version, type tag and zero reserved fields are the caller's job per type.
#pragma once

#include <amber/objects.h>
#include <amber/status.h>

#include "thread.hpp"
#include "user_memory.hpp"

namespace kernel {

template <typename State>
amber_status state_out(Thread& caller, uint64_t buffer, uint64_t size, const State& state) {
    if (size != sizeof(State)) return AMBER_ERR_INVALID_ARGUMENT;
    return copy_argument_out(*caller.space, buffer, &state, sizeof state) ? AMBER_OK : AMBER_ERR_BAD_ADDRESS;
}

template <typename State>
amber_status state_in(Thread& caller, uint64_t buffer, uint64_t size, amber_object_type type, State& state) {
    if (size != sizeof(State)) return AMBER_ERR_INVALID_ARGUMENT;
    if (!copy_argument_in(*caller.space, &state, buffer, sizeof state)) return AMBER_ERR_BAD_ADDRESS;
    if (state.header.version != AMBER_STATE_VERSION || state.header.type != type) return AMBER_ERR_INVALID_ARGUMENT;
    return AMBER_OK;
}

template <typename State>
State state_with_header(const Object& object) {
    State state{};
    state.header.version = AMBER_STATE_VERSION;
    state.header.type = static_cast<uint32_t>(object.type());
    state.header.id = object.id();
    return state;
}

class Mutex;
class Cond;
class Region;
class Mapping;
class Port;
class PortSet;
class Reference;
class Machine;

// Per-type export and import (each in its type's file); the object has been looked up with the
// needed rights and is not destroyed.
#define AMBER_STATE_FUNCTIONS(Type)                                                                                    \
    amber_status export_state(Thread& caller, Type& object, uint64_t buffer, uint64_t size);                           \
    amber_status import_state(Thread& caller, Type& object, uint64_t buffer, uint64_t size);
AMBER_STATE_FUNCTIONS(Thread)
AMBER_STATE_FUNCTIONS(Space)
AMBER_STATE_FUNCTIONS(Mutex)
AMBER_STATE_FUNCTIONS(Cond)
AMBER_STATE_FUNCTIONS(Region)
AMBER_STATE_FUNCTIONS(Mapping)
AMBER_STATE_FUNCTIONS(Port)
AMBER_STATE_FUNCTIONS(PortSet)
AMBER_STATE_FUNCTIONS(Reference)
AMBER_STATE_FUNCTIONS(Machine)
#undef AMBER_STATE_FUNCTIONS

// object_set_state of a mapping, before import_state: when the state is valid and changes the
// protection, unmaps the mapping's present pages in bounded slices; false when the call must
// restart to go on (`forced` as preemption_point sets it).
bool drop_pages_for_new_protection(Thread& caller, Mapping& mapping, uint64_t buffer, uint64_t size, bool& forced);

// A thread's state as object_get_state gives it (the caller stops the thread if it must).
amber_thread_state thread_state_of(const Thread& thread);
// object_set_state's checks of a thread state, without effect.
amber_status check_thread_state(const amber_thread_state& state);
// object_set_state's checks and effect on a Stopped thread: it resumes unless `state` says STOPPED.
amber_status set_thread_state(Thread& thread, const amber_thread_state& state);

} // namespace kernel
