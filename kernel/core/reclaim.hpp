// What a destroyed space leaves behind, released in bounded slices outside any call.
//
// A space's teardown (Space::on_destroy) ends its threads and unlinks it at once; its handles (which
// may hold the last references of other objects) and its page tables and frames go here instead, so
// no kernel entry does work that grows with the memory or handles the space had. Slices run on
// every return to user mode (a small budget) and, while any is pending, in place of idling. The
// space holds a reference until it is all gone.
#pragma once

#include <stdint.h>

#include "thread.hpp"

namespace kernel {

// Queues a space whose on_destroy has run (takes a reference).
void queue_for_reclaim(Space& space);
// Spaces queued and not yet wholly released.
uint64_t reclaim_pending();
// Slices of reclaiming done since boot (amber_stats.reclaim_slices).
uint64_t reclaim_slices();
// Releases at most about `budget` entries (handles, page-table entries, pages of a mapping whose
// last handle is being dropped). Returns false when nothing is pending.
bool reclaim_some(uint64_t budget);
// Budgets: per return to user mode, and per slice while the CPU would otherwise idle.
constexpr uint64_t reclaim_budget_per_entry = 64;
constexpr uint64_t reclaim_budget_when_idle = 1024;

// If `object` is a mapping whose last reference is about to be released, unmaps its present pages,
// taking one from `budget` for each (a mapping fills them again on touch, so this changes nothing a
// program sees). False while some are left (`budget` is used up); true when releasing it now costs
// a bounded amount.
bool drop_mapping_pages_before_release(Object* object, uint64_t& budget);

} // namespace kernel
