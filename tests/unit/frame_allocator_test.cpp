// kernel/core/frame_allocator.cpp: bitmap sizing, release/reserve rounding, lowest-first allocation
// with and without a limit, exhaustion, reuse after free, bad frees (kernel::panic throws on the
// host), free-frame accounting, contiguous runs (dma_allocate), and shared frames with their owner
// counts (mappings and copy-on-write).
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdint.h>

#include <stdexcept>
#include <vector>

#include "../../kernel/core/frame_allocator.hpp"

namespace {

using kernel::FrameAllocator;
constexpr uint64_t frame = FrameAllocator::frame_size;

// An allocator over `frame_count` frames, all in use until released.
struct TestAllocator {
    explicit TestAllocator(uint64_t frame_count)
        : bitmap(FrameAllocator::bitmap_bytes(frame_count * frame) / 8 + 1, 0x5a5a5a5a5a5a5a5aull) {
        guard = bitmap.back();
        allocator.initialize(bitmap.data(), frame_count * frame);
    }
    ~TestAllocator() { BOOST_TEST(bitmap.back() == guard, "the allocator wrote past its bitmap"); }

    uint64_t allocate(uint64_t limit = ~uint64_t{0}) {
        uint64_t physical = ~uint64_t{0};
        BOOST_REQUIRE_MESSAGE(allocator.allocate(physical, limit), "allocate() failed");
        return physical;
    }

    std::vector<uint64_t> bitmap;
    uint64_t guard;
    FrameAllocator allocator;
};

} // namespace

BOOST_AUTO_TEST_SUITE(frame_allocator)

BOOST_AUTO_TEST_CASE(bitmap_size_rounds_up_to_whole_words) {
    BOOST_TEST(FrameAllocator::bitmap_bytes(0) == 0u);
    BOOST_TEST(FrameAllocator::bitmap_bytes(1) == 8u);
    BOOST_TEST(FrameAllocator::bitmap_bytes(64 * frame) == 8u);
    BOOST_TEST(FrameAllocator::bitmap_bytes(64 * frame + 1) == 16u);
    BOOST_TEST(FrameAllocator::bitmap_bytes(4ull << 30) == (4ull << 30) / frame / 8);
}

BOOST_AUTO_TEST_CASE(starts_with_every_frame_in_use) {
    TestAllocator test(100);
    BOOST_TEST(test.allocator.tracked_frames() == 100u);
    BOOST_TEST(test.allocator.free_frames() == 0u);
    uint64_t physical;
    BOOST_TEST(!test.allocator.allocate(physical));
    BOOST_TEST(!test.allocator.is_free(0));
}

BOOST_AUTO_TEST_CASE(release_frees_only_whole_frames_inside_the_range) {
    TestAllocator test(16);
    test.allocator.release_range(0x1800, 0x3000); // [0x1800, 0x4800): frames 2 and 3
    BOOST_TEST(test.allocator.free_frames() == 2u);
    BOOST_TEST(!test.allocator.is_free(0x1000));
    BOOST_TEST(test.allocator.is_free(0x2000));
    BOOST_TEST(test.allocator.is_free(0x3fff));
    BOOST_TEST(!test.allocator.is_free(0x4000));
    test.allocator.release_range(0x5001, 0xfff); // no whole frame inside
    test.allocator.release_range(0x6000, 0);
    BOOST_TEST(test.allocator.free_frames() == 2u);
    test.allocator.release_range(0x2000, 0x2000); // already free: not counted twice
    BOOST_TEST(test.allocator.free_frames() == 2u);
    test.allocator.release_range(0xe000, 0x100000); // clipped to the tracked frames
    BOOST_TEST(test.allocator.free_frames() == 4u);
    BOOST_TEST(!test.allocator.is_free(0x10000));
}

