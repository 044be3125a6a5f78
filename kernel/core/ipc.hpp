// IPC machinery shared by the ipc_* calls: message descriptors, the copy engine, links between
// threads, and completing a waiting thread's call on its behalf.
#pragma once

#include <amber/ipc.h>
#include <amber/status.h>

#include "objects.hpp"

namespace kernel {

// A descriptor read from a thread's memory, and where it lives there.
struct Message {
    Space* space = nullptr;
    uint64_t address = 0;
    amber_ipc_message descriptor{};
};

// Reads and checks a descriptor (counts, reserved fields, buffers inside user space).
amber_status load_message(Space& space, uint64_t address, Message& message);
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
};
CopyFault last_copy_fault();
// Duplicates the sender's handles into the receiver's space and records them in its descriptor.
void transfer_handles(Thread& sender, const Message& from, Message& to);

// Ends a waiting thread's call as if it had returned `status`/`value` (undoes the rewind to the
// `syscall` instruction) and makes it runnable.
void complete_waiting_call(Thread& thread, amber_status status, uint64_t value);
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
// Writes the fault report of `faulting` into a receive descriptor (badge, transferred, flags).
void deliver_fault(const Thread& faulting, const Port& port, Message& to);

} // namespace kernel
