// Copies between kernel memory and a process's user memory.
//
// Every page is looked up in the process's page tables first (present, user-accessible, and
// writable for copies to user) before anything is copied, so a bad user pointer yields false,
// copies nothing and never faults the kernel. Works on any process, not only the current one.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "thread.hpp"

namespace kernel {

[[nodiscard]] bool copy_from_user(const Space& process, void* destination, uint64_t user_source, size_t length);
[[nodiscard]] bool copy_to_user(const Space& process, uint64_t user_destination, const void* source, size_t length);
// True if every byte of [user_address, + length) could be copied to (writable) or from.
[[nodiscard]] bool user_range_accessible(const Space& process, uint64_t user_address, size_t length, bool writable);

} // namespace kernel
