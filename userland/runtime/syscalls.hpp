// User-side system-call stubs, one per entry of uapi/amber/syscalls.def.
//
// amber::sys::NAME(args...) issues syscall NAME and returns its status and result value. The
// argument count is checked at compile time against the table.
#pragma once

#include <amber/status.h>
#include <amber/syscall_numbers.h>
#include <stdint.h>

#include <type_traits>

namespace amber {

struct SyscallReturn {
    amber_status status;
    uint64_t value;
    bool ok() const { return status == AMBER_OK; }
};

// Every argument register is read-write: a call that restarts (after waiting, preemption or an
// export) re-executes `syscall` with its progress committed in them.
inline SyscallReturn raw_syscall(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                                 uint64_t a4 = 0, uint64_t a5 = 0) {
    register uint64_t r10 asm("r10") = a3;
    register uint64_t r8 asm("r8") = a4;
    register uint64_t r9 asm("r9") = a5;
    uint64_t rax = number, rdx = a2;
    asm volatile("syscall"
                 : "+a"(rax), "+d"(rdx), "+D"(a0), "+S"(a1), "+r"(r10), "+r"(r8), "+r"(r9)
                 :
                 : "rcx", "r11", "memory");
    return {static_cast<amber_status>(rax), rdx};
}

namespace detail {
template <typename T>
uint64_t to_word(T value) {
    if constexpr (std::is_null_pointer_v<T>)
        return 0;
    else if constexpr (std::is_pointer_v<T>)
        return reinterpret_cast<uint64_t>(value);
    else
        return static_cast<uint64_t>(value);
}
} // namespace detail

namespace sys {
#define AMBER_SYSCALL(number, name, argument_count)                                                                    \
    template <typename... Args>                                                                                        \
    inline SyscallReturn name(Args... args) {                                                                          \
        static_assert(sizeof...(Args) == (argument_count), "wrong argument count for " #name);                         \
        return raw_syscall((number), detail::to_word(args)...);                                                        \
    }
#include <amber/syscalls.def>
#undef AMBER_SYSCALL
} // namespace sys

} // namespace amber
