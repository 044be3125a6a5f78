// Regions (a range of a space offered for mapping) and mappings (a region mapped into a space).
//
// A mapping shares its region's frames: each page is filled in on its first fault (mapping_faults.hpp),
// from the region or through the region's keeper, so making or re-protecting a mapping costs nothing
// per page, and dropping its pages is done in bounded slices (unmap_present_pages_preemptibly).
#include "../address_space.hpp"
#include "../frame_allocator.hpp"
#include "../mapping_faults.hpp"
#include "../objects.hpp"
#include "../state_transfer.hpp"
#include "../syscall.hpp"

namespace kernel {
namespace {

constexpr uint32_t known_protection = AMBER_PROT_READ | AMBER_PROT_WRITE | AMBER_PROT_EXECUTE;

void unmap_pages(Mapping& mapping) { unmap_present_pages(*mapping.space, mapping.base, mapping.size); }

} // namespace

Region::Region(Space& owner, uint64_t id) : Object(object_type, id), space(&owner) {
    owner.retain();
    next_in_space = owner.regions;
    owner.regions = this;
}

void Region::on_destroy() {
    for (Region** r = &space->regions; *r != nullptr; r = &(*r)->next_in_space) {
        if (*r == this) {
            *r = next_in_space;
            break;
        }
    }
    if (Port* port = keeper) {
        keeper = nullptr;
        port->release();
    }
}

SyscallResult sys_region_set_keeper(Thread& caller, SyscallArguments& arguments) {
    Region* region;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, region);
    if (status != AMBER_OK) return SyscallResult::done(status);
    Port* port = nullptr;
    if (arguments.handle(1) != AMBER_HANDLE_NONE) {
        status = lookup(caller, arguments.handle(1), AMBER_RIGHT_OPERATE, port);
        if (status != AMBER_OK) return SyscallResult::done(status);
        port->retain();
    }
    Port* old = region->keeper;
    region->keeper = port;
    if (old != nullptr) old->release();
    return SyscallResult::done(AMBER_OK);
}

void Mapping::on_destroy() {
    unmap_pages(*this);
    remove_area(*space, base);
    for (Mapping** m = &space->mappings; *m != nullptr; m = &(*m)->next_in_space) {
        if (*m == this) {
            *m = next_in_space;
            break;
        }
    }
}

Region::~Region() { space->release(); }
Mapping::~Mapping() {
    space->release();
    region->release();
}

SyscallResult sys_region_create(Thread& caller, SyscallArguments& arguments) {
    amber_region_state state;
    amber_status status = state_in(caller, arguments[1], sizeof state, AMBER_OBJECT_REGION, state);
    if (status != AMBER_OK) return SyscallResult::done(status);
    // Offering memory for mapping is reading it, and writing it if the region allows writes. The
    // region's handle gets the space handle's rights: without SET_STATE its max protection stays.
    uint32_t rights = AMBER_RIGHT_OPERATE | AMBER_RIGHT_GET_STATE |
                      ((state.max_protection & AMBER_PROT_WRITE) != 0 ? AMBER_RIGHT_SET_STATE : 0);
    Space* space;
    uint32_t held;
    status = lookup(caller, arguments.handle(0), rights, space, held);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (!is_user_page_range(state.base, state.size) || (state.max_protection & ~known_protection) != 0 ||
        state.reserved0 != 0) {
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    }
    // One region per range: of overlapping regions the smallest takes a fault (ipc.cpp, keeper_of),
    // and two with the same range could be told apart by nothing but their order.
    for (Region* r = space->regions; r != nullptr; r = r->next_in_space) {
        if (r->base == state.base && r->size == state.size) return SyscallResult::done(AMBER_ERR_EXISTS);
    }
    Region* region = create<Region>(*space, state.header.id);
    if (region == nullptr) return SyscallResult::done(AMBER_ERR_NO_MEMORY);
    region->base = state.base;
    region->size = state.size;
    region->max_protection = state.max_protection;
    SyscallResult result = return_new_handle(caller, region, held);
    region->release();
    return result;
}