BOOST_AUTO_TEST_CASE(reserve_takes_every_frame_the_range_touches) {
    TestAllocator test(16);
    test.allocator.release_range(0, 16 * frame);
    BOOST_TEST(test.allocator.free_frames() == 16u);
    test.allocator.reserve_range(0x2fff, 2); // touches frames 2 and 3
    BOOST_TEST(test.allocator.free_frames() == 14u);
    BOOST_TEST(!test.allocator.is_free(0x2000));
    BOOST_TEST(!test.allocator.is_free(0x3000));
    BOOST_TEST(test.allocator.is_free(0x4000));
    test.allocator.reserve_range(0x2000, 0x2000); // already reserved: not counted twice
    test.allocator.reserve_range(0x8000, 0);
    BOOST_TEST(test.allocator.free_frames() == 14u);
    test.allocator.reserve_range(0xf000, ~uint64_t{0} - 0xf000 + 1); // to the end of the address space
    BOOST_TEST(test.allocator.free_frames() == 13u);
}

BOOST_AUTO_TEST_CASE(allocates_lowest_frame_first) {
    TestAllocator test(200);
    test.allocator.release_range(130 * frame, 10 * frame);
    test.allocator.release_range(5 * frame, 2 * frame);
    BOOST_TEST(test.allocate() == 5 * frame);
    BOOST_TEST(test.allocate() == 6 * frame);
    for (uint64_t f = 130; f < 140; ++f) BOOST_TEST(test.allocate() == f * frame);
    uint64_t physical;
    BOOST_TEST(!test.allocator.allocate(physical));
    BOOST_TEST(test.allocator.free_frames() == 0u);
}

BOOST_AUTO_TEST_CASE(allocate_respects_the_limit) {
    TestAllocator test(16);
    test.allocator.release_range(4 * frame, 4 * frame);
    uint64_t physical;
    BOOST_TEST(!test.allocator.allocate(physical, 4 * frame)); // nothing below 0x4000
    BOOST_TEST(test.allocate(5 * frame) == 4 * frame);
    BOOST_TEST(!test.allocator.allocate(physical, 5 * frame));
    BOOST_TEST(test.allocator.free_frames() == 3u); // failed attempts take nothing
    BOOST_TEST(test.allocate(5 * frame + 1) == 5 * frame);
}

BOOST_AUTO_TEST_CASE(exhaustion_of_a_partial_last_word) {
    TestAllocator test(100); // 100 frames: the second bitmap word is only partly tracked
    test.allocator.release_range(0, ~uint64_t{0} / 2);
    BOOST_TEST(test.allocator.free_frames() == 100u);
    for (uint64_t f = 0; f < 100; ++f) BOOST_TEST(test.allocate() == f * frame);
    uint64_t physical;
    BOOST_TEST(!test.allocator.allocate(physical));
    BOOST_TEST(test.allocator.free_frames() == 0u);
}

BOOST_AUTO_TEST_CASE(freed_frames_are_reused_lowest_first) {
    TestAllocator test(256);
    test.allocator.release_range(0, 256 * frame);
    std::vector<uint64_t> taken;
    for (int i = 0; i < 200; ++i) taken.push_back(test.allocate());
    test.allocator.free(taken[150]);
    test.allocator.free(taken[3]);
    test.allocator.free(taken[70]);
    BOOST_TEST(test.allocator.free_frames() == 56u + 3u);
    BOOST_TEST(test.allocate() == taken[3]);
    BOOST_TEST(test.allocate() == taken[70]);
    BOOST_TEST(test.allocate() == taken[150]);
    BOOST_TEST(test.allocate() == 200 * frame);
}

BOOST_AUTO_TEST_CASE(bad_frees_panic) {
    TestAllocator test(64);
    test.allocator.release_range(0, 64 * frame);
    uint64_t physical = test.allocate();
    test.allocator.free(physical);
    BOOST_CHECK_THROW(test.allocator.free(physical), std::runtime_error);   // double free
    BOOST_CHECK_THROW(test.allocator.free(10 * frame), std::runtime_error); // never allocated
    physical = test.allocate();
    BOOST_CHECK_THROW(test.allocator.free(physical + 8), std::runtime_error); // not frame-aligned
    BOOST_CHECK_THROW(test.allocator.free(64 * frame), std::runtime_error);   // not tracked
    BOOST_TEST(test.allocator.free_frames() == 63u);                          // unchanged by the bad frees
    BOOST_TEST(!test.allocator.is_free(physical));
}

