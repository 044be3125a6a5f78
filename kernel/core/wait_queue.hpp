// A FIFO of threads waiting in a call, linked through Thread::next_waiter. A class (not an alias)
// so that thread.hpp can declare it before Thread is complete.
#pragma once

#include "thread_fifo.hpp"

namespace kernel {

class WaitQueue : public ThreadFifo<&Thread::next_waiter> {};

} // namespace kernel
