// An intrusive FIFO of threads linked through one Thread member (Link). Not thread-safe: the
// kernel runs with interrupts off. RunQueue and WaitQueue are its two instances.
#pragma once

#include "panic.hpp"
#include "thread.hpp"

namespace kernel {

template <Thread* Thread::*Link>
class ThreadFifo {
  public:
    bool empty() const { return head_ == nullptr; }

    void push_back(Thread* thread) {
        KERNEL_ASSERT(thread->*Link == nullptr && tail_ != thread);
        if (tail_ != nullptr)
            tail_->*Link = thread;
        else
            head_ = thread;
        tail_ = thread;
    }

    Thread* pop_front() {
        Thread* thread = head_;
        if (thread == nullptr) return nullptr;
        head_ = thread->*Link;
        if (head_ == nullptr) tail_ = nullptr;
        thread->*Link = nullptr;
        return thread;
    }

    // Removes `thread` if queued; true if it was.
    bool remove(Thread* thread) {
        Thread* previous = nullptr;
        for (Thread* t = head_; t != nullptr; previous = t, t = t->*Link) {
            if (t != thread) continue;
            if (previous != nullptr)
                previous->*Link = t->*Link;
            else
                head_ = t->*Link;
            if (tail_ == t) tail_ = previous;
            t->*Link = nullptr;
            return true;
        }
        return false;
    }

    bool contains(const Thread* thread) const {
        for (Thread* t = head_; t != nullptr; t = t->*Link) {
            if (t == thread) return true;
        }
        return false;
    }

    unsigned size() const {
        unsigned n = 0;
        for (Thread* t = head_; t != nullptr; t = t->*Link) ++n;
        return n;
    }

  private:
    Thread* head_ = nullptr;
    Thread* tail_ = nullptr;
};

} // namespace kernel
