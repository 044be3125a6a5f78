#include "address_space.hpp"

#include <amber/abi.h>
#include <arch/paging.hpp>

#include "frame_allocator.hpp"
#include "scheduler.hpp"

namespace kernel {

arch::Access access_for(uint32_t protection) {
    arch::Access access = arch::Access::Read; // x86 pages are always readable
    if ((protection & AMBER_PROT_WRITE) != 0) access = access | arch::Access::Write;
    if ((protection & AMBER_PROT_EXECUTE) != 0) access = access | arch::Access::Execute;
    return access;
}

bool is_user_page_range(uint64_t base, uint64_t size) {
    return size > 0 && base % arch::page_size == 0 && size % arch::page_size == 0 && base >= AMBER_USER_MIN &&
           base < AMBER_USER_MAX && size <= AMBER_USER_MAX - base;
}

amber_status check_free_range(const Space& space, uint64_t base, uint64_t size) {
    if (!is_user_page_range(base, size)) return AMBER_ERR_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < space.area_count; ++i) {
        const Space::MemoryArea& a = space.areas[i];
        if (base < a.base + a.size && a.base < base + size) return AMBER_ERR_EXISTS;
    }
    return AMBER_OK;
}

amber_status add_area(Space& space, uint64_t base, uint64_t size, uint32_t protection, uint32_t kind,
                      uint64_t present) {
    uint32_t at = 0;
    while (at < space.area_count && space.areas[at].base < base) ++at;
    Space::MemoryArea* before = at > 0 ? &space.areas[at - 1] : nullptr;
    Space::MemoryArea* after = at < space.area_count ? &space.areas[at] : nullptr;
    bool joins_before = before != nullptr && before->base + before->size == base && before->protection == protection &&
                        before->kind == kind && kind == AMBER_MEMORY_ANONYMOUS;
    bool joins_after = after != nullptr && base + size == after->base && after->protection == protection &&
                       after->kind == kind && kind == AMBER_MEMORY_ANONYMOUS;
    if (joins_before && joins_after) {
        before->size += size + after->size;
        before->present_pages += present + after->present_pages;
        for (uint32_t i = at; i + 1 < space.area_count; ++i) space.areas[i] = space.areas[i + 1];
        --space.area_count;
    } else if (joins_before) {
        before->size += size;
        before->present_pages += present;
    } else if (joins_after) {
        after->base = base;
        after->size += size;
        after->present_pages += present;
    } else {
        if (space.area_count == Space::max_memory_areas) return AMBER_ERR_LIMIT;
        for (uint32_t i = space.area_count; i > at; --i) space.areas[i] = space.areas[i - 1];
        space.areas[at] = {base, size, protection, kind, present};
        ++space.area_count;
    }
    return AMBER_OK;
}

bool continues_area(const Space& space, uint64_t base, uint32_t protection) {
    for (uint32_t i = 0; i < space.area_count; ++i) {
        const Space::MemoryArea& a = space.areas[i];
        if (a.base + a.size == base) return a.kind == AMBER_MEMORY_ANONYMOUS && a.protection == protection;
    }
    return false;
}

amber_status allocate_page(Space& space, uint64_t address, uint32_t protection) {
    uint64_t frame;
    if (!frames().allocate(frame)) return AMBER_ERR_NO_MEMORY;
    __builtin_memset(arch::physical_to_virtual(frame), 0, arch::page_size);
    if (!space.page_table.map_user_page(address, frame, access_for(protection))) {
        frames().free(frame);
        return AMBER_ERR_NO_MEMORY; // the page tables themselves could not grow
    }
    return AMBER_OK;
}

amber_status allocate_device_memory(Space& space, uint64_t base, uint64_t size, uint64_t& physical) {
    if (space.area_count == Space::max_memory_areas) return AMBER_ERR_LIMIT;
    uint64_t pages = size / arch::page_size;
    if (!frames().allocate_contiguous(pages, physical)) return AMBER_ERR_NO_MEMORY;
    __builtin_memset(arch::physical_to_virtual(physical), 0, size);
    constexpr uint32_t protection = AMBER_PROT_READ | AMBER_PROT_WRITE;
    for (uint64_t i = 0; i < pages; ++i) {
        if (space.page_table.map_user_page(base + i * arch::page_size, physical + i * arch::page_size,
                                           access_for(protection))) {
            continue;
        }
        for (uint64_t j = 0; j < i; ++j) space.page_table.unmap_user_page(base + j * arch::page_size); // frees
        for (uint64_t j = i; j < pages; ++j) frames().free(physical + j * arch::page_size);
        return AMBER_ERR_NO_MEMORY; // the page tables themselves could not grow
    }
    return add_area(space, base, size, protection, AMBER_MEMORY_DEVICE, pages); // room checked above
}

