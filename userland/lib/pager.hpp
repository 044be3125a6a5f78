// A user-level pager: demand-zero and copy-on-write memory for any space it holds SET_STATE on,
// served by a thread of its own (docs/ipc.md "Faults to keepers").
//
// keep() makes a range of a space a region whose keeper is a port of the pager (one port per range;
// its badge names the range). The kernel turns every fault there into an idempotent call to that
// port; the pager answers it and replies, and the faulting thread retries its access:
//   - an absent page (any access) gets a zeroed page with the range's protection (demand-zero);
//   - a write to a present read-only page gets memory_unshare: a private copy if the frame is still
//     shared with a clone, or just its write access back if the other owners have gone.
// clone() shares a kept range's present pages read-only with another kept range (memory_clone):
// reads of either side keep sharing the frames, the first write to a page on either side gives that
// side a private copy, and absent pages stay demand-zero on both sides.
//
// Every answer is idempotent (a fault may be delivered more than once, and a thread stopped while
// it waits faults again when resumed): an allocation finding the page there, or an unshare of a
// private page, does nothing. A fault the pager cannot resolve (a write to memory whose area is
// read-only, an access outside what the pager manages) stops the faulting thread if it belongs to
// the kept space, so that its exported state shows it at the faulting access, waiting for its
// keeper; otherwise (a kernel copy on behalf of another space's thread) the pager replies and the
// copy faults again. `unresolved` counts both.
#pragma once

#include <amber/ipc.h>
#include <amber/objects.h>
#include <amber/status.h>
#include <stddef.h>
#include <stdint.h>

namespace amber {

class Pager {
  public:
    static constexpr unsigned max_ranges = 32;

    // Creates the port set and starts the serving thread on [stack, stack + stack_size).
    amber_status start(void* stack, size_t stack_size);
    // Keeps [base, base + size) of `space` (page aligned; the handle needs GET_STATE, SET_STATE and
    // OPERATE, and stays the pager's): faults there come to the pager; absent pages become zeroed
    // pages with `protection`. The range may already hold memory.
    amber_status keep(amber_handle_t space, uint64_t base, uint64_t size, uint32_t protection);
    // Clones [from, from + size) of `source` copy-on-write to [to, to + size) of `target`, where
    // nothing may be mapped yet. Both ranges must lie in kept ranges (INVALID_ARGUMENT otherwise).
    amber_status clone(amber_handle_t target, uint64_t to, amber_handle_t source, uint64_t from, uint64_t size);
    // Gives up a range: the region and its port are destroyed (faults there then end the process).
    amber_status forget(amber_handle_t space, uint64_t base);

    // The serving thread (a checkpointer or a test may stop and resume it like any other).
    amber_handle_t thread() const { return thread_; }

    // Statistics, updated by the serving thread.
    volatile uint64_t faults = 0;     // fault reports received
    volatile uint64_t zero_fills = 0; // pages allocated on demand
    volatile uint64_t unshares = 0;   // writes to shared read-only pages answered with memory_unshare
    volatile uint64_t unresolved = 0;
    amber_fault_message last_fault{}; // the latest report (complete once `faults` has counted it)

  private:
    struct Range {
        amber_handle_t space, region, port;
        uint64_t base, size;
        uint32_t protection;
        bool live;
    };

    [[noreturn]] static void serve(void* self);
    const Range* covering(amber_handle_t space, uint64_t base, uint64_t size) const;
    bool resolve(const Range& range, const amber_fault_message& fault);
    void stop_thread(const Range& range, uint64_t thread_id);

    amber_handle_t set_ = 0, thread_ = 0;
    Range ranges_[max_ranges] = {};
    volatile unsigned range_count_ = 0; // entries below it are complete (published after filling)
};

} // namespace amber
