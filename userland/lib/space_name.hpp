// A space's name (amber_space_state.name: what kernel logs call the process), read and set from
// user space by loaders (spawn) and restorers (checkpointd).
#pragma once

#include <amber/objects.h>

#include "../runtime/syscalls.hpp"

namespace amber {

// Names `space` (the handle needs GET_STATE and SET_STATE) `name`, cut to AMBER_SPACE_NAME_MAX - 1
// bytes. The rest of its state is read and written back unchanged.
inline amber_status set_space_name(amber_handle_t space, const char* name) {
    amber_space_state state{};
    amber_status status = sys::object_get_state(space, &state, sizeof state).status;
    if (status != AMBER_OK) return status;
    __builtin_memset(state.name, 0, sizeof state.name);
    for (unsigned i = 0; i + 1 < sizeof state.name && name[i] != '\0'; ++i) state.name[i] = name[i];
    return sys::object_set_state(space, &state, sizeof state).status;
}

// The name of `space` (GET_STATE) in `name`, or "" when it cannot be read.
inline void space_name(amber_handle_t space, char (&name)[AMBER_SPACE_NAME_MAX]) {
    amber_space_state state{}; // an empty name unless the call fills it
    sys::object_get_state(space, &state, sizeof state);
    __builtin_memcpy(name, state.name, sizeof name);
}

} // namespace amber
