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
// The first page of [user_address, + length) that cannot be copied to (writable) or from, or
// user_address itself if that page is not the problem; for finding where a copy failed.
uint64_t first_inaccessible(const Space& process, uint64_t user_address, uint64_t length, bool writable);

// Fixed-size copies of a call's own arguments (a state struct, an IPC descriptor) fault to keepers
// like every other copy: a failed copy notes its first inaccessible page, and when the call then
// returns BAD_ADDRESS the dispatcher hands that page to the keeper (or fills it from its mapping's
// region) and the call is re-made from its registers. Only copies made while decoding, before the
// call commits anything, note a fault. One call runs at a time (one CPU): the note is per CPU.
struct ArgumentFault {
    Space* space = nullptr;
    uint64_t address = 0;
    bool write = false;
};
void note_argument_fault(Space& process, uint64_t user_address, size_t length, bool write);
namespace detail {
extern ArgumentFault argument_fault;
} // namespace detail
// The fault noted during the current call, cleared on reading; space is nullptr if none. Every note
// is taken right after the call that made it, so none outlives its call.
inline ArgumentFault take_argument_fault() {
    ArgumentFault fault = detail::argument_fault;
    if (fault.space != nullptr) detail::argument_fault = {};
    return fault;
}
// copy_from_user / copy_to_user of a call argument in the caller's space, noting a fault.
[[nodiscard]] bool copy_argument_in(Space& process, void* destination, uint64_t user_source, size_t length);
[[nodiscard]] bool copy_argument_out(Space& process, uint64_t user_destination, const void* source, size_t length);

} // namespace kernel
