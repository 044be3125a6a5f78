#include "lifecycle.hpp"

#include <arch/platform.hpp>

#include "connection.hpp"
#include "frame_allocator.hpp"
#include "kernel_heap.hpp"
#include "log.hpp"
#include "objects.hpp"
#include "reclaim.hpp"
#include "scheduler.hpp"

namespace kernel {
namespace {

uint64_t live_threads = 0;
uint64_t init_space_id = 0;
int64_t init_status = 0;
bool init_status_set = false;
bool boot_finished = false; // until then no power-off: the first programs are still being started
Space* first_space = nullptr;

void power_off_if_idle() {
    if (live_threads != 0 || !boot_finished) return;
    log("all processes have exited; powering off with status %ld", init_status);
    arch::power_off(static_cast<int>(init_status));
}

void record_exit(Space* space, int64_t status) {
    if (space->id() == init_space_id && !init_status_set) {
        init_status = status;
        init_status_set = true;
    }
}

} // namespace

Thread::Thread(Space& owner, uint64_t id) : Object(object_type, id), space(&owner) { owner.retain(); }

Thread::~Thread() { space->release(); }

void Thread::on_destroy() { exit_thread(this); }

Space::Space(uint64_t id) : Object(object_type, id) {}

bool Space::initialize() { return page_table.create(); }

void Space::on_destroy() {
    for (Space** s = &first_space; *s != nullptr; s = &(*s)->next_in_machine) {
        if (*s == this) {
            *s = next_in_machine;
            break;
        }
    }
    // Children end first, the deepest first: each one ended has no children left, so a deep nest
    // takes no deeper kernel stack than one level.
    while (children != nullptr) {
        Space* leaf = children;
        while (leaf->children != nullptr) leaf = leaf->children;
        leaf->destroy(); // unlinks itself from its parent
    }
    if (parent != nullptr) {
        for (Space** s = &parent->children; *s != nullptr; s = &(*s)->next_sibling) {
            if (*s == this) {
                *s = next_sibling;
                break;
            }
        }
        --parent->child_count;
        parent = nullptr;
    }
    while (threads != nullptr) exit_thread(threads); // the last exit re-enters destroy(): a no-op
    area_count = 0;
    queue_for_reclaim(*this); // its handles and memory: in slices, later
    power_off_if_idle();
}

Space* all_spaces() { return first_space; }

void set_init_space(Space* space) { init_space_id = space->id(); }

void finish_boot() {
    boot_finished = true;
    power_off_if_idle();
}

Space* create_space(lib::StringView name, uint64_t id, Space* parent) {
    if (parent != nullptr && parent->child_count >= Space::max_children) return nullptr;
    Space* space = create<Space>(id);
    if (space == nullptr) return nullptr;
    if (!space->initialize()) {
        space->release();
        return nullptr;
    }
    size_t n = name.size < Space::max_name - 1 ? name.size : Space::max_name - 1;
    for (size_t i = 0; i < n; ++i) space->name[i] = name.data[i];
    space->next_in_machine = first_space;
    first_space = space;
    if (parent != nullptr) {
        space->parent = parent;
        space->next_sibling = parent->children;
        parent->children = space;
        ++parent->child_count;
    }
    return space;
}

Thread* create_thread(Space& space, uint64_t id) {
    if (space.destroyed() || space.thread_count >= Space::max_threads) return nullptr;
    Thread* thread = create<Thread>(space, id);
    if (thread == nullptr) return nullptr;
    arch::initialize_user_context(thread->context, 0, 0, 0, 0);
    thread->retain(); // the space's thread list
    thread->next_in_space = space.threads;
    space.threads = thread;
    ++space.thread_count;
    ++live_threads;
    return thread;
}

void exit_thread(Thread* thread) {
    if (thread->run_state == RunState::Exited) return;
    Space* space = thread->space;
    space->retain();          // releasing the thread may drop the last other reference
    end_connections(*thread); // its peers see DISCONNECTED
    release_mutexes(*thread); // each wakes a waiter: an owner that is gone owns nothing
    unschedule(thread);
    for (Thread** t = &space->threads; *t != nullptr; t = &(*t)->next_in_space) {
        if (*t == thread) {
            *t = thread->next_in_space;
            break;
        }
    }
    --space->thread_count;
    --live_threads;
    bool last = space->thread_count == 0;
    if (last) record_exit(space, 0);
    thread->release(); // the thread list's reference; `thread` may be gone now
    if (last && !space->destroyed()) {
        log("process %lu (%s) exited", space->id(), space->name);
        space->destroy();
    }
    space->release();
    power_off_if_idle();
}

void exit_space(Space* space, int64_t status) {
    record_exit(space, status);
    log("process %lu (%s) exited with status %ld", space->id(), space->name, status);
    space->retain();
    space->destroy();
    space->release();
}

} // namespace kernel
