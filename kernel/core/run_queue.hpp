// FIFO of runnable threads, linked through Thread::next_in_run_queue. Not thread-safe: the kernel
// runs with interrupts off.
#pragma once

#include "thread.hpp"

namespace kernel {

class RunQueue {
  public:
    bool empty() const { return head_ == nullptr; }
    void push_back(Thread* thread);
    Thread* pop_front();
    // Removes `thread` if queued; true if it was.
    bool remove(Thread* thread);
    bool contains(const Thread* thread) const;
    unsigned size() const;

  private:
    Thread* head_ = nullptr;
    Thread* tail_ = nullptr;
};

} // namespace kernel
