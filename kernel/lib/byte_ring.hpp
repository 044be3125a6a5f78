// A fixed-capacity FIFO of bytes (the console's input buffer). Bytes that do not fit are dropped
// and counted; reading is peek-then-drop, so a reader that fails to deliver what it peeked (a bad
// user buffer) consumes nothing.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace lib {

template <size_t Capacity>
class ByteRing {
  public:
    static constexpr size_t capacity = Capacity;

    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    // Bytes dropped by push() because the ring was full, since it was made.
    uint64_t dropped() const { return dropped_; }

    // Appends what fits of `bytes`; returns how many were kept.
    size_t push(const uint8_t* bytes, size_t length) {
        size_t kept = 0;
        for (; kept < length && count_ < Capacity; ++kept) data_[(head_ + count_++) % Capacity] = bytes[kept];
        dropped_ += length - kept;
        return kept;
    }

    // Copies up to `length` of the oldest bytes to `out`, leaving them in the ring; returns how many.
    size_t peek(uint8_t* out, size_t length) const {
        size_t n = length < count_ ? length : count_;
        for (size_t i = 0; i < n; ++i) out[i] = data_[(head_ + i) % Capacity];
        return n;
    }

    // Removes the `length` oldest bytes (all of them if there are fewer).
    void drop(size_t length) {
        size_t n = length < count_ ? length : count_;
        head_ = (head_ + n) % Capacity;
        count_ -= n;
    }

  private:
    uint8_t data_[Capacity] = {};
    size_t head_ = 0;
    size_t count_ = 0;
    uint64_t dropped_ = 0;
};

} // namespace lib
