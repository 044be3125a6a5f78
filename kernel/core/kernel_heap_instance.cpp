// The kernel's heap, fed with frames from the frame allocator through the physical window.
#include <arch/paging.hpp>

#include "frame_allocator.hpp"
#include "kernel_heap.hpp"

namespace kernel {
namespace {

void* allocate_page() {
    uint64_t physical;
    if (!frames().allocate(physical)) return nullptr;
    void* page = arch::physical_to_virtual(physical);
    __builtin_memset(page, 0, 4096); // the PageSource contract: zeroed pages
    return page;
}

void free_page(void* page) { frames().free(reinterpret_cast<uint64_t>(page) - arch::physical_window_base); }

} // namespace

KernelHeap& heap() {
    static KernelHeap instance({allocate_page, free_page});
    return instance;
}

} // namespace kernel
