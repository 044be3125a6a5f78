// System-call dispatch: one table from uapi/amber/syscalls.def, entry stress, restart bookkeeping.
#include <amber/syscall_numbers.h>

#include "entry_points.hpp"
#include "export_stress.hpp"
#include "ipc.hpp"
#include "scheduler.hpp"
#include "stress.hpp"
#include "syscall.hpp"
#include "user_memory.hpp"

namespace kernel {
namespace {

struct HandlerTable {
    SyscallHandler entries[AMBER_SYSCALL_COUNT];
};

constexpr HandlerTable make_handler_table() {
    HandlerTable table{};
#define AMBER_SYSCALL(number, name, argument_count) table.entries[number] = sys_##name;
#include <amber/syscalls.def>
#undef AMBER_SYSCALL
    return table;
}

constexpr HandlerTable handlers = make_handler_table();

// Calls that end the caller or the machine gain nothing from a forced restart at entry; nor does
// cond_wait_released, whose thread would be out of the cond's queue meanwhile and could miss a signal.
bool entry_restartable(uint64_t call) {
    return call != AMBER_SYS_thread_exit && call != AMBER_SYS_process_exit && call != AMBER_SYS_system_poweroff &&
           call != AMBER_SYS_cond_wait_released;
}

// A transfer binding carries over only restarts of the IPC call that made it.
bool continues_ipc(uint64_t call) {
    return call == AMBER_SYS_ipc_send || call == AMBER_SYS_ipc_call || call == AMBER_SYS_ipc_wait_receive ||
           call == AMBER_SYS_ipc_reply || call == AMBER_SYS_ipc_reply_wait_receive;
}

} // namespace

SyscallResult return_new_handle(Thread& caller, Object* object, uint32_t rights) {
    amber_handle_t handle;
    amber_status status = caller.space->handles.insert(object, rights, handle);
    return SyscallResult::done(status, status == AMBER_OK ? handle : 0);
}

void handle_syscall(arch::UserFrame& frame) {
    Thread* caller = current_thread();
    caller->retain(); // the call may destroy the caller's own objects
    uint64_t number = frame.rax;
    set_current_call(number);
    SyscallArguments arguments(frame);
    if (caller->ipc_partner != nullptr && !continues_ipc(number)) ipc_break(*caller);
    SyscallResult result = SyscallResult::done(AMBER_ERR_INVALID_SYSCALL);
    if (number < AMBER_SYSCALL_COUNT) {
        if (entry_restartable(number) && stress_fires(StressPoint::Entry)) {
            result = SyscallResult::restart(number, true);
        } else {
            result = handlers.entries[number](*caller, arguments);
            // A call argument the call could not copy: the page goes to its keeper (or is filled
            // from its mapping's region) and the call, which had committed nothing, is re-made.
            ArgumentFault fault = take_argument_fault();
            if (fault.space != nullptr && result.kind == SyscallResult::Kind::Done &&
                result.status == AMBER_ERR_BAD_ADDRESS && caller->run_state == RunState::Runnable &&
                call_keeper_for(*caller, *fault.space, fault.address, fault.write ? AMBER_FAULT_WRITE : 0)) {
                result = SyscallResult::wait(number);
            }
        }
    }
    if (caller->run_state != RunState::Exited) {
        switch (result.kind) {
        case SyscallResult::Kind::Done:
            frame.rax = result.status;
            frame.rdx = result.value;
            break;
        case SyscallResult::Kind::Restart:
        case SyscallResult::Kind::Wait:
            frame.rip -= arch::syscall_instruction_length;
            frame.rax = result.continuation;
            ++caller->restarts;
            count_restart(result.forced);
            // Export stress: the thread, at its restart point, goes on as an imported copy.
            if (stress_may_fire(StressPoint::Export) && caller->run_state != RunState::Stopped &&
                stress_fires(StressPoint::Export) && replace_by_imported_copy(*caller)) {
                count_export();
            }
            break;
        case SyscallResult::Kind::NoReturn: break;
        }
    }
    caller->release();
    return_to_user();
}

} // namespace kernel
