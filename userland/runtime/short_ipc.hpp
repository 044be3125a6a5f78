// The IPC fastpath calls (docs/ipc.md): idempotent call/reply with four words in registers each
// way. The generated stubs of syscalls.hpp return only rax and rdx, so these have their own.
#pragma once

#include <amber/syscall_numbers.h>
#include <stdint.h>

#include "syscalls.hpp"

namespace amber {

struct ShortMessage {
    uint64_t words[4];
    uint64_t badge; // receive: of the port the request came through
};

// rdi = port or port set; the words go in rsi, rdx, r10, r8 and come back there (r9: the badge).
// On a status other than OK the message is left as it was.
inline amber_status short_ipc(uint64_t call, uint64_t handle, ShortMessage& m) {
    register uint64_t r10 asm("r10") = m.words[2];
    register uint64_t r8 asm("r8") = m.words[3];
    register uint64_t r9 asm("r9") = 0;
    uint64_t rax = call, rdi = handle, rsi = m.words[0], rdx = m.words[1];
    asm volatile("syscall"
                 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                 :
                 : "rcx", "r11", "memory");
    if (rax == AMBER_OK) m = {{rsi, rdx, r10, r8}, r9};
    return static_cast<amber_status>(rax);
}

inline amber_status call_short(uint64_t port, ShortMessage& m) { return short_ipc(AMBER_SYS_ipc_call_short, port, m); }
inline amber_status wait_receive_short(uint64_t set, ShortMessage& m) {
    return short_ipc(AMBER_SYS_ipc_wait_receive_short, set, m);
}
inline amber_status reply_wait_receive_short(uint64_t set, ShortMessage& m) {
    return short_ipc(AMBER_SYS_ipc_reply_wait_receive_short, set, m);
}

} // namespace amber
