// A space's handle table: handle values 1..capacity-1 index entries of (object, rights).
//
// Entries live in pages allocated on first use (256 entries each), so an empty table costs one
// small directory. Every entry holds one reference to its object. Handle values are stable and
// can be chosen (install), so a restored process finds its objects under the handles it used.
#pragma once

#include <amber/objects.h>
#include <amber/status.h>
#include <stdint.h>

#include "object.hpp"

namespace kernel {

struct HandleEntry {
    Object* object = nullptr;
    uint32_t rights = 0;
};

class HandleTable {
  public:
    static constexpr uint32_t entries_per_page = 256;
    static constexpr uint32_t page_count = 16;
    static constexpr uint32_t capacity = entries_per_page * page_count; // handles 1 .. capacity-1

    HandleTable() = default;
    HandleTable(const HandleTable&) = delete;
    HandleTable& operator=(const HandleTable&) = delete;
    ~HandleTable() { clear(); }

    // Adds `object` (taking a new reference) at the lowest free handle.
    amber_status insert(Object* object, uint32_t rights, amber_handle_t& handle);
    // Adds `object` at exactly `handle`; AMBER_ERR_EXISTS if that slot is in use.
    amber_status install(amber_handle_t handle, Object* object, uint32_t rights);
    // The entry for `handle`, or nullptr.
    HandleEntry* find(amber_handle_t handle) const;
    // Removes the entry and drops its reference; false if there was none.
    bool remove(amber_handle_t handle);
    // The first used handle >= `from`, or AMBER_HANDLE_NONE.
    amber_handle_t next_used(amber_handle_t from) const;
    // Drops every entry.
    void clear();
    uint32_t count() const { return count_; }

  private:
    HandleEntry* slot(amber_handle_t handle, bool allocate);

    HandleEntry* pages_[page_count] = {};
    uint32_t count_ = 0;
};

} // namespace kernel
