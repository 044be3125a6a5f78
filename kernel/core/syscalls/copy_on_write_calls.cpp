// Calls for user-level pagers' copy-on-write memory (copy_on_write.hpp has the model):
//   memory_clone      shares a range's present pages read-only with another place (restartable);
//   memory_unshare    gives one page a private frame and its area's protection (idempotent);
//   memory_page_info  exports how a page is mapped now: its access and its frame's owner count.
#include <amber/abi.h>
#include <arch/paging.hpp>

#include "../address_space.hpp"
#include "../copy_on_write.hpp"
#include "../frame_allocator.hpp"
#include "../scheduler.hpp"
#include "../syscall.hpp"

namespace kernel {

// memory_clone(space, address, source space, source address, size). Validates the whole rest of
// the call, then clones page by page. Every 16 pages a preemption point may commit the progress
// (address, source address advanced, size reduced) and restart the call; an error also leaves the
// registers showing how far it got, the failing page untouched.
SyscallResult sys_memory_clone(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    Space* source;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, space);
    // The source's pages lose write access: cloning changes the source as well as reading it.
    if (status == AMBER_OK) {
        status = lookup(caller, arguments.handle(2), AMBER_RIGHT_GET_STATE | AMBER_RIGHT_SET_STATE, source);
    }
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t address = arguments[1], from = arguments[3], size = arguments[4];
    status = check_clone_source(*source, from, size);
    if (status == AMBER_OK) status = check_free_range(*space, address, size);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (space == source && address < from + size && from < address + size) {
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT); // a range cloned onto itself
    }
    for (uint64_t pages = 1; size > 0; ++pages) {
        status = clone_page(*space, address, *source, from);
        if (status != AMBER_OK) return SyscallResult::done(status);
        arguments.set(1, address += arch::page_size); // commit the page
        arguments.set(3, from += arch::page_size);
        arguments.set(4, size -= arch::page_size);
        bool forced = false;
        bool pause = size > 0 && pages % pages_between_preemption_points == 0 && preemption_point(forced);
        if (pause) return SyscallResult::restart(AMBER_SYS_memory_clone, forced);
    }
    return SyscallResult::done(AMBER_OK);
}

namespace {

// What memory_page_info reports for the page holding `address` (objects.h, AMBER_PAGE_*).
uint64_t page_info(const Space& space, uint64_t address) {
    uint64_t physical;
    arch::Access access;
    if (!space.page_table.lookup(address, physical, access)) return 0;
    uint64_t info = AMBER_PAGE_PRESENT | AMBER_PROT_READ;
    if (arch::has(access, arch::Access::Write)) info |= AMBER_PROT_WRITE;
    if (arch::has(access, arch::Access::Execute)) info |= AMBER_PROT_EXECUTE;
    return info | uint64_t{frames().owners(physical & ~(arch::page_size - 1))} << AMBER_PAGE_OWNERS_SHIFT;
}

} // namespace

// memory_unshare(space, address) -> rdx = the page's memory_page_info afterwards (a keeper sees
// at once whether the page is now writable). `address` is page aligned.
SyscallResult sys_memory_unshare(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t address = arguments[1];
    if (address % arch::page_size != 0 || address < AMBER_USER_MIN || address >= AMBER_USER_MAX) {
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    }
    status = unshare_page(*space, address);
    return SyscallResult::done(status, status == AMBER_OK ? page_info(*space, address) : 0);
}

// memory_page_info(space, address) -> rdx: the page holding `address`, 0 if absent.
SyscallResult sys_memory_page_info(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t address = arguments[1];
    if (address < AMBER_USER_MIN || address >= AMBER_USER_MAX) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    return SyscallResult::done(AMBER_OK, page_info(*space, address));
}

} // namespace kernel
