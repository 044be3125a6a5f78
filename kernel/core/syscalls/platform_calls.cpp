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

// debug_write(bytes, length): restartable. The console is slow (about a microsecond a byte under
// emulation), so the bytes go out in slices with a preemption point after each; a slice written is
// committed (bytes advanced, length reduced) and a restart writes the rest. A bad buffer (checked
// before each slice for all that is left) writes nothing more.
SyscallResult sys_debug_write(Thread& caller, SyscallArguments& arguments) {
    uint64_t address = arguments[0], length = arguments[1];
    if (length > (1u << 20)) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    if (!user_range_accessible(*caller.space, address, length, false)) {
        note_argument_fault(*caller.space, address, length, false);
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    }
    char slice[256];
    while (length > 0) {
        uint64_t n = length < sizeof slice ? length : sizeof slice;
        if (!copy_argument_in(*caller.space, slice, address, n)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
        arch::console_write(slice, n);
        arguments.set(0, address += n); // commit the slice
        arguments.set(1, length -= n);
        bool forced = false;
        if (length > 0 && preemption_point(forced)) return SyscallResult::restart(AMBER_SYS_debug_write, forced);
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
    if (!copy_argument_out(*caller.space, arguments[0], &stats, sizeof stats))
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    return SyscallResult::done(AMBER_OK);
}

} // namespace kernel