SyscallResult sys_mapping_create(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    Region* region;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, space);
    if (status == AMBER_OK) status = lookup(caller, arguments.handle(1), AMBER_RIGHT_OPERATE, region);
    if (status != AMBER_OK) return SyscallResult::done(status);
    amber_mapping_state state;
    status = state_in(caller, arguments[2], sizeof state, AMBER_OBJECT_MAPPING, state);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (!is_user_page_range(state.base, state.size) || state.offset % arch::page_size != 0 ||
        state.offset > region->size || state.size > region->size - state.offset || state.reserved0 != 0 ||
        (state.protection & AMBER_PROT_READ) == 0 || (state.protection & ~known_protection) != 0) {
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    }
    if ((state.protection & ~region->max_protection) != 0) return SyscallResult::done(AMBER_ERR_ACCESS_DENIED);
    status = check_free_range(*space, state.base, state.size);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (space->area_count == Space::max_memory_areas) return SyscallResult::done(AMBER_ERR_LIMIT);
    Mapping* mapping = create<Mapping>(*space, *region, state.header.id);
    if (mapping == nullptr) return SyscallResult::done(AMBER_ERR_NO_MEMORY);
    mapping->base = state.base;
    mapping->size = state.size;
    mapping->offset = state.offset;
    mapping->protection = state.protection;
    SyscallResult result = return_new_handle(caller, mapping, AMBER_RIGHTS_ALL);
    if (result.status == AMBER_OK) {
        (void)add_area(*space, state.base, state.size, state.protection, AMBER_MEMORY_MAPPING, 0); // room checked
    }
    mapping->release();
    return result;
}

amber_status export_state(Thread& caller, Region& region, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_region_state>(region);
    state.base = region.base;
    state.size = region.size;
    state.max_protection = region.max_protection;
    return state_out(caller, buffer, size, state);
}

// Only max_protection can change (base and size are fixed at creation).
amber_status import_state(Thread& caller, Region& region, uint64_t buffer, uint64_t size) {
    amber_region_state state;
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_REGION, state);
    if (status != AMBER_OK) return status;
    if (state.base != region.base || state.size != region.size || (state.max_protection & ~known_protection) != 0 ||
        state.reserved0 != 0) {
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    region.max_protection = state.max_protection;
    return AMBER_OK;
}

amber_status export_state(Thread& caller, Mapping& mapping, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_mapping_state>(mapping);
    state.base = mapping.base;
    state.size = mapping.size;
    state.offset = mapping.offset;
    state.protection = mapping.protection;
    return state_out(caller, buffer, size, state);
}

namespace {

amber_status check_mapping_state(Thread& caller, const Mapping& mapping, uint64_t buffer, uint64_t size,
                                 amber_mapping_state& state) {
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_MAPPING, state);
    if (status != AMBER_OK) return status;
    if (state.base != mapping.base || state.size != mapping.size || state.offset != mapping.offset ||
        state.reserved0 != 0 || (state.protection & AMBER_PROT_READ) == 0 ||
        (state.protection & ~known_protection) != 0) {
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    return (state.protection & ~mapping.region->max_protection) != 0 ? AMBER_ERR_ACCESS_DENIED : AMBER_OK;
}

} // namespace

bool drop_pages_for_new_protection(Thread& caller, Mapping& mapping, uint64_t buffer, uint64_t size, bool& forced) {
    forced = false;
    amber_mapping_state state;
    if (check_mapping_state(caller, mapping, buffer, size, state) != AMBER_OK) return true; // import says why
    if (state.protection == mapping.protection) return true;
    return unmap_present_pages_preemptibly(*mapping.space, mapping.base, mapping.size, forced);
}

// Only the protection can change, within the region's max_protection. The pages were dropped first
// (drop_pages_for_new_protection); they are filled again, with the new protection, on first touch.
amber_status import_state(Thread& caller, Mapping& mapping, uint64_t buffer, uint64_t size) {
    amber_mapping_state state;
    amber_status status = check_mapping_state(caller, mapping, buffer, size, state);
    if (status != AMBER_OK) return status;
    if (state.protection != mapping.protection) {
        unmap_pages(mapping); // nothing is left after drop_pages_for_new_protection
        mapping.protection = state.protection;
        for (uint32_t i = 0; i < mapping.space->area_count; ++i) {
            if (mapping.space->areas[i].base == mapping.base) mapping.space->areas[i].protection = state.protection;
        }
    }
    return AMBER_OK;
}

} // namespace kernel
