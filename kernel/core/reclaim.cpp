#include "reclaim.hpp"

#include "address_space.hpp"
#include "objects.hpp"

namespace kernel {
namespace {

Space* first_pending = nullptr; // oldest first: Space::next_to_reclaim
Space* last_pending = nullptr;
uint64_t pending_count = 0;
uint64_t slices = 0;

// One step on `space`: its handles first (what they release may still touch its page tables),
// then its page tables. True when the space is wholly released.
bool reclaim_step(Space& space, uint64_t& budget) {
    while (budget > 0) {
        amber_handle_t handle = space.handles.next_used(space.reclaim_handle);
        if (handle == AMBER_HANDLE_NONE) break;
        space.reclaim_handle = handle;
        if (!drop_mapping_pages_before_release(space.handles.find(handle)->object, budget)) return false;
        if (budget == 0) return false;
        --budget;
        space.handles.remove(handle); // may end objects; a space they end is queued, not torn down here
    }
    if (budget == 0) return false;
    space.handles.clear(); // no handle is left: only the table's own pages
    return space.page_table.release_some(space.reclaim_cursor, budget);
}

} // namespace

void queue_for_reclaim(Space& space) {
    space.retain();
    space.next_to_reclaim = nullptr;
    space.reclaim_handle = 1;
    space.reclaim_cursor = 0;
    if (last_pending != nullptr)
        last_pending->next_to_reclaim = &space;
    else
        first_pending = &space;
    last_pending = &space;
    ++pending_count;
}

uint64_t reclaim_pending() { return pending_count; }

uint64_t reclaim_slices() { return slices; }

bool reclaim_some(uint64_t budget) {
    if (first_pending == nullptr) return false;
    ++slices;
    while (first_pending != nullptr && budget > 0) {
        Space* space = first_pending;
        if (!reclaim_step(*space, budget)) break;
        first_pending = space->next_to_reclaim;
        if (first_pending == nullptr) last_pending = nullptr;
        --pending_count;
        space->release(); // may queue more (a space this was the last holder of)
    }
    return true;
}

bool drop_mapping_pages_before_release(Object* object, uint64_t& budget) {
    Mapping* mapping = object_cast<Mapping>(object);
    if (mapping == nullptr || mapping->destroyed() || mapping->references() != 1) return true;
    return unmap_present_pages_within(*mapping->space, mapping->base, mapping->size, budget);
}

} // namespace kernel
