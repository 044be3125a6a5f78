// Creating and ending processes and threads.
#pragma once

#include <stdint.h>

#include "../lib/bytes.hpp"
#include "thread.hpp"

namespace kernel {

// A new process with an empty address space, or nullptr when out of memory.
Process* create_process(lib::StringView name);
// A new runnable thread in `process` starting at `entry`; nullptr when out of memory or at the
// per-process thread limit.
Thread* create_thread(Process& process, uint64_t entry, uint64_t stack_top, uint64_t arg0, uint64_t arg1);

// Ends one thread; the process ends with status 0 when it was the last.
void exit_thread(Thread* thread);
// Ends every thread of `process` and frees it. When no process is left, the machine powers off
// with the exit status of the first process.
void exit_process(Process* process, int64_t status);

constexpr uint32_t max_threads_per_process = 64;

} // namespace kernel
