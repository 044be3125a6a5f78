// Physical page-frame allocator: one bit per 4 KiB frame (1 = in use), lowest free frame first.
//
// Starts with every frame in use; the boot code releases usable RAM and then reserves what is
// taken (kernel image, boot modules, the bitmap itself). Deterministic: the same sequence of calls
// yields the same frames, which keeps deterministic (icount) runs reproducible.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

class FrameAllocator {
  public:
    static constexpr uint64_t frame_size = 4096;

    // Bytes of bitmap needed to track `highest_physical` bytes of address space.
    static constexpr size_t bitmap_bytes(uint64_t highest_physical) {
        uint64_t frames = (highest_physical + frame_size - 1) / frame_size;
        return static_cast<size_t>((frames + 63) / 64 * 8);
    }

    // `bitmap` must hold bitmap_bytes(highest_physical) bytes and outlive the allocator.
    void initialize(uint64_t* bitmap, uint64_t highest_physical);
    // Marks whole frames inside [base, base + length) free.
    void release_range(uint64_t base, uint64_t length);
    // Marks every frame touching [base, base + length) in use.
    void reserve_range(uint64_t base, uint64_t length);

    // Allocates the lowest free frame below `limit`; false when none is left.
    [[nodiscard]] bool allocate(uint64_t& physical, uint64_t limit = ~uint64_t{0});
    // Allocates `count` physically contiguous frames, the lowest such run that ends at or below
    // `limit`; `physical` is the first. False (nothing allocated) when there is no such run. Each
    // frame is freed on its own with free().
    [[nodiscard]] bool allocate_contiguous(uint64_t count, uint64_t& physical, uint64_t limit = ~uint64_t{0});
    // Frees a frame returned by allocate(), or drops one owner of a shared frame. Freeing a free
    // or untracked frame is a kernel bug.
    void free(uint64_t physical);
    // Adds an owner to an allocated frame (a mapping shares it); false without share counts or
    // at the count's limit.
    [[nodiscard]] bool share(uint64_t physical);
    // How many owners an allocated frame has (1 + its shares); 0 for a free or untracked frame. A
    // user page whose frame has one owner is private to the page table that maps it.
    uint32_t owners(uint64_t physical) const;
    // Storage for share counts, one per tracked frame; without it frames cannot be shared.
    void attach_share_counts(uint16_t* counts);

    uint64_t free_frames() const { return free_frames_; }
    uint64_t tracked_frames() const { return frame_count_; }
    bool is_free(uint64_t physical) const;

  private:
    void set_used(uint64_t frame, bool used);
    void set_range(uint64_t first, uint64_t end, bool used); // frames [first, end)

    uint64_t* bitmap_ = nullptr;
    uint16_t* share_counts_ = nullptr; // extra owners per frame
    uint64_t frame_count_ = 0;
    uint64_t free_frames_ = 0;
    uint64_t search_hint_ = 0; // no free frame below this word
};

FrameAllocator& frames();

} // namespace kernel