BOOST_AUTO_TEST_CASE(free_frame_accounting) {
    TestAllocator test(128);
    test.allocator.release_range(0, 128 * frame);
    test.allocator.reserve_range(0, 16 * frame); // e.g. the kernel image
    BOOST_TEST(test.allocator.free_frames() == 112u);
    uint64_t a = test.allocate(), b = test.allocate();
    BOOST_TEST(a == 16 * frame);
    BOOST_TEST(test.allocator.free_frames() == 110u);
    test.allocator.free(b);
    test.allocator.free(a);
    BOOST_TEST(test.allocator.free_frames() == 112u);
    uint64_t free_count = 0;
    for (uint64_t f = 0; f < 130; ++f) free_count += test.allocator.is_free(f * frame) ? 1 : 0;
    BOOST_TEST(free_count == test.allocator.free_frames());
}

BOOST_AUTO_TEST_CASE(ranges_spanning_whole_bitmap_words_keep_the_count) {
    TestAllocator test(256);
    auto count_free = [&] {
        uint64_t n = 0;
        for (uint64_t f = 0; f < 256; ++f) n += test.allocator.is_free(f * frame) ? 1 : 0;
        return n;
    };
    test.allocator.release_range(64 * frame, 64 * frame); // exactly bitmap word 1
    BOOST_TEST(test.allocator.free_frames() == 64u);
    BOOST_TEST(test.allocate() == 64 * frame);
    BOOST_TEST(test.allocate() == 65 * frame);
    test.allocator.reserve_range(0, 192 * frame); // words 0..2; word 1 partly in use already
    BOOST_TEST(test.allocator.free_frames() == 0u);
    test.allocator.release_range(32 * frame, 160 * frame); // half of word 0, words 1 and 2 whole
    BOOST_TEST(test.allocator.free_frames() == 160u);
    BOOST_TEST(count_free() == 160u);
    BOOST_TEST(test.allocate() == 32 * frame);

    test.allocator.release_range(0, 256 * frame);
    BOOST_TEST(test.allocator.free_frames() == 256u);
    test.allocator.reserve_range(64 * frame + 1, 128 * frame); // touches frames 64..192
    BOOST_TEST(test.allocator.free_frames() == 127u);
    BOOST_TEST(count_free() == 127u);
    BOOST_TEST(test.allocator.is_free(63 * frame));
    BOOST_TEST(!test.allocator.is_free(64 * frame));
    BOOST_TEST(!test.allocator.is_free(192 * frame));
    BOOST_TEST(test.allocator.is_free(193 * frame));

    test.allocator.reserve_range(0, 256 * frame);
    test.allocator.release_range(128 * frame, 64 * frame); // a whole word freed below the search position
    BOOST_TEST(test.allocate() == 128 * frame);
    BOOST_TEST(test.allocator.free_frames() == 63u);
}

BOOST_AUTO_TEST_CASE(contiguous_runs_are_the_lowest_that_fit) {
    TestAllocator test(256);
    test.allocator.release_range(3 * frame, 2 * frame);    // a hole of 2
    test.allocator.release_range(10 * frame, 5 * frame);   // a hole of 5
    test.allocator.release_range(60 * frame, 100 * frame); // 60..159, across bitmap words
    uint64_t physical = 0;
    BOOST_TEST(test.allocator.allocate_contiguous(2, physical));
    BOOST_TEST(physical == 3 * frame);
    BOOST_TEST(test.allocator.allocate_contiguous(3, physical));
    BOOST_TEST(physical == 10 * frame);
    BOOST_TEST(test.allocator.allocate_contiguous(3, physical)); // 13..14 is too short
    BOOST_TEST(physical == 60 * frame);
    BOOST_TEST(test.allocator.allocate_contiguous(64, physical)); // crosses from word 0 into word 1
    BOOST_TEST(physical == 63 * frame);
    for (uint64_t f = 63; f < 127; ++f) BOOST_TEST(!test.allocator.is_free(f * frame));
    BOOST_TEST(test.allocator.is_free(127 * frame));
    BOOST_TEST(test.allocator.free_frames() == 2u + 33u);
    BOOST_TEST(test.allocate() == 13 * frame); // single frames still come lowest first
}

