// IPC machinery shared by the ipc_* calls: message descriptors, the copy engine, links between
// threads, and completing a waiting thread's call on its behalf.
#pragma once

#include <amber/ipc.h>
#include <amber/status.h>

#include "objects.hpp"
#include "stress.hpp"
#include "user_memory.hpp"

namespace kernel {

// A descriptor read from a thread's memory, and where it lives there.
struct Message {
    Space* space = nullptr;
    uint64_t address = 0;
    amber_ipc_message descriptor{};
};

// Reads and checks a descriptor (counts, reserved fields, buffers inside user space).
amber_status load_message(Space& space, uint64_t address, Message& message);
// load_message of the calling thread's own descriptor (a call argument): a page fault in it goes to a
// keeper and the call is re-made (note_argument_fault, user_memory.hpp).
inline amber_status load_own_message(Thread& caller, uint64_t address, Message& message) {
    amber_status status = load_message(*caller.space, address, message);
    if (status == AMBER_ERR_BAD_ADDRESS) note_argument_fault(*caller.space, address, sizeof message.descriptor, true);
    return status;
}
// Writes the kernel-maintained fields back; false if the page went away.
bool store_message(const Message& message);

enum class CopyEnd { Done, DestinationFull, SourceFault, DestinationFault, Preempted };

// Moves bytes from `from` (at its `transferred` offset) to `to` (at its), advancing both
// `transferred` counters; passes a preemption point every 16 pages (`forced`: by stress).
// On a fault, `fault_space` and `fault_address` say where.
CopyEnd copy_message(Message& from, Message& to, bool& forced);
struct CopyFault {
    Space* space = nullptr;
    uint64_t address = 0;
    bool write = false;
    bool injected = false; // by restart stress, on a present page (stress.hpp, CopyFault)
};
CopyFault last_copy_fault();
// Every handle a message would carry must exist in the sender's space and be duplicable.
inline amber_status check_handles(Thread& sender, const Message& message) {
    for (uint32_t i = 0; i < message.descriptor.handle_count; ++i) {
        HandleEntry* entry = sender.space->handles.find(message.descriptor.handles[i]);
        if (entry == nullptr) return AMBER_ERR_BAD_HANDLE;
        if ((entry->rights & AMBER_RIGHT_DUPLICATE) == 0) return AMBER_ERR_ACCESS_DENIED;
    }
    return AMBER_OK;
}
// A copy that faulted in a kept region: commits both descriptors and makes `caller` wait for the
// keeper (true); once replied, its restarted call continues the transfer. False for other ends.
bool keeper_takes_fault(Thread& caller, Message& from, Message& to);
inline bool fault_went_to_keeper(Thread& caller, CopyEnd end, Message& from, Message& to) {
    return (end == CopyEnd::SourceFault || end == CopyEnd::DestinationFault) && keeper_takes_fault(caller, from, to);
}
// Duplicates the sender's handles into the receiver's space and records them in its descriptor.
void transfer_handles(Thread& sender, const Message& from, Message& to);

// Ends a waiting thread's call as if it had returned `status`/`value` (undoes the rewind to the
// `syscall` instruction) and makes it runnable.
void complete_waiting_call(Thread& thread, amber_status status, uint64_t value);
// Ends the transfer binding (ipc_partner) between `a` and `b`, without waking either.
inline void unbind(Thread& a, Thread& b) {
    a.ipc_partner = nullptr;
    b.ipc_partner = nullptr;
}
// Clears every IPC link of `thread` and lets the other side re-make its call.
void ipc_break(Thread& thread);

// A page fault of the current thread at `address` in a region with a keeper becomes an idempotent
// call to the keeper port; false (nothing done) if no live keeper covers the address.
bool call_keeper(Thread& thread, uint64_t address, uint64_t error_code);
// The same for a fault the kernel met while copying on `thread`'s behalf at `address` of `space`
// (a memory or IPC call): the thread waits for the keeper and, once replied, re-makes its call,
// which continues from its committed progress. The report's error code gains AMBER_FAULT_PRESENT
// when the page is present (a write to a shared read-only page).
bool call_keeper_for(Thread& thread, Space& space, uint64_t address, uint64_t error_code);
// Restart stress (StressPoint::CopyFault): true if a kernel copy should treat the present page at
// `address` of `space` as absent; only pages of kept regions, whose keeper then resolves it.
bool stress_injects_copy_fault_now(Space& space, uint64_t address);
inline bool stress_injects_copy_fault(Space& space, uint64_t address) {
    return stress_may_fire(StressPoint::CopyFault) && stress_injects_copy_fault_now(space, address);
}
// The keeper of `address` gets a fault report saying the page is absent (written to, if `write`),
// as when another fault brought it meanwhile; false (nothing done) if no keeper covers it.
bool inject_keeper_fault(Thread& thread, Space& space, uint64_t address, bool write);
// Writes the fault report of `faulting` into a receive descriptor (badge, transferred, flags).
void deliver_fault(const Thread& faulting, const Port& port, Message& to);

} // namespace kernel
