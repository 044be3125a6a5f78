// The user heap: malloc, calloc, realloc and free for programs and for libraries linked into them
// (the packaged nanopb runtime needs realloc and free), plus the stack protector's failure hook.
//
// Memory comes from memory_allocate at heap_base upwards, in steps of at least grow_step; the
// space's area list merges the steps into one area. Blocks carry a 16-byte header; free blocks
// form an address-ordered list, are split on allocation and merged with free neighbours on free.
// A spin lock (yielding) makes it safe for several threads.
#include <amber/abi.h>
#include <amber/objects.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.hpp"

namespace {

constexpr uint64_t heap_base = 0x0000010000000000ull; // 1 TiB: far from program, stack and test areas
constexpr uint64_t grow_step = 1ull << 20;
constexpr size_t header_size = 16;

struct Block {
    size_t size; // whole block, header included; a multiple of 16
    Block* next_free;
};

Block* free_list = nullptr;
uint64_t heap_end = heap_base;
int heap_lock = 0;

class Locked {
  public:
    Locked() {
        while (__atomic_exchange_n(&heap_lock, 1, __ATOMIC_ACQUIRE) != 0) amber::sys::thread_yield();
    }
    ~Locked() { __atomic_store_n(&heap_lock, 0, __ATOMIC_RELEASE); }
};

// Inserts a free block in address order, merging with its neighbours.
void insert_free(Block* block) {
    Block** link = &free_list;
    while (*link != nullptr && *link < block) link = &(*link)->next_free;
    block->next_free = *link;
    *link = block;
    if (block->next_free != nullptr &&
        reinterpret_cast<uint8_t*>(block) + block->size == reinterpret_cast<uint8_t*>(block->next_free)) {
        block->size += block->next_free->size;
        block->next_free = block->next_free->next_free;
    }
    if (link != &free_list) {
        auto* previous = reinterpret_cast<Block*>(reinterpret_cast<uint8_t*>(link) - offsetof(Block, next_free));
        if (reinterpret_cast<uint8_t*>(previous) + previous->size == reinterpret_cast<uint8_t*>(block)) {
            previous->size += block->size;
            previous->next_free = block->next_free;
        }
    }
}

bool grow(size_t needed) {
    uint64_t size = (needed + grow_step - 1) & ~(grow_step - 1);
    if (!amber::sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, heap_end, size, AMBER_PROT_READ | AMBER_PROT_WRITE)
             .ok()) {
        return false;
    }
    auto* block = reinterpret_cast<Block*>(heap_end);
    block->size = size;
    heap_end += size;
    insert_free(block);
    return true;
}

void* allocate(size_t request) {
    if (request > (1ull << 40)) return nullptr;
    size_t size = (request + header_size + 15) & ~size_t{15};
    for (int attempt = 0; attempt < 2; ++attempt) {
        for (Block** link = &free_list; *link != nullptr; link = &(*link)->next_free) {
            Block* block = *link;
            if (block->size < size) continue;
            if (block->size - size >= 64) { // split: the tail stays free
                auto* rest = reinterpret_cast<Block*>(reinterpret_cast<uint8_t*>(block) + size);
                rest->size = block->size - size;
                rest->next_free = block->next_free;
                *link = rest;
                block->size = size;
            } else {
                *link = block->next_free;
            }
            return reinterpret_cast<uint8_t*>(block) + header_size;
        }
        if (attempt == 0 && !grow(size)) return nullptr;
    }
    return nullptr;
}

Block* block_of(void* pointer) { return reinterpret_cast<Block*>(static_cast<uint8_t*>(pointer) - header_size); }

} // namespace

extern "C" {

void* malloc(size_t size) {
    Locked locked;
    return allocate(size);
}

void free(void* pointer) {
    if (pointer == nullptr) return;
    Locked locked;
    insert_free(block_of(pointer));
}

void* calloc(size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) return nullptr;
    void* pointer = malloc(count * size);
    if (pointer != nullptr) __builtin_memset(pointer, 0, count * size);
    return pointer;
}

void* realloc(void* pointer, size_t size) {
    if (pointer == nullptr) return malloc(size);
    if (size == 0) {
        free(pointer);
        return nullptr;
    }
    size_t old_size = block_of(pointer)->size - header_size;
    if (old_size >= size) return pointer;
    void* bigger = malloc(size);
    if (bigger == nullptr) return nullptr;
    __builtin_memcpy(bigger, pointer, old_size);
    free(pointer);
    return bigger;
}

// Called by code built with -fstack-protector when a canary was overwritten.
[[noreturn]] void __stack_chk_fail() {
    amber::write("stack smashing detected: process ends\n");
    amber::exit(134);
}

} // extern "C"
