// System-call dispatch and the handlers of the platform calls.
//
// Each handler decodes and validates all of its arguments before changing anything, then commits.
// Only amber_status values (uapi/amber/status.h) reach user space.
#include <amber/abi.h>
#include <amber/status.h>
#include <amber/syscall_numbers.h>
#include <arch/platform.hpp>

#include "entry_points.hpp"
#include "log.hpp"
#include "process.hpp"
#include "scheduler.hpp"
#include "user_memory.hpp"

namespace kernel {
namespace {

// Typed view of the argument registers of a syscall frame.
class SyscallArguments {
  public:
    explicit SyscallArguments(const arch::UserFrame& frame) : frame_(frame) {}
    uint64_t operator[](unsigned i) const {
        switch (i) {
        case 0: return frame_.rdi;
        case 1: return frame_.rsi;
        case 2: return frame_.rdx;
        case 3: return frame_.r10;
        case 4: return frame_.r8;
        default: return frame_.r9;
        }
    }

  private:
    const arch::UserFrame& frame_;
};

struct SyscallResult {
    amber_status status;
    uint64_t value = 0;
};

using Handler = SyscallResult (*)(Thread& caller, const SyscallArguments& arguments);

#define AMBER_SYSCALL(number, name, argument_count)                                                                    \
    SyscallResult sys_##name(Thread& caller, const SyscallArguments& arguments);
#include <amber/syscalls.def>
#undef AMBER_SYSCALL

struct HandlerTable {
    Handler entries[AMBER_SYSCALL_COUNT];
};

constexpr HandlerTable make_handler_table() {
    HandlerTable table{};
#define AMBER_SYSCALL(number, name, argument_count) table.entries[number] = sys_##name;
#include <amber/syscalls.def>
#undef AMBER_SYSCALL
    return table;
}

constexpr HandlerTable handlers = make_handler_table();

SyscallResult sys_null(Thread&, const SyscallArguments&) { return {AMBER_OK}; }

SyscallResult sys_debug_write(Thread& caller, const SyscallArguments& arguments) {
    uint64_t address = arguments[0], length = arguments[1];
    if (length > (1u << 20)) return {AMBER_ERR_INVALID_ARGUMENT};
    char chunk[256];
    // Validate the whole buffer first so that a bad one prints nothing.
    for (uint64_t done = 0; done < length; done += sizeof chunk) {
        uint64_t n = length - done < sizeof chunk ? length - done : sizeof chunk;
        if (!copy_from_user(*caller.process, chunk, address + done, 1) ||
            !copy_from_user(*caller.process, chunk, address + done + n - 1, 1)) {
            return {AMBER_ERR_BAD_ADDRESS};
        }
    }
    for (uint64_t done = 0; done < length; done += sizeof chunk) {
        uint64_t n = length - done < sizeof chunk ? length - done : sizeof chunk;
        if (!copy_from_user(*caller.process, chunk, address + done, n)) return {AMBER_ERR_BAD_ADDRESS};
        arch::console_write(chunk, n);
    }
    return {AMBER_OK};
}

SyscallResult sys_thread_yield(Thread&, const SyscallArguments&) {
    request_reschedule();
    return {AMBER_OK};
}

SyscallResult sys_thread_create(Thread& caller, const SyscallArguments& arguments) {
    uint64_t entry = arguments[0], stack_top = arguments[1], argument = arguments[2];
    if (entry < AMBER_USER_MIN || entry >= AMBER_USER_MAX || stack_top < AMBER_USER_MIN || stack_top > AMBER_USER_MAX) {
        return {AMBER_ERR_INVALID_ARGUMENT};
    }
    if (caller.process->thread_count >= max_threads_per_process) return {AMBER_ERR_LIMIT};
    Thread* thread = create_thread(*caller.process, entry, stack_top, argument, 0);
    if (thread == nullptr) return {AMBER_ERR_NO_MEMORY};
    return {AMBER_OK, thread->id};
}

SyscallResult sys_thread_exit(Thread& caller, const SyscallArguments&) {
    exit_thread(&caller);
    return_to_user();
}

SyscallResult sys_process_exit(Thread& caller, const SyscallArguments& arguments) {
    exit_process(caller.process, static_cast<int64_t>(arguments[0]));
    return_to_user();
}

SyscallResult sys_clock_ticks(Thread&, const SyscallArguments&) { return {AMBER_OK, ticks_since_boot()}; }

SyscallResult sys_thread_set_fs_base(Thread& caller, const SyscallArguments& arguments) {
    if (!arch::is_user_address(arguments[0])) return {AMBER_ERR_INVALID_ARGUMENT};
    arch::set_current_fs_base(caller.context, arguments[0]);
    return {AMBER_OK};
}

SyscallResult sys_system_poweroff(Thread& caller, const SyscallArguments& arguments) {
    auto status = static_cast<int64_t>(arguments[0]);
    log("process %lu (%s) powered the machine off with status %ld", caller.process->id, caller.process->name, status);
    arch::power_off(static_cast<int>(status));
}

SyscallResult sys_thread_self(Thread& caller, const SyscallArguments&) { return {AMBER_OK, caller.id}; }

} // namespace

void handle_syscall(arch::UserFrame& frame) {
    Thread* caller = current_thread();
    SyscallResult result{AMBER_ERR_INVALID_SYSCALL};
    if (frame.rax < AMBER_SYSCALL_COUNT) result = handlers.entries[frame.rax](*caller, SyscallArguments(frame));
    frame.rax = result.status;
    frame.rdx = result.value;
    return_to_user();
}

} // namespace kernel
