// Export stress (stress.hpp, point `x`): a thread at a restart point is stopped, exported,
// destroyed, and its exported state is imported into a fresh thread that takes its place.
//
// The fresh thread is a new Thread object, so every field that export does not carry starts from
// its constructor's value: a field that a suite needs but export loses is hidden state, and the
// suite fails. What a restorer rebuilds through other objects' state is rebuilt the way those
// objects' import does it: handles and references to the thread (space_handle_install,
// reference_set), the mutexes it owns (a mutex's owner_thread), its reliable connections
// (ipc_connect_threads) and its place in its space's thread list (space_get_threads order).
#pragma once

#include "thread.hpp"

namespace kernel {

// Replaces `thread` (Runnable or Waiting, its registers at a restart point; if it is the current
// thread, its CPU state is live) by an imported copy. The copy resumes as set_state resumes a
// thread: runnable, or straight back in its cond's queue. False, changing nothing, when no fresh
// thread can be made (the space's thread limit, no memory) or set_state would refuse its state.
bool replace_by_imported_copy(Thread& thread);

} // namespace kernel
