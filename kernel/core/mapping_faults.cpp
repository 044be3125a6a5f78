// Faults in a mapping's pages (mapping_faults.hpp).
#include "mapping_faults.hpp"

#include "address_space.hpp"
#include "frame_allocator.hpp"

namespace kernel {

// The access a mapping page gets: the mapping's protection, never more than the source page allows.
arch::Access shared_access(const Mapping& mapping, arch::Access source_access) {
    uint32_t allowed = mapping.protection;
    if (!arch::has(source_access, arch::Access::Write)) allowed &= ~AMBER_PROT_WRITE;
    if (!arch::has(source_access, arch::Access::Execute)) allowed &= ~AMBER_PROT_EXECUTE;
    return access_for(allowed);
}

Mapping* mapping_at(const Space& space, uint64_t address) {
    for (Mapping* m = space.mappings; m != nullptr; m = m->next_in_space) {
        if (!m->destroyed() && address >= m->base && address - m->base < m->size) return m;
    }
    return nullptr;
}

MappingFill fill_mapping_page(Mapping& mapping, uint64_t address, bool write, uint64_t& source) {
    if (write && (mapping.protection & AMBER_PROT_WRITE) == 0) return MappingFill::Unresolvable;
    uint64_t page = address & ~(arch::page_size - 1);
    source = mapping.region->base + mapping.offset + (page - mapping.base) + (address - page);
    uint64_t physical;
    arch::Access access;
    if (mapping.region->destroyed() || mapping.region->space->destroyed()) {
        return MappingFill::Unresolvable; // nothing a keeper does could fill it
    }
    if (!mapping.region->space->page_table.lookup(source, physical, access) ||
        (write && !arch::has(access, arch::Access::Write))) {
        return MappingFill::RegionFault;
    }
    physical &= ~(arch::page_size - 1);
    arch::PageTable& table = mapping.space->page_table;
    uint64_t current;
    arch::Access current_access;
    bool present = table.lookup(page, current, current_access);
    arch::Access wanted = shared_access(mapping, access);
    if (present && (current & ~(arch::page_size - 1)) == physical) {    // the same frame: only its access
        if (current_access == wanted) return MappingFill::Unresolvable; // as good as it gets: no loop
        return table.protect_user_page(page, wanted) ? MappingFill::Filled : MappingFill::Unresolvable;
    }
    if (!frames().share(physical)) return MappingFill::Unresolvable;
    bool mapped =
        present ? table.replace_user_page(page, physical, wanted) : table.map_user_page(page, physical, wanted);
    if (!mapped) {
        frames().free(physical);
        return MappingFill::Unresolvable;
    }
    if (!present) count_mapped_page(*mapping.space, page);
    return MappingFill::Filled;
}

} // namespace kernel