amber_status check_free_areas(const Space& space, uint64_t base, uint64_t size) {
    if (size == 0 || base % arch::page_size != 0 || size % arch::page_size != 0) return AMBER_ERR_INVALID_ARGUMENT;
    uint32_t first = 0;
    while (first < space.area_count && space.areas[first].base != base) ++first;
    if (first == space.area_count) return AMBER_ERR_INVALID_ARGUMENT;
    uint32_t last = first;
    uint64_t end = space.areas[first].base + space.areas[first].size;
    while (end < base + size && last + 1 < space.area_count && space.areas[last + 1].base == end) {
        ++last;
        end += space.areas[last].size;
    }
    if (end != base + size) return AMBER_ERR_INVALID_ARGUMENT; // only whole areas
    for (uint32_t i = first; i <= last; ++i) {
        uint32_t kind = space.areas[i].kind;
        if (kind != AMBER_MEMORY_ANONYMOUS && kind != AMBER_MEMORY_DEVICE)
            return AMBER_ERR_INVALID_ARGUMENT; // a mapping
    }
    return AMBER_OK;
}

amber_status free_areas(Space& space, uint64_t base, uint64_t size) {
    amber_status status = check_free_areas(space, base, size);
    if (status != AMBER_OK) return status;
    uint32_t first = 0;
    while (space.areas[first].base != base) ++first;
    uint32_t last = first;
    while (space.areas[last].base + space.areas[last].size != base + size) ++last;
    unmap_present_pages(space, base, size);
    uint32_t removed = last - first + 1;
    for (uint32_t i = first; i + removed < space.area_count; ++i) space.areas[i] = space.areas[i + removed];
    space.area_count -= removed;
    return AMBER_OK;
}

const Space::MemoryArea* area_at(const Space& space, uint64_t address) {
    for (uint32_t i = 0; i < space.area_count; ++i) {
        const Space::MemoryArea& a = space.areas[i];
        if (address >= a.base && address - a.base < a.size) return &a;
    }
    return nullptr;
}

Space::MemoryArea* area_at(Space& space, uint64_t address) {
    return const_cast<Space::MemoryArea*>(area_at(static_cast<const Space&>(space), address));
}

void count_mapped_page(Space& space, uint64_t address) {
    if (Space::MemoryArea* area = area_at(space, address)) ++area->present_pages;
}

uint32_t area_kind_at(const Space& space, uint64_t address) {
    const Space::MemoryArea* area = area_at(space, address);
    return area != nullptr ? area->kind : 0;
}

void remove_area(Space& space, uint64_t base) {
    for (uint32_t i = 0; i < space.area_count; ++i) {
        if (space.areas[i].base != base) continue;
        for (uint32_t j = i; j + 1 < space.area_count; ++j) space.areas[j] = space.areas[j + 1];
        --space.area_count;
        return;
    }
}

uint64_t present_pages(const Space& space) {
    uint64_t count = 0;
    for (uint32_t i = 0; i < space.area_count; ++i) count += space.areas[i].present_pages;
    return count;
}

bool unmap_present_pages_within(Space& space, uint64_t base, uint64_t size, uint64_t& budget) {
    uint64_t end = base + size;
    Space::MemoryArea* area = nullptr; // the last page's: the pages of a range are mostly in one area
    for (uint64_t va = space.page_table.next_mapped(base, end); va < end;
         va = space.page_table.next_mapped(va + arch::page_size, end)) {
        if (budget == 0) return false;
        --budget;
        space.page_table.unmap_user_page(va);
        if (area == nullptr || va < area->base || va - area->base >= area->size) area = area_at(space, va);
        if (area != nullptr && area->present_pages > 0) --area->present_pages;
    }
    return true;
}

void unmap_present_pages(Space& space, uint64_t base, uint64_t size) {
    uint64_t unlimited = ~uint64_t{0};
    (void)unmap_present_pages_within(space, base, size, unlimited);
}

bool unmap_present_pages_preemptibly(Space& space, uint64_t base, uint64_t size, bool& forced) {
    forced = false;
    for (;;) {
        uint64_t budget = pages_between_preemption_points;
        if (unmap_present_pages_within(space, base, size, budget)) return true;
        if (preemption_point(forced)) return false;
    }
}

} // namespace kernel
