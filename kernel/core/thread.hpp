// Threads and spaces (address space + handle table) as kernel objects.
//
// A thread's whole user-visible state is its arch::ThreadContext plus its stop flag and the ends of
// its reliable connections (exported as ipc_flags); nothing about it lives on a kernel stack. A
// thread waiting in a call sits in one WaitQueue (or, waiting for a reliable-IPC peer, in none)
// with its registers already describing the call to re-execute (rip at the `syscall` instruction,
// rax = the call or its continuation, arguments advanced), so stopping, cancelling or waking it
// never loses work.
#pragma once

#include <stdint.h>

#include <amber/objects.h>
#include <arch/context.hpp>
#include <arch/paging.hpp>

#include "handle_table.hpp"
#include "object.hpp"

namespace kernel {

class Space;
class WaitQueue;
class Region;
class Mapping;
class Thread;
class Mutex;

// One end of a reliable IPC connection (kernel/core/connection.hpp). Both ends always name each
// other; exactly one of them holds the turn to send. Exported in amber_thread_state.ipc_flags.
struct Connection {
    Thread* peer = nullptr; // no reference: a thread's exit breaks both ends first
    bool sender = false;    // this end holds the turn to send
    bool alerted = false;   // an alert from the peer is pending for this end
};

enum class RunState : uint8_t {
    Runnable, // in the run queue, or current
    Waiting,  // in a WaitQueue
    Stopped,  // neither: stopped by get_state, or created stopped
    Exited,
};

class Thread final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Thread;

    Thread(Space& space, uint64_t id);
    ~Thread() override;

    arch::ThreadContext context; // 16-byte aligned
    Space* space;                // holds a reference for the thread object's whole life
    RunState run_state = RunState::Stopped;

    WaitQueue* wait_queue = nullptr;       // while Waiting
    Object* waiting_for = nullptr;         // while Waiting (no reference held: the queue's owner outlives it)
    Object* stopped_waiting_for = nullptr; // what it waited on when stopped (if it was); holds a reference
    Thread* next_waiter = nullptr;         // WaitQueue link
    Thread* next_in_run_queue = nullptr;
    Thread* next_in_space = nullptr;
    uint32_t ticks_left = 0;

    // IPC links (kernel/core/ipc.cpp). They hold no references: ipc_break() clears both ends
    // whenever either thread stops, is cancelled or exits. A link is never exported: breaking it
    // makes the waiting side re-make its call (idempotent and one-way IPC may be re-delivered or
    // dropped, never half-delivered).
    Thread* ipc_partner = nullptr; // the other side of a transfer in progress
    Thread* ipc_client = nullptr;  // server: the caller it owes a reply
    Thread* ipc_server = nullptr;  // client: the server that owes it a reply
    // While it waits for a region's keeper: the fault it reports. Not exported: a stopped thread
    // retries its faulting instruction and reports the fault again.
    bool fault_pending = false;
    uint64_t fault_address = 0, fault_error = 0;
    // Reliable connections, indexed by AMBER_IPC_SIDE_*: [CLIENT] the one it opened (peer: its
    // server), [SERVER] the one it accepted (peer: its client). Unlike the links above they are
    // exported state: stopping or cancelling the thread keeps them; its exit breaks them.
    Connection connections[2];
    Mutex* held_mutexes = nullptr; // the mutexes it owns (Mutex::next_held); its exit releases them

    uint64_t restarts = 0; // statistics exported in amber_thread_state
    uint64_t cancels = 0;

  private:
    void on_destroy() override;
};

class Space final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Space;
    static constexpr unsigned max_name = AMBER_SPACE_NAME_MAX;
    static constexpr unsigned max_threads = 64;
    static constexpr unsigned max_memory_areas = 64;
    static constexpr unsigned max_children = 256; // space_create refuses more (LIMIT): listing them is bounded

    struct MemoryArea {
        uint64_t base;
        uint64_t size;
        uint32_t protection;    // AMBER_PROT_*
        uint32_t kind;          // AMBER_MEMORY_*
        uint64_t present_pages; // pages mapped in the page table now (amber_memory_range.present_pages)
    };

    explicit Space(uint64_t id);
    [[nodiscard]] bool initialize(); // page tables; false when out of memory

    char name[max_name] = {}; // NUL-terminated, NUL-padded (amber_space_state.name)
    arch::PageTable page_table;
    HandleTable handles;
    Thread* threads = nullptr; // live (not exited) threads, each holding a reference to us
    uint32_t thread_count = 0;
    MemoryArea areas[max_memory_areas] = {};
    uint32_t area_count = 0;
    Region* regions = nullptr;   // regions offered from this space (faults look here for keepers)
    Mapping* mappings = nullptr; // mappings into this space (faults in them are filled from their regions)
    int64_t clock_offset = 0;    // added to clock_ticks for its threads (amber_space_state)
    // Nesting (Fluke): a space made by space_create belongs to the creating space and is
    // destroyed with it. No references: a child unlinks itself when it ends.
    Space* parent = nullptr;
    Space* children = nullptr; // newest first (space_get_children)
    uint32_t child_count = 0;
    Space* next_sibling = nullptr;
    Space* next_in_machine = nullptr; // link of every space not yet destroyed (lifecycle.hpp, all_spaces)
    // Once destroyed, until reclaim.hpp has released its handles and memory: the queue's link and
    // how far it got (the next handle to drop, the first address whose tables may be left).
    Space* next_to_reclaim = nullptr;
    amber_handle_t reclaim_handle = 1;
    uint64_t reclaim_cursor = 0;

  private:
    void on_destroy() override;
};

} // namespace kernel
