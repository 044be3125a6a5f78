// Spaces: creation, their handle tables seen from outside, and space state.
#include "../address_space.hpp"
#include "../lifecycle.hpp"
#include "../state_transfer.hpp"
#include "../syscall.hpp"

namespace kernel {
namespace {

constexpr uint64_t max_handle_infos = 64; // per space_enumerate_handles call

bool rights_within(uint64_t rights, uint32_t limit) {
    return (rights & ~uint64_t{AMBER_RIGHTS_ALL}) == 0 && (rights & ~uint64_t{limit}) == 0;
}

// A NUL inside the array, only NULs after it, and no control characters before it.
bool valid_name(const char (&name)[AMBER_SPACE_NAME_MAX]) {
    unsigned length = 0;
    while (length < AMBER_SPACE_NAME_MAX && name[length] != '\0') {
        auto byte = static_cast<unsigned char>(name[length++]);
        if (byte < 0x20 || byte == 0x7f) return false;
    }
    if (length == AMBER_SPACE_NAME_MAX) return false;
    while (length < AMBER_SPACE_NAME_MAX) {
        if (name[length++] != '\0') return false;
    }
    return true;
}

} // namespace

SyscallResult sys_space_create(Thread& caller, SyscallArguments& arguments) {
    if (caller.space->child_count >= Space::max_children) return SyscallResult::done(AMBER_ERR_LIMIT);
    Space* space = create_space("space", arguments[0], caller.space);
    if (space == nullptr) return SyscallResult::done(AMBER_ERR_NO_MEMORY);
    SyscallResult result = return_new_handle(caller, space, AMBER_RIGHTS_ALL);
    if (result.status != AMBER_OK) space->destroy();
    space->release();
    return result;
}

SyscallResult sys_space_enumerate_handles(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t first = arguments[1], buffer = arguments[2], max = arguments[3];
    if (max > max_handle_infos || first >= HandleTable::capacity)
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    amber_handle_info infos[max_handle_infos];
    uint64_t count = 0;
    for (amber_handle_t h = space->handles.next_used(static_cast<amber_handle_t>(first));
         h != AMBER_HANDLE_NONE && count < max; h = space->handles.next_used(h + 1)) {
        HandleEntry* entry = space->handles.find(h);
        infos[count++] = {h, static_cast<uint32_t>(entry->object->type()), entry->rights, 0, entry->object->id()};
    }
    if (!copy_argument_out(*caller.space, buffer, infos, count * sizeof(amber_handle_info))) {
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    }
    return SyscallResult::done(AMBER_OK, count);
}

SyscallResult sys_space_handle_install(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t at = arguments[1], rights = arguments[3];
    HandleEntry* source = caller.space->handles.find(arguments.handle(2));
    if (source == nullptr) return SyscallResult::done(AMBER_ERR_BAD_HANDLE);
    if ((source->rights & AMBER_RIGHT_DUPLICATE) == 0 || !rights_within(rights, source->rights)) {
        return SyscallResult::done(AMBER_ERR_ACCESS_DENIED);
    }
    if (at >= HandleTable::capacity) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    amber_handle_t handle = static_cast<amber_handle_t>(at);
    if (at == 0)
        status = space->handles.insert(source->object, static_cast<uint32_t>(rights), handle);
    else
        status = space->handles.install(handle, source->object, static_cast<uint32_t>(rights));
    return SyscallResult::done(status, status == AMBER_OK ? handle : 0);
}

// The copy has no more rights than the handle in the space, nor than the caller's space handle.
SyscallResult sys_space_handle_export(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    uint32_t held;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, space, held);
    if (status != AMBER_OK) return SyscallResult::done(status);
    HandleEntry* entry = space->handles.find(arguments.handle(1));
    if (entry == nullptr) return SyscallResult::done(AMBER_ERR_BAD_HANDLE);
    if (!rights_within(arguments[2], entry->rights & held)) return SyscallResult::done(AMBER_ERR_ACCESS_DENIED);
    return return_new_handle(caller, entry->object, static_cast<uint32_t>(arguments[2]));
}

SyscallResult sys_space_handle_remove(Thread& caller, SyscallArguments& arguments) {
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    return SyscallResult::done(space->handles.remove(arguments.handle(1)) ? AMBER_OK : AMBER_ERR_BAD_HANDLE);
}

amber_status export_state(Thread& caller, Space& space, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_space_state>(space);
    state.handle_count = space.handles.count();
    state.thread_count = space.thread_count;
    state.clock_offset = space.clock_offset;
    static_assert(sizeof state.name == sizeof space.name);
    __builtin_memcpy(state.name, space.name, sizeof state.name);
    state.memory_pages = present_pages(space);
    return state_out(caller, buffer, size, state);
}

// Of a space's state the clock offset and the name are writable (both or, on error, neither); the
// rest are read-only counts.
amber_status import_state(Thread& caller, Space& space, uint64_t buffer, uint64_t size) {
    amber_space_state state;
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_SPACE, state);
    if (status != AMBER_OK) return status;
    if (state.reserved0 != 0 || !valid_name(state.name)) return AMBER_ERR_INVALID_ARGUMENT;
    space.clock_offset = state.clock_offset;
    __builtin_memcpy(space.name, state.name, sizeof space.name);
    return AMBER_OK;
}

} // namespace kernel
