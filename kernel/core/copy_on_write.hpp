// Copy-on-write pages: the kernel's half of a user-level pager's copy-on-write memory.
//
// The kernel keeps no copy-on-write flag; the state is what the page tables and the frame allocator
// already say. A page is *shared read-only* when it is present, its entry lacks write access and
// its frame has other owners (frames().owners() > 1): writing it in place would change what the
// other owners see. Every write to such a page in a kept region therefore goes to the region's
// keeper: a write in user mode faults (error code present | write | user), a kernel copy into it
// (memory_write, an IPC transfer) calls the keeper for it (present | write). The keeper decides;
// typically it calls memory_unshare, which gives the page a private frame with its area's
// protection, and replies, and the access is retried.
//
// Invariants kept here: every page of an anonymous area is present (but between the slices of a
// memory_free, which unmaps the area before it forgets it); its entry grants at most its
// area's protection, and less only after memory_clone write-protected it; every page-table entry
// owns one reference to its frame (frames().share when a second entry maps it, frames().free when
// an entry lets go).
#pragma once

#include <amber/status.h>
#include <stdint.h>

#include "thread.hpp"

namespace kernel {

// True if the page holding `address` is shared read-only (see above).
bool is_shared_read_only(const Space& space, uint64_t address);

// Checks a clone source: [from, from + size) page aligned and inside user space, each of its pages
// in an anonymous area or in none (absent). Mapped and device memory cannot be cloned.
amber_status check_clone_source(const Space& source, uint64_t from, uint64_t size);

// Clones one page. If `from` is present in `source`, its frame is also mapped at `address` of
// `space` (a page in no area) without write access, recorded as anonymous memory with the source
// area's protection, and the source page loses write access too. An absent source page clones to
// nothing. All or nothing: BAD_STATE if the source page is writable and its frame already shared
// (through a mapping, whose owners could still write it), LIMIT if the frame's owners or the
// areas of `space` are at their limit, NO_MEMORY if page tables cannot grow.
amber_status clone_page(Space& space, uint64_t address, Space& source, uint64_t from);

// Makes the page at `address` private with its area's protection: a frame with other owners is
// copied into a fresh one (the old frame loses an owner), a frame with none is kept and only its
// access restored. Idempotent. BAD_ADDRESS if the page is absent, INVALID_ARGUMENT if it is not
// anonymous memory, NO_MEMORY if no frame is left (nothing changed).
amber_status unshare_page(Space& space, uint64_t address);

} // namespace kernel
