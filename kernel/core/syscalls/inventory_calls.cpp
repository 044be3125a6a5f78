// Calls for user-level loaders and checkpointers: the boot archive and a space's threads.
#include "../lifecycle.hpp"
#include "../program_loader.hpp"
#include "../scheduler.hpp"
#include "../syscall.hpp"
#include "../user_memory.hpp"

namespace kernel {

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

// Gives the caller a handle to each of the first `max` live threads of a space, newest first, with
// the space handle's rights. All or nothing: on failure no handle is left behind.
SyscallResult sys_space_get_threads(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    uint32_t rights;
    amber_status status =
        lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE | AMBER_RIGHT_SET_STATE, space, rights);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t buffer = arguments[1], max = arguments[2];
    if (max > Space::max_threads) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    uint64_t count = 0;
    for (Thread* t = space->threads; t != nullptr; t = t->next_in_space) ++count;
    uint64_t wanted = count < max ? count : max;
    if (!user_range_accessible(*caller.space, buffer, wanted * sizeof(amber_handle_t), true)) {
        note_argument_fault(*caller.space, buffer, wanted * sizeof(amber_handle_t), true);
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    }
    amber_handle_t handles[Space::max_threads];
    uint64_t made = 0;
    for (Thread* t = space->threads; t != nullptr && made < wanted; t = t->next_in_space) {
        status = caller.space->handles.insert(t, rights, handles[made]);
        if (status != AMBER_OK) break;
        ++made;
    }
    if (status == AMBER_OK && !copy_to_user(*caller.space, buffer, handles, made * sizeof(amber_handle_t)))
        status = AMBER_ERR_BAD_ADDRESS;
    if (status != AMBER_OK) {
        for (uint64_t i = 0; i < made; ++i) caller.space->handles.remove(handles[i]);
        return SyscallResult::done(status);
    }
    return SyscallResult::done(AMBER_OK, count);
}

} // namespace kernel
