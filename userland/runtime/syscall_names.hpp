// Names of the system calls, by number, from uapi/amber/syscalls.def.
#pragma once

#include <amber/syscall_numbers.h>
#include <stdint.h>

namespace amber {

inline const char* syscall_name(uint64_t number) {
    switch (number) {
#define AMBER_SYSCALL(value, name, argument_count)                                                                     \
    case value:                                                                                                        \
        return #name;
#include <amber/syscalls.def>
#undef AMBER_SYSCALL
    default: return "unknown";
    }
}

} // namespace amber
