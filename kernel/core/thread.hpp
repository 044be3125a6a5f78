// Threads and processes as the scheduler sees them.
//
// A thread's whole user-visible state is its arch::ThreadContext; nothing about it lives on a
// kernel stack. A process owns an address space and its threads; it ends when its last thread
// does.
#pragma once

#include <stdint.h>

#include <arch/context.hpp>
#include <arch/paging.hpp>

namespace kernel {

struct Process;

enum class ThreadState : uint8_t { Runnable, Running, Exited };

struct Thread {
    arch::ThreadContext context; // first: its frame must be 16-byte aligned
    uint64_t id = 0;
    Process* process = nullptr;
    ThreadState state = ThreadState::Runnable;
    Thread* next_in_run_queue = nullptr;
    Thread* next_in_process = nullptr;
    uint32_t ticks_left = 0; // of the current time slice
};

struct Process {
    static constexpr unsigned max_name = 32;

    uint64_t id = 0;
    char name[max_name] = {};
    arch::PageTable page_table;
    Thread* threads = nullptr;
    uint32_t thread_count = 0;
    Process* next = nullptr;
};

} // namespace kernel
