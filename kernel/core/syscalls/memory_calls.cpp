// Memory of a space: allocate, free, read, write, enumerate.
//
// memory_allocate, memory_read and memory_write are long operations: every 16 pages they pass a
// preemption point, where a pending reschedule (or restart stress) makes them commit their
// progress in the argument registers (address and buffer advanced, size or length reduced) and
// restart; the restarted call continues with the rest.
#include <arch/platform.hpp>

#include "../address_space.hpp"
#include "../copy_on_write.hpp"
#include "../ipc.hpp"
#include "../scheduler.hpp"
#include "../syscall.hpp"
#include "../user_memory.hpp"

namespace kernel {
namespace {

constexpr uint32_t known_protection = AMBER_PROT_READ | AMBER_PROT_WRITE | AMBER_PROT_EXECUTE;

enum class Direction { FromSpace, ToSpace };

SyscallResult copy_memory(Thread& caller, SyscallArguments& arguments, Direction direction) {
    uint32_t right = direction == Direction::FromSpace ? AMBER_RIGHT_GET_STATE : AMBER_RIGHT_SET_STATE;
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), right, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t call = direction == Direction::FromSpace ? AMBER_SYS_memory_read : AMBER_SYS_memory_write;
    uint64_t pages = 0;
    while (arguments[3] > 0) {
        uint64_t address = arguments[1], buffer = arguments[2], length = arguments[3];
        uint64_t physical;
        arch::Access access;
        if (!space->page_table.lookup(address, physical, access)) {
            uint64_t error = direction == Direction::ToSpace ? AMBER_FAULT_WRITE : 0;
            if (call_keeper_for(caller, *space, address, error)) return SyscallResult::wait(call); // progress kept
            // A write nothing grants: if the page can be had for reading (a mapping's page not yet
            // filled), the retried call finds it present read-only and says ACCESS_DENIED below.
            if (error != 0 && call_keeper_for(caller, *space, address, 0)) return SyscallResult::wait(call);
            return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
        }
        if (stress_injects_copy_fault(*space, address) &&
            inject_keeper_fault(caller, *space, address, direction == Direction::ToSpace)) {
            return SyscallResult::wait(call); // as if absent: the keeper replies, the copy goes on
        }
        // The space's own pages may be written whatever their protection (a restorer fills text)
        // unless shared; a mapping's pages belong to another space and only as far as it allows.
        if (direction == Direction::ToSpace && !arch::has(access, arch::Access::Write)) {
            if (area_kind_at(*space, address) != AMBER_MEMORY_ANONYMOUS)
                return SyscallResult::done(AMBER_ERR_ACCESS_DENIED);
            // A shared read-only (copy-on-write) page: writing it in place would change what the
            // frame's other owners see. Its keeper must give the space a private copy first.
            if (is_shared_read_only(*space, address)) {
                if (call_keeper_for(caller, *space, address, AMBER_FAULT_WRITE)) return SyscallResult::wait(call);
                return SyscallResult::done(AMBER_ERR_ACCESS_DENIED);
            }
        }
        uint64_t in_page = arch::page_size - (address % arch::page_size);
        uint64_t n = length < in_page ? length : in_page;
        void* kernel_pointer = arch::physical_to_virtual(physical);
        // Into the target page only once the whole source piece is known to be readable: a failed
        // chunk leaves the target untouched beyond the committed progress.
        bool copied = direction == Direction::FromSpace ? copy_to_user(*caller.space, buffer, kernel_pointer, n)
                                                        : user_range_accessible(*caller.space, buffer, n, false) &&
                                                              copy_from_user(*caller.space, kernel_pointer, buffer, n);
        if (!copied) {
            // The caller's own buffer: a page a keeper provides goes to it like the other side's.
            uint64_t fault = first_inaccessible(*caller.space, buffer, n, direction == Direction::FromSpace);
            uint64_t error = direction == Direction::FromSpace ? AMBER_FAULT_WRITE : 0;
            if (call_keeper_for(caller, *caller.space, fault, error)) return SyscallResult::wait(call); // progress kept
            return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
        }
        arguments.set(1, address + n); // commit
        arguments.set(2, buffer + n);
        arguments.set(3, length - n);
        bool forced;
        if (arguments[3] > 0 && ++pages % pages_between_preemption_points == 0 && preemption_point(forced)) {
            return SyscallResult::restart(call, forced);
        }
    }
    return SyscallResult::done(AMBER_OK);
}

} // namespace

SyscallResult sys_memory_allocate(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t base = arguments[1], size = arguments[2], protection = arguments[3];
    if ((protection & ~uint64_t{known_protection}) != 0 || (protection & AMBER_PROT_READ) == 0) {
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    }
    status = check_free_range(*space, base, size);
    if (status != AMBER_OK) return SyscallResult::done(status);
    // Room for the area before mapping anything. Whatever part is done before a preemption point is
    // recorded (as a new area at most), and the restarted rest continues it: the check passes again
    // exactly when it passed the first time, so a restart never changes the result.
    if (space->area_count == Space::max_memory_areas &&
        !continues_area(*space, base, static_cast<uint32_t>(protection))) {
        return SyscallResult::done(AMBER_ERR_LIMIT);
    }
    uint64_t done = 0, pages = 0;
    bool forced = false, preempted = false;
    status = allocate_pages(*space, base, size, static_cast<uint32_t>(protection), done, [&] {
        if (++pages % pages_between_preemption_points != 0) return true;
        preempted = preemption_point(forced);
        return !preempted;
    });
    arguments.set(1, base + done); // commit what was done
    arguments.set(2, size - done);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (done < size) return SyscallResult::restart(AMBER_SYS_memory_allocate, forced);
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_memory_free(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t base = arguments[1], size = arguments[2];
    status = check_free_areas(*space, base, size);
    if (status != AMBER_OK) return SyscallResult::done(status);
    bool forced;
    if (!unmap_present_pages_preemptibly(*space, base, size, forced)) {
        return SyscallResult::restart(AMBER_SYS_memory_free, forced); // what is unmapped stays so
    }
    return SyscallResult::done(free_areas(*space, base, size)); // only the areas are left
}

SyscallResult sys_memory_read(Thread& caller, SyscallArguments& arguments) {
    return copy_memory(caller, arguments, Direction::FromSpace);
}

SyscallResult sys_memory_write(Thread& caller, SyscallArguments& arguments) {
    return copy_memory(caller, arguments, Direction::ToSpace);
}

SyscallResult sys_space_enumerate_memory(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t from = arguments[1], buffer = arguments[2], max = arguments[3];
    if (max > Space::max_memory_areas) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    amber_memory_range ranges[Space::max_memory_areas];
    uint64_t count = 0;
    for (uint32_t i = 0; i < space->area_count && count < max; ++i) {
        const Space::MemoryArea& a = space->areas[i];
        if (a.base + a.size <= from) continue;
        ranges[count++] = {a.base, a.size, a.protection, a.kind, a.present_pages};
    }
    if (!copy_argument_out(*caller.space, buffer, ranges, count * sizeof(amber_memory_range))) {
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    }
    return SyscallResult::done(AMBER_OK, count);
}

} // namespace kernel
