// A space's memory: areas of anonymous or mapped pages, kept sorted and disjoint.
//
// Every operation checks first and changes afterwards. Long ones work a page at a time and stop
// at a preemption point with their progress committed (the pages done are recorded as an area), so
// the caller can restart them for the rest.
#pragma once

#include <amber/objects.h>
#include <amber/status.h>
#include <stdint.h>

#include "thread.hpp"

namespace kernel {

// True if [base, base + size) is page aligned, non-empty and inside user space.
bool is_user_page_range(uint64_t base, uint64_t size);
// OK if [base, base + size) is a user page range (else INVALID_ARGUMENT) free in `space` (else EXISTS).
amber_status check_free_range(const Space& space, uint64_t base, uint64_t size);
// Records pages [base, base + size), `present` of them mapped, as an area (merging with equal
// neighbours).
amber_status add_area(Space& space, uint64_t base, uint64_t size, uint32_t protection, uint32_t kind, uint64_t present);
// True if an anonymous area with `protection` ends at `base`: anonymous pages from `base` on
// join it and need no new area.
bool continues_area(const Space& space, uint64_t base, uint32_t protection);

// Maps fresh zeroed pages at [base, base + size). Stops early when `keep_going()` returns false,
// with `done` bytes mapped and recorded; AMBER_OK means all of it was done.
template <typename KeepGoing>
amber_status allocate_pages(Space& space, uint64_t base, uint64_t size, uint32_t protection, uint64_t& done,
                            KeepGoing keep_going);
amber_status allocate_page(Space& space, uint64_t address, uint32_t protection);

// Maps `size` bytes of zeroed, physically contiguous memory read-write at [base, base + size) (a
// free range) and records it as an AMBER_MEMORY_DEVICE area; `physical` is its first byte. All or
// nothing.
amber_status allocate_device_memory(Space& space, uint64_t base, uint64_t size, uint64_t& physical);

// Checks that [base, base + size) is exactly whole anonymous or device areas (what free_areas frees).
amber_status check_free_areas(const Space& space, uint64_t base, uint64_t size);
// Unmaps whole anonymous or device areas covering exactly [base, base + size); their frames go back
// to the allocator (a frame a mapping still shares when its last owner lets go).
amber_status free_areas(Space& space, uint64_t base, uint64_t size);
// The area holding `address`, or nullptr if none.
const Space::MemoryArea* area_at(const Space& space, uint64_t address);
Space::MemoryArea* area_at(Space& space, uint64_t address);
// Every page mapped into an existing area's range goes through this (the area's present count);
// unmapping through the functions below keeps the count too.
void count_mapped_page(Space& space, uint64_t address);
// The kind (AMBER_MEMORY_*) of the area holding `address`, or 0 if none.
uint32_t area_kind_at(const Space& space, uint64_t address);
// Forgets the area starting at `base` (its pages must have been unmapped).
void remove_area(Space& space, uint64_t base);
// Pages present in all of the space's areas (their counts: no walk).
uint64_t present_pages(const Space& space);
// Unmaps the present pages of [base, + size), one from `budget` each; false (budget used up) while
// some are left. Absent page tables are skipped whole and a leaf table's empty entries in one scan,
// so the cost follows the pages present, not the length of the range. Unmapping commits itself: a
// caller that goes on later walks again from `base`.
bool unmap_present_pages_within(Space& space, uint64_t base, uint64_t size, uint64_t& budget);
// Without a budget: for what has been dropped in slices before (little or nothing is left).
void unmap_present_pages(Space& space, uint64_t base, uint64_t size);
// For a call: unmaps pages in slices until none is left (true) or a preemption point between slices
// says to restart (false, `forced` as preemption_point sets it).
bool unmap_present_pages_preemptibly(Space& space, uint64_t base, uint64_t size, bool& forced);
arch::Access access_for(uint32_t protection);

template <typename KeepGoing>
amber_status allocate_pages(Space& space, uint64_t base, uint64_t size, uint32_t protection, uint64_t& done,
                            KeepGoing keep_going) {
    done = 0;
    amber_status status = AMBER_OK;
    while (done < size) {
        status = allocate_page(space, base + done, protection);
        if (status != AMBER_OK) break;
        done += arch::page_size;
        if (done < size && !keep_going()) break;
    }
    if (done > 0) {
        amber_status recorded = add_area(space, base, done, protection, AMBER_MEMORY_ANONYMOUS, done / arch::page_size);
        if (recorded != AMBER_OK) return recorded;
    }
    return status;
}

} // namespace kernel
