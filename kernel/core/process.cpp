#include "process.hpp"

#include <arch/platform.hpp>

#include "kernel_heap.hpp"
#include "log.hpp"
#include "scheduler.hpp"

namespace kernel {
namespace {

Process* processes = nullptr;
uint64_t next_process_id = 1;
uint64_t next_thread_id = 1;
int64_t first_process_status = 0;

void unlink_process(Process* process) {
    for (Process** p = &processes; *p != nullptr; p = &(*p)->next) {
        if (*p == process) {
            *p = process->next;
            return;
        }
    }
}

void power_off_if_idle() {
    if (processes != nullptr) return;
    log("all processes have exited; powering off with status %ld", first_process_status);
    arch::power_off(static_cast<int>(first_process_status));
}

} // namespace

Process* create_process(lib::StringView name) {
    Process* process = create<Process>();
    if (process == nullptr) return nullptr;
    if (!process->page_table.create()) {
        destroy(process);
        return nullptr;
    }
    process->id = next_process_id++;
    size_t n = name.size < Process::max_name - 1 ? name.size : Process::max_name - 1;
    for (size_t i = 0; i < n; ++i) process->name[i] = name.data[i];
    process->next = processes;
    processes = process;
    return process;
}

Thread* create_thread(Process& process, uint64_t entry, uint64_t stack_top, uint64_t arg0, uint64_t arg1) {
    if (process.thread_count >= max_threads_per_process) return nullptr;
    Thread* thread = create<Thread>();
    if (thread == nullptr) return nullptr;
    arch::initialize_user_context(thread->context, entry, stack_top, arg0, arg1);
    thread->id = next_thread_id++;
    thread->process = &process;
    thread->next_in_process = process.threads;
    process.threads = thread;
    ++process.thread_count;
    make_runnable(thread);
    return thread;
}

void exit_thread(Thread* thread) {
    Process* process = thread->process;
    if (process->thread_count == 1) {
        exit_process(process, 0);
        return;
    }
    unschedule(thread);
    for (Thread** t = &process->threads; *t != nullptr; t = &(*t)->next_in_process) {
        if (*t == thread) {
            *t = thread->next_in_process;
            break;
        }
    }
    --process->thread_count;
    destroy(thread);
}

void exit_process(Process* process, int64_t status) {
    log("process %lu (%s) exited with status %ld", process->id, process->name, status);
    if (process->id == 1) first_process_status = status;
    while (Thread* thread = process->threads) {
        process->threads = thread->next_in_process;
        unschedule(thread);
        destroy(thread);
    }
    process->thread_count = 0;
    process->page_table.destroy();
    unlink_process(process);
    destroy(process);
    power_off_if_idle();
}

} // namespace kernel
