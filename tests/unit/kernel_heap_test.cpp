// kernel/core/kernel_heap.cpp: size classes, alignment to the class size, zeroed blocks, reuse after
// release, size limits, page-source exhaustion, blocks_in_use and bad releases; and, through
// kernel_heap_instance.cpp, heap()/create()/destroy() fed by frames() via the shared fake physical
// window of host_support.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdint.h>

#include <cstring>
#include <set>
#include <stdexcept>

#include <arch/paging.hpp>

#include "../../kernel/core/frame_allocator.hpp"
#include "../../kernel/core/kernel_heap.hpp"
#include "host_support.hpp"

namespace {

using kernel::KernelHeap;

// A page source with a fixed number of pages. Its pages are deliberately dirty (0xcd) so the tests
// see that the heap zeroes blocks itself.
struct PagePool {
    static constexpr size_t capacity = 8;
    alignas(4096) static inline uint8_t pages[capacity][4096];
    static inline size_t handed_out = 0;
    static inline size_t limit = capacity;

    static void* allocate_page() {
        if (handed_out == limit) return nullptr;
        std::memset(pages[handed_out], 0xcd, 4096);
        return pages[handed_out++];
    }
    static void free_page(void*) {}
};

struct HeapFixture {
    HeapFixture() {
        PagePool::handed_out = 0;
        PagePool::limit = PagePool::capacity;
    }
    KernelHeap heap{{PagePool::allocate_page, PagePool::free_page}};
};

bool all_zero(const void* block, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(block);
    for (size_t i = 0; i < size; ++i) {
        if (bytes[i] != 0) return false;
    }
    return true;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(kernel_heap, HeapFixture)

BOOST_AUTO_TEST_CASE(blocks_are_aligned_to_their_size_class) {
    const struct {
        size_t request, block;
    } cases[] = {{1, 64},    {64, 64},     {65, 128},    {128, 128},   {129, 256},
                 {300, 512}, {1000, 1024}, {2048, 2048}, {2049, 4096}, {4096, 4096}};
    for (const auto& c : cases) {
        void* block = heap.allocate(c.request);
        BOOST_REQUIRE(block != nullptr);
        BOOST_TEST_INFO(c.request << " bytes");
        BOOST_TEST(reinterpret_cast<uintptr_t>(block) % c.block == 0u);
    }
    BOOST_TEST(heap.blocks_in_use() == std::size(cases));
    BOOST_TEST(PagePool::handed_out == 8u); // one page per class from 64 to 2048, one per 4096-byte block
}

BOOST_AUTO_TEST_CASE(a_page_holds_exactly_its_class_of_blocks) {
    std::set<uintptr_t> blocks;
    for (int i = 0; i < 4096 / 256; ++i) blocks.insert(reinterpret_cast<uintptr_t>(heap.allocate(256)));
    BOOST_TEST(blocks.size() == 16u); // distinct
    BOOST_TEST(PagePool::handed_out == 1u);
    BOOST_TEST(*blocks.rbegin() - *blocks.begin() == 4096u - 256u); // tiling one page
    BOOST_TEST(heap.allocate(200) != nullptr);
    BOOST_TEST(PagePool::handed_out == 2u);
}

BOOST_AUTO_TEST_CASE(memory_is_zeroed) {
    auto* block = static_cast<uint8_t*>(heap.allocate(100));
    BOOST_REQUIRE(block != nullptr);
    BOOST_TEST(all_zero(block, 128)); // the whole 128-byte block, from a dirty page
    std::memset(block, 0xab, 128);
    heap.release(block, 100);
    auto* again = static_cast<uint8_t*>(heap.allocate(128));
    BOOST_TEST(again == block);
    BOOST_TEST(all_zero(again, 128));
}

BOOST_AUTO_TEST_CASE(released_blocks_are_reused_within_their_class) {
    void* a = heap.allocate(64);
    void* b = heap.allocate(33);
    heap.release(a, 64);
    BOOST_TEST(heap.allocate(10) == a);
    heap.release(b, 33);
    BOOST_TEST(heap.allocate(128) != b); // another class
    BOOST_TEST(heap.allocate(64) == b);
    BOOST_TEST(PagePool::handed_out == 2u);
}

BOOST_AUTO_TEST_CASE(sizes_outside_the_classes_fail) {
    BOOST_TEST(heap.allocate(4097) == nullptr);
    BOOST_TEST(heap.allocate(1 << 20) == nullptr);
    BOOST_TEST(heap.allocate(~size_t{0}) == nullptr);
    BOOST_TEST(heap.allocate(0) == nullptr);
    BOOST_TEST(heap.blocks_in_use() == 0u);
    BOOST_TEST(PagePool::handed_out == 0u);
}

BOOST_AUTO_TEST_CASE(exhausted_page_source_fails_cleanly) {
    PagePool::limit = 2;
    void* first = heap.allocate(4096);
    void* second = heap.allocate(3000);
    BOOST_TEST((first != nullptr && second != nullptr));
    BOOST_TEST(heap.allocate(4096) == nullptr);
    BOOST_TEST(heap.allocate(64) == nullptr);
    BOOST_TEST(heap.blocks_in_use() == 2u);
    heap.release(second, 3000);
    BOOST_TEST(heap.allocate(4000) == second); // a released block needs no new page
    BOOST_TEST(heap.blocks_in_use() == 2u);
}

BOOST_AUTO_TEST_CASE(blocks_in_use_counts_allocations_minus_releases) {
    void* blocks[5];
    for (size_t i = 0; i < 5; ++i) blocks[i] = heap.allocate(64u << i);
    BOOST_TEST(heap.blocks_in_use() == 5u);
    heap.release(blocks[1], 128);
    heap.release(blocks[4], 1024);
    BOOST_TEST(heap.blocks_in_use() == 3u);
    heap.release(nullptr, 64); // ignored
    BOOST_TEST(heap.blocks_in_use() == 3u);
}

BOOST_AUTO_TEST_CASE(bad_releases_panic) {
    void* block = heap.allocate(64);
    BOOST_CHECK_THROW(heap.release(block, 0), std::runtime_error);
    BOOST_CHECK_THROW(heap.release(block, 4097), std::runtime_error);
    heap.release(block, 64);
    int not_from_the_heap = 0;
    BOOST_CHECK_THROW(heap.release(&not_from_the_heap, 64), std::runtime_error); // nothing is in use
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct Widget {
    explicit Widget(uint64_t v) : value(v) {}
    ~Widget() { ++destroyed; }
    uint64_t value;
    uint64_t padding[20] = {};
    static inline int destroyed = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(kernel_heap_instance)

// heap() takes pages from frames() and reaches them through arch::physical_to_virtual(). The window
// is the one all host tests share (host_support), so earlier tests may have left free blocks behind.
BOOST_AUTO_TEST_CASE(create_and_destroy_use_frames_through_the_physical_window) {
    host_test::use_kernel_heap();
    const uint8_t* window = host_test::kernel_window();
    BOOST_TEST(arch::physical_window_base == reinterpret_cast<uint64_t>(window));
    uint64_t frames_before = kernel::frames().free_frames();
    size_t blocks_before = kernel::heap().blocks_in_use();

    Widget* widget = kernel::create<Widget>(42u);
    BOOST_REQUIRE(widget != nullptr);
    BOOST_TEST(widget->value == 42u);
    auto address = reinterpret_cast<uintptr_t>(widget);
    BOOST_TEST((address >= reinterpret_cast<uintptr_t>(window) &&
                address < reinterpret_cast<uintptr_t>(window) + host_test::kernel_window_pages * 4096));
    BOOST_TEST(address % 256 == 0u);                                  // sizeof(Widget) = 168: the 256-byte class
    BOOST_TEST(frames_before - kernel::frames().free_frames() <= 1u); // at most one new page
    BOOST_TEST(!kernel::frames().is_free((address - arch::physical_window_base) & ~uint64_t{4095}));
    BOOST_TEST(kernel::heap().blocks_in_use() == blocks_before + 1);

    kernel::destroy(widget);
    BOOST_TEST(Widget::destroyed == 1);
    BOOST_TEST(kernel::heap().blocks_in_use() == blocks_before);
    kernel::destroy<Widget>(nullptr);
    BOOST_TEST(Widget::destroyed == 1);
}

BOOST_AUTO_TEST_SUITE_END()
