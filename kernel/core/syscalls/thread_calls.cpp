// Thread calls and thread state export/import.
#include <amber/abi.h>
#include <arch/frame.hpp>

#include "../connection.hpp"
#include "../ipc.hpp"
#include "../lifecycle.hpp"
#include "../objects.hpp"
#include "../scheduler.hpp"
#include "../state_transfer.hpp"
#include "../syscall.hpp"

namespace kernel {
namespace {

constexpr uint32_t known_thread_flags = AMBER_THREAD_STOPPED | AMBER_THREAD_WAITING | AMBER_THREAD_EXITED;
// Read-only in set_state (ipc_connect_threads re-establishes connections), but only known bits.
constexpr uint32_t known_ipc_flags = AMBER_THREAD_IPC_CLIENT_HALF | AMBER_THREAD_IPC_SERVER_HALF;
constexpr unsigned mxcsr_offset = 24;
constexpr uint32_t mxcsr_valid = 0xffbf; // DAZ and reserved bits cleared: fxrstor faults on them

void registers_out(const arch::ThreadContext& c, amber_thread_registers& r) {
    const arch::UserFrame& f = c.frame;
    r = {f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.rbp, f.rsp,    f.r8,      f.r9,
         f.r10, f.r11, f.r12, f.r13, f.r14, f.r15, f.rip, f.rflags, c.fs_base, c.gs_base};
}

void registers_in(const amber_thread_registers& r, arch::ThreadContext& c) {
    arch::UserFrame& f = c.frame;
    f.rax = r.rax, f.rbx = r.rbx, f.rcx = r.rcx, f.rdx = r.rdx, f.rsi = r.rsi, f.rdi = r.rdi, f.rbp = r.rbp;
    f.rsp = r.rsp, f.r8 = r.r8, f.r9 = r.r9, f.r10 = r.r10, f.r11 = r.r11, f.r12 = r.r12, f.r13 = r.r13;
    f.r14 = r.r14, f.r15 = r.r15, f.rip = r.rip;
    f.rflags = (r.rflags & arch::user_rflags_mask) | arch::rflags_interrupt_enable | arch::rflags_reserved_one;
    f.cs = arch::selector::user_code;
    f.ss = arch::selector::user_data;
    f.vector = 0; // leave through iretq: every register is live
    f.error_code = 0;
    c.fs_base = r.fs_base;
    c.gs_base = r.gs_base;
}

// Running code in a space is as much as writing its memory: SET_STATE as well as OPERATE. The new
// thread's handle gets the space handle's rights (`rights`), never more.
constexpr uint32_t thread_create_rights = AMBER_RIGHT_OPERATE | AMBER_RIGHT_SET_STATE;

Thread* new_thread(Thread& caller, amber_handle_t space_handle, uint64_t id, uint32_t& rights, amber_status& status) {
    Space* space;
    status = lookup(caller, space_handle, thread_create_rights, space, rights);
    if (status != AMBER_OK) return nullptr;
    Thread* thread = create_thread(*space, id);
    if (thread == nullptr) status = space->thread_count >= Space::max_threads ? AMBER_ERR_LIMIT : AMBER_ERR_NO_MEMORY;
    return thread;
}

} // namespace

amber_thread_state thread_state_of(const Thread& thread) {
    auto state = state_with_header<amber_thread_state>(thread);
    registers_out(thread.context, state.registers);
    bool exited = thread.run_state == RunState::Exited;
    bool waiting = thread.run_state == RunState::Waiting || thread.stopped_waiting_for != nullptr;
    state.flags = (exited ? AMBER_THREAD_EXITED : AMBER_THREAD_STOPPED) | (waiting ? AMBER_THREAD_WAITING : 0);
    state.ipc_flags = connection_flags(thread);
    if (Thread* server = thread.connections[AMBER_IPC_SIDE_CLIENT].peer) state.ipc_server_id = server->id();
    if (Thread* client = thread.connections[AMBER_IPC_SIDE_SERVER].peer) state.ipc_client_id = client->id();
    state.restarts = thread.restarts;
    state.cancels = thread.cancels;
    __builtin_memcpy(state.fpu, thread.context.fpu.bytes, sizeof state.fpu);
    return state;
}

amber_status check_thread_state(const amber_thread_state& state) {
    const amber_thread_registers& r = state.registers;
    if ((state.flags & ~known_thread_flags) != 0 || (state.ipc_flags & ~known_ipc_flags) != 0) {
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    if (!arch::is_user_address(r.rip) || !arch::is_user_address(r.rsp) || !arch::is_user_address(r.fs_base) ||
        !arch::is_user_address(r.gs_base)) {
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    return AMBER_OK;
}

amber_status set_thread_state(Thread& thread, const amber_thread_state& state) {
    if (thread.run_state != RunState::Stopped) return AMBER_ERR_BAD_STATE; // get_state stops it first
    amber_status status = check_thread_state(state);
    if (status != AMBER_OK) return status;
    const amber_thread_registers& r = state.registers;
    registers_in(r, thread.context);
    __builtin_memcpy(thread.context.fpu.bytes, state.fpu, sizeof state.fpu);
    uint32_t mxcsr;
    __builtin_memcpy(&mxcsr, thread.context.fpu.bytes + mxcsr_offset, sizeof mxcsr);
    mxcsr &= mxcsr_valid;
    __builtin_memcpy(thread.context.fpu.bytes + mxcsr_offset, &mxcsr, sizeof mxcsr);
    thread.restarts = state.restarts; // statistics go on from the exported ones
    thread.cancels = state.cancels;
    if ((state.flags & AMBER_THREAD_STOPPED) == 0 && !resume_into_cond_wait(thread)) make_runnable(&thread);
    return AMBER_OK;
}

amber_status export_state(Thread& caller, Thread& thread, uint64_t buffer, uint64_t size) {
    if (&thread == &caller) return AMBER_ERR_INVALID_ARGUMENT; // a thread cannot stop itself
    amber_status status = state_out(caller, buffer, size, thread_state_of(thread));
    if (status == AMBER_OK && thread.run_state != RunState::Exited) stop_thread(&thread); // commit once copied out
    return status;
}

amber_status import_state(Thread& caller, Thread& thread, uint64_t buffer, uint64_t size) {
    if (&thread == &caller) return AMBER_ERR_INVALID_ARGUMENT;
    if (thread.run_state != RunState::Stopped) return AMBER_ERR_BAD_STATE;
    amber_thread_state state;
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_THREAD, state);
    return status == AMBER_OK ? set_thread_state(thread, state) : status;
}

SyscallResult sys_thread_start(Thread& caller, SyscallArguments& arguments) {
    uint64_t entry = arguments[1], stack_top = arguments[2];
    if (entry < AMBER_USER_MIN || !arch::is_user_address(entry) || stack_top < AMBER_USER_MIN ||
        stack_top > AMBER_USER_MAX) {
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    }
    amber_status status;
    uint32_t rights;
    Thread* thread = new_thread(caller, arguments.handle(0), 0, rights, status);
    if (thread == nullptr) return SyscallResult::done(status);
    arch::initialize_user_context(thread->context, entry, stack_top, arguments[3], 0);
    SyscallResult result = return_new_handle(caller, thread, rights);
    if (result.status == AMBER_OK)
        make_runnable(thread);
    else
        exit_thread(thread);
    thread->release(); // the creator's reference: the handle and the space keep it
    return result;
}

SyscallResult sys_thread_create(Thread& caller, SyscallArguments& arguments) {
    amber_status status;
    uint32_t rights;
    Thread* thread = new_thread(caller, arguments.handle(0), arguments[1], rights, status);
    if (thread == nullptr) return SyscallResult::done(status);
    SyscallResult result = return_new_handle(caller, thread, rights);
    if (result.status != AMBER_OK) exit_thread(thread);
    thread->release();
    return result;
}

SyscallResult sys_thread_cancel(Thread& caller, SyscallArguments& arguments) {
    Thread* thread;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, thread);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (thread->run_state == RunState::Waiting) {
        ++thread->cancels;
        ipc_break(*thread);
        if (object_cast<Cond>(thread->waiting_for) != nullptr) {
            end_cond_wait(*thread); // a spurious wake-up: re-waiting could miss a signal meanwhile
        } else {
            wake_thread(thread); // it re-executes its call from the committed restart point
        }
    }
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_thread_get_references(Thread& caller, SyscallArguments& arguments) {
    Thread* thread;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, thread);
    if (status != AMBER_OK) return SyscallResult::done(status);
    return get_references(caller, arguments, *thread);
}

} // namespace kernel
