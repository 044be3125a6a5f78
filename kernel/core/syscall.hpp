// Shared plumbing of the system-call handlers: typed arguments, results, handle lookup.
//
// A handler decodes and validates everything first, then commits. It ends in one of four ways:
//   done(status, value)  - the call completed: rax = status, rdx = value;
//   restart(call)        - progress (if any) is committed in the argument registers; the thread
//                          re-executes `call` (the same or its continuation) from user mode;
//   wait(call)           - like restart, but the thread has been queued with wait_current() and
//                          re-executes `call` when woken;
//   no_return()          - the caller no longer runs (it exited).
// The dispatcher (syscall_dispatch.cpp) rewinds rip to the `syscall` instruction for restart and
// wait, so a stopped thread's registers are always a call it can simply make again.
#pragma once

#include <amber/objects.h>
#include <amber/status.h>
#include <amber/syscall_numbers.h>
#include <stdint.h>

#include "kernel_heap.hpp"
#include "thread.hpp"

namespace kernel {

class SyscallArguments {
  public:
    explicit SyscallArguments(arch::UserFrame& frame) : frame_(frame) {}
    uint64_t operator[](unsigned i) const { return *slot(i); }
    // Commits progress: the restarted call sees the new value.
    void set(unsigned i, uint64_t value) { *slot(i) = value; }
    uint32_t handle(unsigned i) const { return static_cast<uint32_t>(*slot(i)); }

  private:
    uint64_t* slot(unsigned i) const {
        switch (i) {
        case 0: return &frame_.rdi;
        case 1: return &frame_.rsi;
        case 2: return &frame_.rdx;
        case 3: return &frame_.r10;
        case 4: return &frame_.r8;
        default: return &frame_.r9;
        }
    }
    arch::UserFrame& frame_;
};

struct SyscallResult {
    enum class Kind : uint8_t { Done, Restart, Wait, NoReturn };
    Kind kind = Kind::Done;
    bool forced = false; // a restart forced by stress (statistics)
    amber_status status = AMBER_OK;
    uint64_t value = 0;
    uint64_t continuation = 0;

    static SyscallResult done(amber_status status, uint64_t value = 0) { return {Kind::Done, false, status, value, 0}; }
    static SyscallResult restart(uint64_t call, bool forced = false) {
        return {Kind::Restart, forced, AMBER_OK, 0, call};
    }
    static SyscallResult wait(uint64_t call) { return {Kind::Wait, false, AMBER_OK, 0, call}; }
    static SyscallResult no_return() { return {Kind::NoReturn, false, AMBER_OK, 0, 0}; }
};

using SyscallHandler = SyscallResult (*)(Thread& caller, SyscallArguments& arguments);

// Looks `handle` up in the caller's space: it must exist, name a live object of type T and carry
// every right in `rights`. `held` gets all the handle's rights: a handle derived from it (to an
// object it leads to) gets no more than those.
template <typename T>
amber_status lookup(Thread& caller, amber_handle_t handle, uint32_t rights, T*& out, uint32_t& held) {
    HandleEntry* entry = caller.space->handles.find(handle);
    if (entry == nullptr) return AMBER_ERR_BAD_HANDLE;
    T* object = object_cast<T>(entry->object);
    if (object == nullptr) return AMBER_ERR_WRONG_TYPE;
    if ((entry->rights & rights) != rights) return AMBER_ERR_ACCESS_DENIED;
    if (object->destroyed()) return AMBER_ERR_DESTROYED;
    out = object;
    held = entry->rights;
    return AMBER_OK;
}

template <typename T>
amber_status lookup(Thread& caller, amber_handle_t handle, uint32_t rights, T*& out) {
    uint32_t held;
    return lookup(caller, handle, rights, out, held);
}

// Adds `object` to the caller's handle table; the value goes to rdx.
SyscallResult return_new_handle(Thread& caller, Object* object, uint32_t rights);

// ipc_wait_receive(set, received) once its arguments are looked up and loaded (ipc_calls.cpp); also
// the second stage of ipc_reply_wait_receive, which checks them before it replies.
struct Message;
class PortSet;
SyscallResult wait_receive(Thread& caller, PortSet& set, Message& received);

// thread_get_references and object_get_references after the object's lookup (reference_calls.cpp):
// arguments 1 and 2 are the reference handles and their count.
SyscallResult get_references(Thread& caller, SyscallArguments& arguments, Object& object);

// Creates a T(arguments...) and returns a handle with every right (the handle keeps it alive).
template <typename T, typename... Arguments>
SyscallResult create_with_handle(Thread& caller, Arguments... arguments) {
    T* object = create<T>(arguments...);
    if (object == nullptr) return SyscallResult::done(AMBER_ERR_NO_MEMORY);
    SyscallResult result = return_new_handle(caller, object, AMBER_RIGHTS_ALL);
    object->release();
    return result;
}

// Declarations of every handler, from the table.
#define AMBER_SYSCALL(number, name, argument_count)                                                                    \
    SyscallResult sys_##name(Thread& caller, SyscallArguments& arguments);
#include <amber/syscalls.def>
#undef AMBER_SYSCALL

} // namespace kernel
