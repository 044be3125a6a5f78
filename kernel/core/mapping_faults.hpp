// Faults in a mapping's pages. A mapping shares its region's frames: none is mapped when it is
// made or re-protected, and each page is filled in on the first fault that touches it (by the user)
// or the first kernel copy that needs it (user_memory.cpp), from the region's page if it is present,
// or else by the region's keeper, which is called for the region's own address (ipc.cpp,
// call_keeper_for).
#pragma once

#include <stdint.h>

#include <arch/paging.hpp>

#include "objects.hpp"

namespace kernel {

// The access a page of `mapping` gets: its protection, never more than the source page allows.
arch::Access shared_access(const Mapping& mapping, arch::Access source_access);

// The live mapping of `space` that covers `address`, or nullptr.
Mapping* mapping_at(const Space& space, uint64_t address);

enum class MappingFill {
    Filled,       // the page now shares the region's frame with an access that allows the fault's
    RegionFault,  // the region lacks the page (or holds it read-only for a write): `source` says where
    Unresolvable, // the mapping's protection forbids the access
};
MappingFill fill_mapping_page(Mapping& mapping, uint64_t address, bool write, uint64_t& source);

} // namespace kernel
