// FIFO of runnable threads, linked through Thread::next_in_run_queue.
#pragma once

#include "thread_fifo.hpp"

namespace kernel {

using RunQueue = ThreadFifo<&Thread::next_in_run_queue>;

} // namespace kernel
