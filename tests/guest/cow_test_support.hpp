// Helpers shared by the copy-on-write test files: one pager for the whole program (started by the
// first keep()), page-info accessors and page patterns. Each test uses ranges of its own.
#pragma once

#include "../../userland/lib/pager.hpp"
#include "ipc_test_support.hpp"

namespace cow_tests {

constexpr uint64_t page = 4096;
constexpr uint32_t read_write = AMBER_PROT_READ | AMBER_PROT_WRITE;

inline amber::Pager pager;
alignas(16) inline uint8_t pager_stack[16384];

inline volatile uint64_t* word(uint64_t base, uint64_t index, uint64_t offset = 0) {
    return reinterpret_cast<volatile uint64_t*>(base + index * page + offset);
}

inline uint64_t info(amber_handle_t space, uint64_t address) {
    return amber::sys::memory_page_info(space, address).value;
}
inline uint64_t owners(amber_handle_t space, uint64_t address) {
    return info(space, address) >> AMBER_PAGE_OWNERS_SHIFT;
}
inline bool writable(amber_handle_t space, uint64_t address) { return (info(space, address) & AMBER_PROT_WRITE) != 0; }

// Starts the pager once and keeps [base, base + count pages) of `space` with it.
inline bool keep(amber_handle_t space, uint64_t base, uint64_t count, uint32_t protection = read_write) {
    if (pager.thread() == 0 && pager.start(pager_stack, sizeof pager_stack) != AMBER_OK) return false;
    return pager.keep(space, base, count * page, protection) == AMBER_OK;
}

// The word of page `index` at `w` words of a pattern made from `seed`.
inline uint64_t pattern(uint64_t seed, uint64_t index, uint64_t w) { return seed + index * 1000 + w; }

// Writes the pattern into every 64th word of `count` pages at `base` (faulting them in).
inline void fill(uint64_t base, uint64_t count, uint64_t seed) {
    for (uint64_t i = 0; i < count; ++i) {
        for (uint64_t w = 0; w < page / 8; w += 64) *word(base, i, w * 8) = pattern(seed, i, w);
    }
}

inline bool holds(uint64_t base, uint64_t index, uint64_t seed) {
    for (uint64_t w = 0; w < page / 8; w += 64) {
        if (*word(base, index, w * 8) != pattern(seed, index, w)) return false;
    }
    return true;
}

} // namespace cow_tests
