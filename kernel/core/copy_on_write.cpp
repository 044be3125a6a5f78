#include "copy_on_write.hpp"

#include <arch/paging.hpp>

#include "address_space.hpp"
#include "frame_allocator.hpp"

namespace kernel {
namespace {

constexpr uint64_t page_mask = ~(arch::page_size - 1);

arch::Access without_write(arch::Access access) {
    return arch::has(access, arch::Access::Execute) ? arch::Access::Read | arch::Access::Execute : arch::Access::Read;
}

} // namespace

bool is_shared_read_only(const Space& space, uint64_t address) {
    uint64_t physical;
    arch::Access access;
    if (!space.page_table.lookup(address, physical, access)) return false;
    return !arch::has(access, arch::Access::Write) && frames().owners(physical & page_mask) > 1;
}

amber_status check_clone_source(const Space& source, uint64_t from, uint64_t size) {
    if (!is_user_page_range(from, size)) return AMBER_ERR_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < source.area_count; ++i) {
        const Space::MemoryArea& a = source.areas[i];
        bool overlaps = from < a.base + a.size && a.base < from + size;
        if (overlaps && a.kind != AMBER_MEMORY_ANONYMOUS) return AMBER_ERR_INVALID_ARGUMENT;
    }
    return AMBER_OK;
}

amber_status clone_page(Space& space, uint64_t address, Space& source, uint64_t from) {
    uint64_t physical;
    arch::Access access;
    if (!source.page_table.lookup(from, physical, access)) return AMBER_OK; // absent: nothing to share
    const Space::MemoryArea* area = area_at(source, from);
    if (area == nullptr || area->kind != AMBER_MEMORY_ANONYMOUS) return AMBER_ERR_INVALID_ARGUMENT;
    uint32_t protection = area->protection; // copied: add_area may move the areas of `source`
    physical &= page_mask;
    bool writable = arch::has(access, arch::Access::Write);
    if (writable && frames().owners(physical) > 1) return AMBER_ERR_BAD_STATE;
    arch::Access read_only = without_write(access);
    if (!frames().share(physical)) return AMBER_ERR_LIMIT;
    if (!space.page_table.map_user_page(address, physical, read_only)) {
        frames().free(physical); // drops the share just taken
        return AMBER_ERR_NO_MEMORY;
    }
    amber_status status = add_area(space, address, arch::page_size, protection, AMBER_MEMORY_ANONYMOUS, 1);
    if (status != AMBER_OK) {
        space.page_table.unmap_user_page(address); // drops the share again
        return status;
    }
    if (writable) source.page_table.protect_user_page(from, read_only);
    return AMBER_OK;
}

amber_status unshare_page(Space& space, uint64_t address) {
    uint64_t physical;
    arch::Access access;
    if (!space.page_table.lookup(address, physical, access)) return AMBER_ERR_BAD_ADDRESS;
    const Space::MemoryArea* area = area_at(space, address);
    if (area == nullptr || area->kind != AMBER_MEMORY_ANONYMOUS) return AMBER_ERR_INVALID_ARGUMENT;
    arch::Access full = access_for(area->protection);
    physical &= page_mask;
    if (frames().owners(physical) <= 1) { // already private: at most the access comes back
        if (access != full) space.page_table.protect_user_page(address, full);
        return AMBER_OK;
    }
    uint64_t copy;
    if (!frames().allocate(copy)) return AMBER_ERR_NO_MEMORY;
    __builtin_memcpy(arch::physical_to_virtual(copy), arch::physical_to_virtual(physical), arch::page_size);
    space.page_table.replace_user_page(address, copy, full); // the shared frame loses this owner
    return AMBER_OK;
}

} // namespace kernel
