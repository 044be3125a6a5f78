// Host fake of <arch/paging.hpp>: "physical memory" is a host buffer whose address a test stores in
// physical_window_base (physical_to_virtual adds it, as the kernel's physical window does), and a
// PageTable is a std::map from user page to (frame, access) that owns nothing and never runs out.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <map>

#include "../../../x86_64/include/arch/memory_access.hpp"
#include <arch/frame.hpp>

namespace arch {

// Host address of physical address 0. Unlike x86_64 (a constant), tests set it to their buffer.
inline uint64_t physical_window_base = 0;
constexpr uint64_t kernel_link_base = 0xffffffff80000000ull;

inline void* physical_to_virtual(uint64_t physical) { return reinterpret_cast<void*>(physical_window_base + physical); }

class PageTable {
  public:
    [[nodiscard]] bool create() {
        pages_.clear();
        root_ = page_size; // any non-zero "physical" root
        return true;
    }
    // Same rules as x86_64: a page-aligned user address that is not mapped yet.
    [[nodiscard]] bool map_user_page(uint64_t virtual_address, uint64_t physical, Access access) {
        if (!is_user_address(virtual_address) || virtual_address % page_size != 0) return false;
        return pages_.emplace(virtual_address, Mapping{physical, access}).second;
    }
    bool unmap_user_page(uint64_t virtual_address) { return pages_.erase(virtual_address & ~(page_size - 1)) == 1; }
    bool protect_user_page(uint64_t virtual_address, Access access) {
        auto found = pages_.find(virtual_address & ~(page_size - 1));
        if (found == pages_.end()) return false;
        found->second.access = access;
        return true;
    }
    bool replace_user_page(uint64_t virtual_address, uint64_t physical, Access access) {
        auto found = pages_.find(virtual_address & ~(page_size - 1));
        if (found == pages_.end()) return false;
        found->second = Mapping{physical, access};
        return true;
    }
    bool lookup(uint64_t virtual_address, uint64_t& physical, Access& access) const {
        auto found = pages_.find(virtual_address & ~(page_size - 1));
        if (!is_user_address(virtual_address) || found == pages_.end()) return false;
        physical = found->second.physical | (virtual_address & (page_size - 1));
        access = found->second.access;
        return true;
    }
    uint64_t next_mapped(uint64_t virtual_address, uint64_t end) const {
        auto found = pages_.lower_bound(virtual_address & ~(page_size - 1));
        return found != pages_.end() && found->first < end ? found->first : end;
    }
    void destroy() {
        pages_.clear();
        root_ = 0;
    }
    // As on x86_64, counting one entry per page (the fake has no tables).
    bool release_some(uint64_t& cursor, uint64_t budget) {
        while (!pages_.empty()) {
            if (budget-- == 0) return false;
            cursor = pages_.begin()->first + page_size;
            pages_.erase(pages_.begin());
        }
        root_ = 0;
        return true;
    }
    void activate() const {}
    uint64_t root_physical() const { return root_; }
    size_t mapped_pages() const { return pages_.size(); } // host only, for tests

  private:
    struct Mapping {
        uint64_t physical;
        Access access;
    };
    std::map<uint64_t, Mapping> pages_;
    uint64_t root_ = 0;
};

[[nodiscard]] inline bool initialize_kernel_paging(uint64_t) { return true; }
inline uint64_t map_device_memory(uint64_t, size_t) { return 0; }

} // namespace arch
