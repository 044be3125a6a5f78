// Platform calls: console, time, yielding, exiting, TLS, power, statistics.
#include <amber/abi.h>
#include <amber/stats.h>
#include <arch/platform.hpp>

#include "../lifecycle.hpp"
#include "../log.hpp"
#include "../scheduler.hpp"
#include "../stress.hpp"
#include "../syscall.hpp"
#include "../user_memory.hpp"

namespace kernel {

SyscallResult sys_null(Thread&, SyscallArguments&) { return SyscallResult::done(AMBER_OK); }

SyscallResult sys_debug_write(Thread& caller, SyscallArguments& arguments) {
    uint64_t address = arguments[0], length = arguments[1];
    if (length > (1u << 20)) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    // Validate the whole buffer first so that a bad one prints nothing.
    if (!user_range_accessible(*caller.space, address, length, false))
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    char chunk[256];
    for (uint64_t done = 0; done < length; done += sizeof chunk) {
        uint64_t n = length - done < sizeof chunk ? length - done : sizeof chunk;
        if (!copy_from_user(*caller.space, chunk, address + done, n)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
        arch::console_write(chunk, n);
    }
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_thread_yield(Thread&, SyscallArguments&) {
    request_reschedule();
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_thread_exit(Thread& caller, SyscallArguments&) {
    exit_thread(&caller);
    return SyscallResult::no_return();
}

SyscallResult sys_process_exit(Thread& caller, SyscallArguments& arguments) {
    exit_space(caller.space, static_cast<int64_t>(arguments[0]));
    return SyscallResult::no_return();
}

// The caller's clock: ticks since boot plus its space's offset (set by a restorer).
SyscallResult sys_clock_ticks(Thread& caller, SyscallArguments&) {
    return SyscallResult::done(AMBER_OK, ticks_since_boot() + static_cast<uint64_t>(caller.space->clock_offset));
}

SyscallResult sys_thread_set_fs_base(Thread& caller, SyscallArguments& arguments) {
    if (!arch::is_user_address(arguments[0])) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    arch::set_current_fs_base(caller.context, arguments[0]);
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_system_poweroff(Thread& caller, SyscallArguments& arguments) {
    auto status = static_cast<int64_t>(arguments[0]);
    log("process %lu (%s) powered the machine off with status %ld", caller.space->id(), caller.space->name, status);
    arch::power_off(static_cast<int>(status));
}

SyscallResult sys_thread_self(Thread& caller, SyscallArguments&) { return SyscallResult::done(AMBER_OK, caller.id()); }

SyscallResult sys_system_stats(Thread& caller, SyscallArguments& arguments) {
    if (arguments[1] != sizeof(amber_stats)) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    amber_stats stats;
    read_stats(stats);
    if (!copy_to_user(*caller.space, arguments[0], &stats, sizeof stats))
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    return SyscallResult::done(AMBER_OK);
}

} // namespace kernel
