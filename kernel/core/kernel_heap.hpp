// Kernel object memory: power-of-two size classes from 64 bytes to one page, carved from whole
// pages and kept on per-class free lists. Blocks are aligned to their size class.
//
// There is no hidden allocation in the kernel: objects are created explicitly through create<T>()
// and destroyed through destroy(), and every caller handles failure.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>

namespace kernel {

class KernelHeap {
  public:
    static constexpr size_t min_block = 64;
    static constexpr size_t max_block = 4096;
    static constexpr size_t class_count = 7; // 64 .. 4096

    // Supplies and takes back zeroed, page-aligned 4 KiB pages.
    struct PageSource {
        void* (*allocate_page)();
        void (*free_page)(void*);
    };

    explicit constexpr KernelHeap(PageSource source) : source_(source) {}

    // nullptr when `size` exceeds max_block or memory is exhausted. Memory is zeroed.
    void* allocate(size_t size);
    void release(void* block, size_t size);

    size_t blocks_in_use() const { return blocks_in_use_; }
    // Pages taken from the source so far; the heap keeps them (its free lists reuse them).
    size_t pages_held() const { return pages_held_; }

  private:
    struct FreeBlock {
        FreeBlock* next;
    };
    static size_t class_index(size_t size);

    PageSource source_;
    FreeBlock* free_lists_[class_count] = {};
    size_t blocks_in_use_ = 0;
    size_t pages_held_ = 0;
};

KernelHeap& heap();

// Allocates and constructs a T; nullptr when out of memory.
template <typename T, typename... Args>
T* create(Args&&... args) {
    static_assert(alignof(T) <= KernelHeap::min_block);
    void* memory = heap().allocate(sizeof(T));
    return memory != nullptr ? new (memory) T(static_cast<Args&&>(args)...) : nullptr;
}

template <typename T>
void destroy(T* object) {
    if (object == nullptr) return;
    object->~T();
    heap().release(object, sizeof(T));
}

} // namespace kernel
