#include "kernel_heap.hpp"

#include "panic.hpp"

namespace kernel {

size_t KernelHeap::class_index(size_t size) {
    size_t index = 0;
    for (size_t block = min_block; block < size; block <<= 1) ++index;
    return index;
}

void* KernelHeap::allocate(size_t size) {
    if (size == 0 || size > max_block) return nullptr;
    size_t index = class_index(size);
    size_t block_size = min_block << index;
    if (free_lists_[index] == nullptr) {
        auto* page = static_cast<uint8_t*>(source_.allocate_page());
        if (page == nullptr) return nullptr;
        ++pages_held_;
        for (size_t offset = 0; offset < max_block; offset += block_size) {
            auto* block = reinterpret_cast<FreeBlock*>(page + offset);
            block->next = free_lists_[index];
            free_lists_[index] = block;
        }
    }
    FreeBlock* block = free_lists_[index];
    free_lists_[index] = block->next;
    auto* bytes = reinterpret_cast<uint8_t*>(block);
    for (size_t i = 0; i < block_size; ++i) bytes[i] = 0;
    ++blocks_in_use_;
    return block;
}

void KernelHeap::release(void* memory, size_t size) {
    if (memory == nullptr) return;
    if (size == 0 || size > max_block || blocks_in_use_ == 0) panic("kernel heap: bad release of %zu bytes", size);
    size_t index = class_index(size);
    auto* block = static_cast<FreeBlock*>(memory);
    block->next = free_lists_[index];
    free_lists_[index] = block;
    --blocks_in_use_;
}

} // namespace kernel
