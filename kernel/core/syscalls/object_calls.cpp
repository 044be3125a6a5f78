// Calls common to every object: handles, identity, destruction, state export and import.
#include <amber/syscall_numbers.h>

#include "../address_space.hpp"
#include "../machine.hpp"
#include "../objects.hpp"
#include "../reclaim.hpp"
#include "../scheduler.hpp"
#include "../state_transfer.hpp"
#include "../syscall.hpp"

namespace kernel {
namespace {

// Calls `visit(typed object)` with the object's real type.
template <typename Visit>
amber_status with_type(Object& object, Visit visit) {
    switch (object.type()) {
    case ObjectType::Thread: return visit(static_cast<Thread&>(object));
    case ObjectType::Space: return visit(static_cast<Space&>(object));
    case ObjectType::Region: return visit(static_cast<Region&>(object));
    case ObjectType::Mapping: return visit(static_cast<Mapping&>(object));
    case ObjectType::Port: return visit(static_cast<Port&>(object));
    case ObjectType::PortSet: return visit(static_cast<PortSet&>(object));
    case ObjectType::Mutex: return visit(static_cast<Mutex&>(object));
    case ObjectType::Cond: return visit(static_cast<Cond&>(object));
    case ObjectType::Reference: return visit(static_cast<Reference&>(object));
    case ObjectType::Machine: return visit(static_cast<Machine&>(object));
    }
    return AMBER_ERR_WRONG_TYPE;
}

// The entry for a handle carrying `rights`, or a status.
amber_status entry_with(Thread& caller, amber_handle_t handle, uint32_t rights, HandleEntry*& entry) {
    entry = caller.space->handles.find(handle);
    if (entry == nullptr) return AMBER_ERR_BAD_HANDLE;
    if ((entry->rights & rights) != rights) return AMBER_ERR_ACCESS_DENIED;
    return AMBER_OK;
}

} // namespace

// Closing the last handle of a mapping drops its pages in slices first (reclaim.hpp): the handle
// stays until they are gone, so the restarted call finds it again.
SyscallResult sys_handle_close(Thread& caller, SyscallArguments& arguments) {
    HandleEntry* entry = caller.space->handles.find(arguments.handle(0));
    if (entry == nullptr) return SyscallResult::done(AMBER_ERR_BAD_HANDLE);
    for (;;) {
        uint64_t budget = pages_between_preemption_points;
        if (drop_mapping_pages_before_release(entry->object, budget)) break;
        bool forced;
        if (preemption_point(forced)) return SyscallResult::restart(AMBER_SYS_handle_close, forced);
    }
    caller.space->handles.remove(arguments.handle(0));
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_handle_duplicate(Thread& caller, SyscallArguments& arguments) {
    HandleEntry* entry;
    amber_status status = entry_with(caller, arguments.handle(0), AMBER_RIGHT_DUPLICATE, entry);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t rights = arguments[1];
    if ((rights & ~uint64_t{AMBER_RIGHTS_ALL}) != 0 || (rights & ~uint64_t{entry->rights}) != 0) {
        return SyscallResult::done(AMBER_ERR_ACCESS_DENIED); // rights can only shrink
    }
    return return_new_handle(caller, entry->object, static_cast<uint32_t>(rights));
}

SyscallResult sys_object_info(Thread& caller, SyscallArguments& arguments) {
    HandleEntry* entry;
    amber_status status = entry_with(caller, arguments.handle(0), 0, entry);
    if (status != AMBER_OK) return SyscallResult::done(status);
    amber_handle_info info{};
    info.handle = arguments.handle(0);
    info.type = static_cast<uint32_t>(entry->object->type());
    info.rights = entry->rights;
    info.id = entry->object->id();
    bool copied = copy_argument_out(*caller.space, arguments[1], &info, sizeof info);
    return SyscallResult::done(copied ? AMBER_OK : AMBER_ERR_BAD_ADDRESS);
}

SyscallResult sys_object_destroy(Thread& caller, SyscallArguments& arguments) {
    HandleEntry* entry;
    amber_status status = entry_with(caller, arguments.handle(0), AMBER_RIGHT_DESTROY, entry);
    if (status != AMBER_OK) return SyscallResult::done(status);
    Object* object = entry->object;
    if (object->destroyed()) return SyscallResult::done(AMBER_ERR_DESTROYED);
    if (object == &caller) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT); // use thread_exit
    if (Mapping* mapping = object_cast<Mapping>(object)) {                         // its pages go in slices first
        bool forced;
        if (!unmap_present_pages_preemptibly(*mapping->space, mapping->base, mapping->size, forced)) {
            return SyscallResult::restart(AMBER_SYS_object_destroy, forced);
        }
    }
    object->retain();
    object->destroy(); // may end the caller's own space: the dispatcher then returns no result
    object->release();
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_object_get_state(Thread& caller, SyscallArguments& arguments) {
    HandleEntry* entry;
    amber_status status = entry_with(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, entry);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (entry->object->destroyed() && entry->object->type() != ObjectType::Thread) {
        return SyscallResult::done(AMBER_ERR_DESTROYED);
    }
    return SyscallResult::done(with_type(
        *entry->object, [&](auto& object) { return export_state(caller, object, arguments[1], arguments[2]); }));
}

SyscallResult sys_object_set_state(Thread& caller, SyscallArguments& arguments) {
    HandleEntry* entry;
    amber_status status = entry_with(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, entry);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (entry->object->destroyed()) return SyscallResult::done(AMBER_ERR_DESTROYED);
    bool forced;
    if (Mapping* mapping = object_cast<Mapping>(entry->object);
        mapping != nullptr && !drop_pages_for_new_protection(caller, *mapping, arguments[1], arguments[2], forced)) {
        return SyscallResult::restart(AMBER_SYS_object_set_state, forced); // what is unmapped stays so
    }
    return SyscallResult::done(with_type(
        *entry->object, [&](auto& object) { return import_state(caller, object, arguments[1], arguments[2]); }));
}

} // namespace kernel
