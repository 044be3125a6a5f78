// Calls for user-level loaders and checkpointers: the boot archive, a space's threads and children.
#include "../lifecycle.hpp"
#include "../program_loader.hpp"
#include "../scheduler.hpp"
#include "../syscall.hpp"
#include "../user_memory.hpp"

namespace kernel {

// At most this many handles per space_get_children.
constexpr uint64_t max_handles_listed = 64;

// Copies [offset, offset + length) of the archive, clipped at its end. Long: commits offset,
// buffer and length every 16 pages at a preemption point and restarts for the rest.
SyscallResult sys_boot_archive_read(Thread& caller, SyscallArguments& arguments) {
    lib::ByteView archive = boot_archive();
    uint64_t offset = arguments[0], buffer = arguments[1], length = arguments[2];
    if (offset > archive.size) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    if (length > archive.size - offset) length = archive.size - offset;
    if (!user_range_accessible(*caller.space, buffer, length, true)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    uint64_t pages = 0;
    while (length > 0) {
        uint64_t in_page = arch::page_size - (buffer % arch::page_size);
        uint64_t n = length < in_page ? length : in_page;
        if (!copy_argument_out(*caller.space, buffer, archive.data + offset, n))
            return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
        offset += n, buffer += n, length -= n;
        arguments.set(0, offset); // commit
        arguments.set(1, buffer);
        arguments.set(2, length);
        bool forced;
        if (length > 0 && ++pages % pages_between_preemption_points == 0 && preemption_point(forced)) {
            return SyscallResult::restart(AMBER_SYS_boot_archive_read, forced);
        }
    }
    return SyscallResult::done(AMBER_OK, archive.size);
}

namespace {

// Gives the caller a handle with `rights` to each of the first `wanted` objects of a list from
// `first` (linked by `next`) and writes them at `buffer`; rdx = `total`. All or nothing: on failure
// no handle is left behind. `wanted` is at most `Limit`.
template <unsigned Limit, typename T, typename Next>
SyscallResult give_handles(Thread& caller, T* first, Next next, uint64_t wanted, uint32_t rights, uint64_t buffer,
                           uint64_t total) {
    if (!user_range_accessible(*caller.space, buffer, wanted * sizeof(amber_handle_t), true)) {
        note_argument_fault(*caller.space, buffer, wanted * sizeof(amber_handle_t), true);
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    }
    amber_handle_t handles[Limit];
    uint64_t made = 0;
    amber_status status = AMBER_OK;
    for (T* object = first; object != nullptr && made < wanted; object = next(object)) {
        status = caller.space->handles.insert(object, rights, handles[made]);
        if (status != AMBER_OK) break;
        ++made;
    }
    if (status == AMBER_OK && !copy_to_user(*caller.space, buffer, handles, made * sizeof(amber_handle_t)))
        status = AMBER_ERR_BAD_ADDRESS;
    if (status != AMBER_OK) {
        for (uint64_t i = 0; i < made; ++i) caller.space->handles.remove(handles[i]);
        return SyscallResult::done(status);
    }
    return SyscallResult::done(AMBER_OK, total);
}

} // namespace

// Gives the caller a handle to each of the first `max` live threads of a space, newest first, with
// the space handle's rights.
SyscallResult sys_space_get_threads(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    uint32_t rights;
    amber_status status =
        lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE | AMBER_RIGHT_SET_STATE, space, rights);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t buffer = arguments[1], max = arguments[2];
    if (max > Space::max_threads) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    uint64_t wanted = space->thread_count < max ? space->thread_count : max;
    return give_handles<Space::max_threads>(
        caller, space->threads, [](Thread* t) { return t->next_in_space; }, wanted, rights, buffer,
        space->thread_count);
}

// The same for a space's live children (space_create made them in it), newest first, after the
// first `skip`: a supervisor finds a child it holds no handle to (the cost is bounded: a space has at
// most Space::max_children).
SyscallResult sys_space_get_children(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    uint32_t rights;
    amber_status status =
        lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE | AMBER_RIGHT_SET_STATE, space, rights);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t buffer = arguments[1], max = arguments[2], skip = arguments[3];
    if (max > max_handles_listed || skip > Space::max_children) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    Space* first = space->children;
    for (uint64_t i = 0; i < skip && first != nullptr; ++i) first = first->next_sibling;
    uint64_t left = skip < space->child_count ? space->child_count - skip : 0;
    return give_handles<max_handles_listed>(
        caller, first, [](Space* s) { return s->next_sibling; }, left < max ? left : max, rights, buffer,
        space->child_count);
}

} // namespace kernel