BOOST_AUTO_TEST_CASE(contiguous_allocation_fails_without_taking_anything) {
    TestAllocator test(128);
    for (uint64_t f = 0; f < 128; f += 2) test.allocator.release_range(f * frame, frame); // every other frame
    uint64_t physical = 0x1234;
    BOOST_TEST(!test.allocator.allocate_contiguous(2, physical));
    BOOST_TEST(!test.allocator.allocate_contiguous(0, physical));
    BOOST_TEST(!test.allocator.allocate_contiguous(1000, physical));
    BOOST_TEST(physical == 0x1234u);
    BOOST_TEST(test.allocator.free_frames() == 64u);
    BOOST_TEST(test.allocator.allocate_contiguous(1, physical));
    BOOST_TEST(physical == 0u);
}

BOOST_AUTO_TEST_CASE(contiguous_runs_respect_the_limit_and_free_frame_by_frame) {
    TestAllocator test(64);
    test.allocator.release_range(8 * frame, 8 * frame);
    uint64_t physical = 0;
    BOOST_TEST(!test.allocator.allocate_contiguous(4, physical, 11 * frame)); // would end at 12
    BOOST_TEST(test.allocator.allocate_contiguous(4, physical, 12 * frame));
    BOOST_TEST(physical == 8 * frame);
    BOOST_TEST(test.allocator.free_frames() == 4u);
    for (uint64_t f = 8; f < 12; ++f) test.allocator.free(f * frame);
    BOOST_TEST(test.allocator.free_frames() == 8u);
    BOOST_TEST(test.allocator.allocate_contiguous(8, physical));
    BOOST_TEST(physical == 8 * frame);
    BOOST_TEST(test.allocator.free_frames() == 0u);
}

BOOST_AUTO_TEST_CASE(shared_frames_count_their_owners_and_free_with_the_last) {
    TestAllocator test(64);
    std::vector<uint16_t> counts(64, 0x7777);
    test.allocator.release_range(0, 64 * frame);
    BOOST_TEST(!test.allocator.share(0)); // no share counts attached yet
    test.allocator.attach_share_counts(counts.data());
    uint64_t physical = test.allocate();
    BOOST_TEST(test.allocator.owners(physical) == 1u);
    BOOST_TEST(test.allocator.owners(physical + frame) == 0u); // free
    BOOST_TEST(test.allocator.owners(64 * frame) == 0u);       // untracked
    BOOST_TEST(!test.allocator.share(physical + frame));       // a free frame cannot be shared
    BOOST_TEST(test.allocator.share(physical));
    BOOST_TEST(test.allocator.share(physical));
    BOOST_TEST(test.allocator.owners(physical) == 3u);
    uint64_t free_before = test.allocator.free_frames();
    test.allocator.free(physical);
    test.allocator.free(physical);
    BOOST_TEST(test.allocator.owners(physical) == 1u);
    BOOST_TEST(test.allocator.free_frames() == free_before); // still owned
    test.allocator.free(physical);
    BOOST_TEST(test.allocator.owners(physical) == 0u);
    BOOST_TEST(test.allocator.free_frames() == free_before + 1);
}

BOOST_AUTO_TEST_CASE(global_instance_is_a_single_object) { BOOST_TEST(&kernel::frames() == &kernel::frames()); }

BOOST_AUTO_TEST_SUITE_END()
