// References: kernel objects that point at another object (or at nothing). They carry the
// reference-valued parts of object state (a thread's space, what it waits on) and can be copied
// into handles and compared, so a checkpointer can tell which object is which.
#include "../objects.hpp"
#include "../state_transfer.hpp"
#include "../syscall.hpp"

namespace kernel {

void Reference::set(Object* object, uint32_t object_rights) {
    if (object != nullptr) object->retain();
    Object* old = target;
    target = object;
    rights = object != nullptr ? object_rights : 0;
    if (old != nullptr) old->release();
}

SyscallResult sys_reference_create(Thread& caller, SyscallArguments& arguments) {
    return create_with_handle<Reference>(caller, arguments[0]);
}

SyscallResult sys_reference_set(Thread& caller, SyscallArguments& arguments) {
    Reference* reference;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_SET_STATE, reference);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (arguments.handle(1) == AMBER_HANDLE_NONE) {
        reference->set(nullptr, 0);
        return SyscallResult::done(AMBER_OK);
    }
    HandleEntry* entry = caller.space->handles.find(arguments.handle(1));
    if (entry == nullptr) return SyscallResult::done(AMBER_ERR_BAD_HANDLE);
    if ((entry->rights & AMBER_RIGHT_DUPLICATE) == 0) return SyscallResult::done(AMBER_ERR_ACCESS_DENIED);
    reference->set(entry->object, entry->rights);
    return SyscallResult::done(AMBER_OK);
}

// The new handle has the rights the reference was set with, within the reference handle's rights.
SyscallResult sys_reference_get(Thread& caller, SyscallArguments& arguments) {
    Reference* reference;
    uint32_t held;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, reference, held);
    if (status != AMBER_OK) return SyscallResult::done(status);
    if (reference->target == nullptr) return SyscallResult::done(AMBER_ERR_BAD_STATE);
    if (reference->target->destroyed()) return SyscallResult::done(AMBER_ERR_DESTROYED);
    return return_new_handle(caller, reference->target, reference->rights & held);
}

SyscallResult sys_reference_compare(Thread& caller, SyscallArguments& arguments) {
    Reference* a;
    Reference* b;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_GET_STATE, a);
    if (status == AMBER_OK) status = lookup(caller, arguments.handle(1), AMBER_RIGHT_GET_STATE, b);
    if (status != AMBER_OK) return SyscallResult::done(status);
    return SyscallResult::done(AMBER_OK, a->target == b->target ? 1 : 0);
}

amber_status export_state(Thread& caller, Reference& reference, uint64_t buffer, uint64_t size) {
    auto state = state_with_header<amber_reference_state>(reference);
    if (reference.target != nullptr) {
        state.target_id = reference.target->id();
        state.target_type = static_cast<uint32_t>(reference.target->type());
    }
    return state_out(caller, buffer, size, state);
}

// The target is reference-valued state: it is set with reference_set, not through set_state.
amber_status import_state(Thread& caller, Reference&, uint64_t buffer, uint64_t size) {
    amber_reference_state state;
    amber_status status = state_in(caller, buffer, size, AMBER_OBJECT_REFERENCE, state);
    if (status != AMBER_OK) return status;
    return state.reserved0 == 0 ? AMBER_OK : AMBER_ERR_INVALID_ARGUMENT;
}

} // namespace kernel
