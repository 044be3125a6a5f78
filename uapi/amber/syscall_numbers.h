/* Syscall numbers as an enum, expanded from syscalls.def. C and C++. */
#ifndef AMBER_UAPI_SYSCALL_NUMBERS_H
#define AMBER_UAPI_SYSCALL_NUMBERS_H

enum amber_syscall_number {
#define AMBER_SYSCALL(number, name, argument_count) AMBER_SYS_##name = (number),
#include "amber/syscalls.def"
#undef AMBER_SYSCALL
    AMBER_SYSCALL_COUNT
};

#endif
