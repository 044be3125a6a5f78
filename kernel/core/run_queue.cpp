#include "run_queue.hpp"

#include "panic.hpp"

namespace kernel {

void RunQueue::push_back(Thread* thread) {
    KERNEL_ASSERT(thread->next_in_run_queue == nullptr && tail_ != thread);
    if (tail_ != nullptr)
        tail_->next_in_run_queue = thread;
    else
        head_ = thread;
    tail_ = thread;
}

Thread* RunQueue::pop_front() {
    Thread* thread = head_;
    if (thread == nullptr) return nullptr;
    head_ = thread->next_in_run_queue;
    if (head_ == nullptr) tail_ = nullptr;
    thread->next_in_run_queue = nullptr;
    return thread;
}

bool RunQueue::remove(Thread* thread) {
    Thread* previous = nullptr;
    for (Thread* t = head_; t != nullptr; previous = t, t = t->next_in_run_queue) {
        if (t != thread) continue;
        if (previous != nullptr)
            previous->next_in_run_queue = t->next_in_run_queue;
        else
            head_ = t->next_in_run_queue;
        if (tail_ == t) tail_ = previous;
        t->next_in_run_queue = nullptr;
        return true;
    }
    return false;
}

bool RunQueue::contains(const Thread* thread) const {
    for (Thread* t = head_; t != nullptr; t = t->next_in_run_queue) {
        if (t == thread) return true;
    }
    return false;
}

unsigned RunQueue::size() const {
    unsigned n = 0;
    for (Thread* t = head_; t != nullptr; t = t->next_in_run_queue) ++n;
    return n;
}

} // namespace kernel
