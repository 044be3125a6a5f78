// Copies between kernel memory and a process's user memory.
//
// Every page is looked up in the process's page tables (present, user-accessible, and writable for
// copies to user), so a bad user pointer yields false and never faults the kernel; a failed copy to
// user memory has written nothing. Works on any process, not only the current one.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "thread.hpp"

namespace kernel {

[[nodiscard]] bool copy_from_user(const Space& process, void* destination, uint64_t user_source, size_t length);
[[nodiscard]] bool copy_to_user(const Space& process, uint64_t user_destination, const void* source, size_t length);
// copy_to_user into pages of any protection (a loader filling read-only text).
[[nodiscard]] bool copy_to_user_ignoring_protection(const Space& process, uint64_t user_destination, const void* source,
                                                    size_t length);
// copy_from_user that also requires the source to be writable (one walk for read-then-write-back).
[[nodiscard]] bool copy_from_writable_user(const Space& process, void* destination, uint64_t user_source,
                                           size_t length);
// True if every byte of [user_address, + length) could be copied to (writable) or from.
[[nodiscard]] bool user_range_accessible(const Space& process, uint64_t user_address, size_t length, bool writable);

} // namespace kernel
