// Four-level page tables. The upper half (PML4 entries 256..511) is the kernel's and is shared by
// every address space; the lower half belongs to one user process.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <arch/frame.hpp>
#include <arch/memory_access.hpp>

namespace arch {

// All of physical memory is mapped here (kernel-only, no-execute).
constexpr uint64_t physical_window_base = 0xffff800000000000ull;
constexpr uint64_t kernel_link_base = 0xffffffff80000000ull;

inline void* physical_to_virtual(uint64_t physical) { return reinterpret_cast<void*>(physical_window_base + physical); }

// A user address space's page tables. Not copyable; destroy() releases everything it owns.
class PageTable {
  public:
    // Allocates a root whose kernel half is shared with the kernel's tables.
    [[nodiscard]] bool create();
    // Maps one 4 KiB user page to the frame `physical`, which the table then owns.
    [[nodiscard]] bool map_user_page(uint64_t virtual_address, uint64_t physical, Access access);
    // Unmaps one user page and drops the table's ownership of its frame; false if not mapped.
    bool unmap_user_page(uint64_t virtual_address);
    // Gives a mapped user page new access rights (same frame); false if not mapped.
    bool protect_user_page(uint64_t virtual_address, Access access);
    // Points a mapped user page at the frame `physical` with `access`: the table owns the new frame
    // and drops its ownership of the old one. False (nothing changed) if not mapped.
    bool replace_user_page(uint64_t virtual_address, uint64_t physical, Access access);
    // Finds the frame behind a user page and its access rights; false if not mapped.
    bool lookup(uint64_t virtual_address, uint64_t& physical, Access& access) const;
    // The lowest mapped user page in [page of virtual_address, end), or `end` if none. Skips whole
    // absent tables, so its cost follows the tables present, not the length of the range.
    uint64_t next_mapped(uint64_t virtual_address, uint64_t end) const;
    // Frees every user page frame, every table and the root.
    void destroy();
    // destroy() in slices: frees frames and tables in user addresses from `cursor` on, visiting at
    // most `budget` entries, and moves `cursor` past what is gone. True when all of it, the root
    // too, is gone. The table must not be in use by any thread (it is switched away from first).
    bool release_some(uint64_t& cursor, uint64_t budget);
    void activate() const;
    uint64_t root_physical() const { return root_; }

  private:
    uint64_t root_ = 0;
};

// Builds and loads the kernel's own tables (physical window over `highest_physical` bytes,
// kernel image with per-section permissions); returns false if memory runs out.
[[nodiscard]] bool initialize_kernel_paging(uint64_t highest_physical);
// Maps device memory uncached into the kernel half; returns its virtual address or 0.
uint64_t map_device_memory(uint64_t physical, size_t size);

} // namespace arch
