#include "frame_allocator.hpp"

#include "panic.hpp"

namespace kernel {
namespace {

// Bits set in `word` (SWAR; the kernel has no libgcc for __builtin_popcount on plain x86_64).
constexpr uint64_t count_bits(uint64_t word) {
    word = word - ((word >> 1) & 0x5555555555555555ull);
    word = (word & 0x3333333333333333ull) + ((word >> 2) & 0x3333333333333333ull);
    word = (word + (word >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (word * 0x0101010101010101ull) >> 56;
}
static_assert(count_bits(0) == 0 && count_bits(~0ull) == 64 && count_bits(0x8000000000000101ull) == 3);

} // namespace

void FrameAllocator::initialize(uint64_t* bitmap, uint64_t highest_physical) {
    bitmap_ = bitmap;
    frame_count_ = (highest_physical + frame_size - 1) / frame_size;
    size_t words = bitmap_bytes(highest_physical) / 8;
    for (size_t i = 0; i < words; ++i) bitmap_[i] = ~uint64_t{0};
    free_frames_ = 0;
    search_hint_ = 0;
}

bool FrameAllocator::is_free(uint64_t physical) const {
    uint64_t frame = physical / frame_size;
    return frame < frame_count_ && (bitmap_[frame / 64] & (uint64_t{1} << (frame % 64))) == 0;
}

void FrameAllocator::set_used(uint64_t frame, bool used) {
    uint64_t bit = uint64_t{1} << (frame % 64);
    uint64_t& word = bitmap_[frame / 64];
    bool was_used = (word & bit) != 0;
    if (was_used == used) return;
    if (used) {
        word |= bit;
        --free_frames_;
    } else {
        word &= ~bit;
        ++free_frames_;
        if (frame / 64 < search_hint_) search_hint_ = frame / 64;
    }
}

void FrameAllocator::set_range(uint64_t first, uint64_t end, bool used) {
    uint64_t f = first;
    while (f < end) {
        if (f % 64 == 0 && end - f >= 64) { // a whole bitmap word at once
            uint64_t& word = bitmap_[f / 64];
            uint64_t in_use = count_bits(word);
            if (used) {
                free_frames_ -= 64 - in_use;
                word = ~uint64_t{0};
            } else {
                free_frames_ += in_use;
                word = 0;
                if (f / 64 < search_hint_) search_hint_ = f / 64;
            }
            f += 64;
        } else {
            set_used(f++, used);
        }
    }
}

void FrameAllocator::release_range(uint64_t base, uint64_t length) {
    if (length == 0 || base + length < base) return;
    uint64_t first = (base + frame_size - 1) / frame_size;
    uint64_t end = (base + length) / frame_size;
    if (end > frame_count_) end = frame_count_;
    set_range(first, end, false);
}

void FrameAllocator::reserve_range(uint64_t base, uint64_t length) {
    if (length == 0 || frame_count_ == 0) return;
    uint64_t first = base / frame_size;
    uint64_t last = base + length < base ? ~uint64_t{0} : (base + length - 1) / frame_size;
    if (last >= frame_count_) last = frame_count_ - 1;
    if (first <= last) set_range(first, last + 1, true);
}

bool FrameAllocator::allocate(uint64_t& physical, uint64_t limit) {
    uint64_t words = (frame_count_ + 63) / 64;
    for (uint64_t w = search_hint_; w < words; ++w) {
        if (bitmap_[w] == ~uint64_t{0}) {
            if (w == search_hint_) ++search_hint_;
            continue;
        }
        uint64_t frame = w * 64 + static_cast<uint64_t>(__builtin_ctzll(~bitmap_[w]));
        if (frame >= frame_count_ || frame * frame_size >= limit) return false;
        set_used(frame, true);
        physical = frame * frame_size;
        return true;
    }
    return false;
}

bool FrameAllocator::allocate_contiguous(uint64_t count, uint64_t& physical, uint64_t limit) {
    if (count == 0 || count > frame_count_) return false;
    uint64_t run_start = 0, run = 0;
    for (uint64_t f = search_hint_ * 64; f < frame_count_;) {
        uint64_t word = bitmap_[f / 64];
        if (f % 64 == 0 && word == ~uint64_t{0}) { // a full word ends any run
            run = 0;
            f += 64;
            continue;
        }
        if ((word & (uint64_t{1} << (f % 64))) != 0) {
            run = 0;
            ++f;
            continue;
        }
        if (run++ == 0) run_start = f;
        ++f;
        if (run < count) continue;
        // Lowest first: a run past the limit means every later one is too.
        if (run_start + count > limit / frame_size) return false;
        set_range(run_start, run_start + count, true);
        physical = run_start * frame_size;
        return true;
    }
    return false;
}

void FrameAllocator::free(uint64_t physical) {
    uint64_t frame = physical / frame_size;
    if (physical % frame_size != 0 || frame >= frame_count_ || is_free(physical)) {
        panic("frame allocator: bad free of physical address %p", reinterpret_cast<void*>(physical));
    }
    if (share_counts_ != nullptr && share_counts_[frame] > 0) {
        --share_counts_[frame];
        return;
    }
    set_used(frame, false);
}

bool FrameAllocator::share(uint64_t physical) {
    uint64_t frame = physical / frame_size;
    if (share_counts_ == nullptr || frame >= frame_count_ || is_free(physical) || share_counts_[frame] == 0xffff) {
        return false;
    }
    ++share_counts_[frame];
    return true;
}

uint32_t FrameAllocator::owners(uint64_t physical) const {
    uint64_t frame = physical / frame_size;
    if (frame >= frame_count_ || is_free(physical)) return 0;
    return 1u + (share_counts_ != nullptr ? share_counts_[frame] : 0u);
}

void FrameAllocator::attach_share_counts(uint16_t* counts) {
    share_counts_ = counts;
    for (uint64_t i = 0; i < frame_count_; ++i) share_counts_[i] = 0;
}

FrameAllocator& frames() {
    static FrameAllocator allocator;
    return allocator;
}

} // namespace kernel
