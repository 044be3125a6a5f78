// References: kernel objects that point at another object (or at nothing). They carry the
// reference-valued parts of object state (a thread's space, what it waits on) and can be copied
// into handles and compared, so a checkpointer can tell which object is which.
#include <amber/ipc.h>

#include "../objects.hpp"
#include "../state_transfer.hpp"
#include "../syscall.hpp"
#include "../user_memory.hpp"

namespace kernel {
namespace {

// The objects `object` refers to, indexed as objects.h says for its type (AMBER_*_REF_*).
void referenced_objects(Object& object, Object* (&targets)[AMBER_OBJECT_REF_MAX]) {
    if (Thread* thread = object_cast<Thread>(&object)) {
        targets[AMBER_THREAD_REF_SPACE] = thread->run_state == RunState::Exited ? nullptr : thread->space;
        targets[AMBER_THREAD_REF_WAITING_FOR] =
            thread->run_state == RunState::Waiting ? thread->waiting_for : thread->stopped_waiting_for;
        targets[AMBER_THREAD_REF_SERVER] = thread->connections[AMBER_IPC_SIDE_CLIENT].peer;
        targets[AMBER_THREAD_REF_CLIENT] = thread->connections[AMBER_IPC_SIDE_SERVER].peer;
    } else if (Region* region = object_cast<Region>(&object)) {
        targets[AMBER_REGION_REF_SPACE] = region->space;
        targets[AMBER_REGION_REF_KEEPER] = region->keeper;
    } else if (Mapping* mapping = object_cast<Mapping>(&object)) {
        targets[AMBER_MAPPING_REF_SPACE] = mapping->space;
        targets[AMBER_MAPPING_REF_REGION] = mapping->region;
    } else if (Space* space = object_cast<Space>(&object)) {
        targets[AMBER_SPACE_REF_PARENT] = space->parent;
    } else if (Port* port = object_cast<Port>(&object)) {
        targets[AMBER_PORT_REF_PORT_SET] = port->port_set;
    } else if (Reference* reference = object_cast<Reference>(&object)) {
        targets[AMBER_REFERENCE_REF_TARGET] = reference->target;
    }
}

} // namespace

// (object, const handle* references, count): each given reference handle (SET_STATE; 0 skips its
// slot) is pointed at what the object refers to in that slot, or at nothing. All references are
// checked before any is set. They identify (id, type, reference_compare) and grant no rights.
SyscallResult get_references(Thread& caller, SyscallArguments& arguments, Object& object) {
    uint64_t count = arguments[2];
    if (count == 0 || count > AMBER_OBJECT_REF_MAX) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    amber_handle_t handles[AMBER_OBJECT_REF_MAX];
    if (!copy_argument_in(*caller.space, handles, arguments[1], count * sizeof(amber_handle_t))) {
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    }
    Reference* references[AMBER_OBJECT_REF_MAX] = {};
    for (uint64_t i = 0; i < count; ++i) {
        if (handles[i] == AMBER_HANDLE_NONE) continue;
        amber_status status = lookup(caller, handles[i], AMBER_RIGHT_SET_STATE, references[i]);
        if (status != AMBER_OK) return SyscallResult::done(status);
    }
    Object* targets[AMBER_OBJECT_REF_MAX] = {};
    referenced_objects(object, targets);
    for (uint64_t i = 0; i < count; ++i) {
        if (references[i] != nullptr) references[i]->set(targets[i], 0);
    }
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_object_get_references(Thread& caller, SyscallArguments& arguments) {
    HandleEntry* entry = caller.space->handles.find(arguments.handle(0));
    if (entry == nullptr) return SyscallResult::done(AMBER_ERR_BAD_HANDLE);
    if ((entry->rights & AMBER_RIGHT_GET_STATE) == 0) return SyscallResult::done(AMBER_ERR_ACCESS_DENIED);
    if (entry->object->destroyed() && entry->object->type() != ObjectType::Thread) {
        return SyscallResult::done(AMBER_ERR_DESTROYED);
    }
    return get_references(caller, arguments, *entry->object);
}

// Never to a Reference (sys_reference_set refuses; no other target is one): references form no cycle.
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
    // No reference to a reference: a chain of them pointing back would hold itself alive for good.
    if (entry->object->type() == ObjectType::Reference) return SyscallResult::done(AMBER_ERR_WRONG_TYPE);
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
        state.rights = reference.rights;
    }
    return state_out(caller, buffer, size, state);
}

// The target and its rights are reference-valued state: set with reference_set, not through
// set_state (which checks the struct and ignores both, like every read-only field).
amber_status import_state(Thread& caller, Reference&, uint64_t buffer, uint64_t size) {
    amber_reference_state state;
    return state_in(caller, buffer, size, AMBER_OBJECT_REFERENCE, state);
}

} // namespace kernel
