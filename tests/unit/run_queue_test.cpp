// kernel/core/run_queue.cpp: FIFO order, removal at the head, middle and tail (and that the queue
// stays consistent afterwards), contains, size, and the panic on pushing an already-queued thread.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <array>
#include <optional>
#include <stdexcept>
#include <vector>

#include "../../kernel/core/run_queue.hpp"
#include "../../kernel/core/wait_queue.hpp"

namespace {

using kernel::RunQueue;
using kernel::Thread;

// Threads are built in place (not on the kernel heap); thread i has object id i + 1 (0 would ask
// the kernel to choose one), and drain() reports indices.
struct RunQueueFixture {
    RunQueueFixture() {
        for (size_t i = 0; i < slots.size(); ++i) slots[i].emplace(space, i + 1);
        for (size_t i = 0; i < slots.size(); ++i) threads[i] = &*slots[i];
    }
    // Pops everything; the ids in order.
    std::vector<uint64_t> drain() {
        std::vector<uint64_t> ids;
        while (Thread* thread = queue.pop_front()) {
            BOOST_TEST(thread->next_in_run_queue == nullptr);
            ids.push_back(thread->id() - 1);
        }
        BOOST_TEST(queue.empty());
        return ids;
    }
    void push(std::initializer_list<size_t> indices) {
        for (size_t i : indices) queue.push_back(threads[i]);
    }

    kernel::Space space{1000};
    std::array<std::optional<Thread>, 5> slots;
    std::array<Thread*, 5> threads{};
    RunQueue queue;
};

using Ids = std::vector<uint64_t>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(run_queue, RunQueueFixture)

BOOST_AUTO_TEST_CASE(empty_queue) {
    BOOST_TEST(queue.empty());
    BOOST_TEST(queue.size() == 0u);
    BOOST_TEST(queue.pop_front() == nullptr);
    BOOST_TEST(!queue.contains(threads[0]));
    BOOST_TEST(!queue.remove(threads[0]));
}

BOOST_AUTO_TEST_CASE(first_in_first_out) {
    push({3, 1, 4, 0});
    BOOST_TEST(!queue.empty());
    BOOST_TEST(queue.size() == 4u);
    BOOST_TEST(drain() == (Ids{3, 1, 4, 0}), boost::test_tools::per_element());
    push({2});
    BOOST_TEST(queue.pop_front() == threads[2]);
    BOOST_TEST(queue.empty());
}

BOOST_AUTO_TEST_CASE(popped_threads_can_be_queued_again) {
    push({0, 1});
    Thread* first = queue.pop_front();
    queue.push_back(first);
    BOOST_TEST(drain() == (Ids{1, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(remove_head) {
    push({0, 1, 2});
    BOOST_TEST(queue.remove(threads[0]));
    BOOST_TEST(threads[0]->next_in_run_queue == nullptr);
    BOOST_TEST(!queue.contains(threads[0]));
    BOOST_TEST(queue.size() == 2u);
    push({0});
    BOOST_TEST(drain() == (Ids{1, 2, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(remove_middle) {
    push({0, 1, 2});
    BOOST_TEST(queue.remove(threads[1]));
    BOOST_TEST(threads[1]->next_in_run_queue == nullptr);
    push({3});
    BOOST_TEST(drain() == (Ids{0, 2, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(remove_tail_keeps_appending_correctly) {
    push({0, 1, 2});
    BOOST_TEST(queue.remove(threads[2]));
    push({3, 2});
    BOOST_TEST(drain() == (Ids{0, 1, 3, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(remove_the_only_thread) {
    push({4});
    BOOST_TEST(queue.remove(threads[4]));
    BOOST_TEST(queue.empty());
    BOOST_TEST(queue.pop_front() == nullptr);
    push({1});
    BOOST_TEST(drain() == (Ids{1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(remove_absent_thread) {
    push({0, 1});
    BOOST_TEST(!queue.remove(threads[3]));
    BOOST_TEST(queue.remove(threads[1]));
    BOOST_TEST(!queue.remove(threads[1]));
    BOOST_TEST(drain() == (Ids{0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(contains_and_size) {
    push({0, 2, 4});
    BOOST_TEST(queue.size() == 3u);
    for (size_t i = 0; i < threads.size(); ++i) {
        BOOST_TEST_INFO("thread " << i);
        BOOST_TEST(queue.contains(threads[i]) == (i % 2 == 0));
    }
    queue.pop_front();
    BOOST_TEST(!queue.contains(threads[0]));
    BOOST_TEST(queue.size() == 2u);
}

BOOST_AUTO_TEST_CASE(pushing_a_queued_thread_panics) {
    push({0});
    BOOST_CHECK_THROW(queue.push_back(threads[0]), std::runtime_error); // the only one (head and tail)
    push({1, 2});
    BOOST_CHECK_THROW(queue.push_back(threads[0]), std::runtime_error); // head
    BOOST_CHECK_THROW(queue.push_back(threads[1]), std::runtime_error); // middle
    BOOST_CHECK_THROW(queue.push_back(threads[2]), std::runtime_error); // tail
    BOOST_TEST(drain() == (Ids{0, 1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// RunQueue and WaitQueue are one template (kernel/core/thread_fifo.hpp) over different links: the
// cases above cover it; this one checks that a WaitQueue uses next_waiter and leaves the run-queue
// link alone, so a thread's two memberships never disturb each other.
BOOST_FIXTURE_TEST_CASE(wait_queue_uses_its_own_link, RunQueueFixture) {
    kernel::WaitQueue waiters;
    push({0, 1});
    waiters.push_back(threads[1]);
    waiters.push_back(threads[2]);
    BOOST_TEST(threads[1]->next_waiter == threads[2]);
    BOOST_TEST(threads[0]->next_in_run_queue == threads[1]); // untouched
    BOOST_TEST(waiters.size() == 2u);
    BOOST_TEST(waiters.pop_front() == threads[1]);
    BOOST_TEST(drain() == (Ids{0, 1}));
    BOOST_TEST(waiters.pop_front() == threads[2]);
    BOOST_TEST(waiters.empty());
}
