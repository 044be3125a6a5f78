// The kernel object types besides threads and spaces (thread.hpp).
#pragma once

#include <stdint.h>

#include "kernel_heap.hpp"
#include "object.hpp"
#include "thread.hpp"
#include "wait_queue.hpp"

namespace kernel {

class Mutex final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Mutex;
    explicit Mutex(uint64_t id) : Object(object_type, id) {}

    bool locked() const { return owner != nullptr; }

    Thread* owner = nullptr;    // no reference: the owner's exit releases the mutex (mutex.cpp)
    Mutex* next_held = nullptr; // the next mutex in owner->held_mutexes
    WaitQueue waiters;

  private:
    void on_destroy() override;
};

class Cond final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Cond;
    explicit Cond(uint64_t id) : Object(object_type, id) {}

    WaitQueue waiters;         // threads in cond_wait_released
    WaitQueue stopped_waiters; // waiters stopped mid-wait (stop_thread): a signal still reaches them

  private:
    void on_destroy() override;
};

// Ends `waiter`'s wait in cond_wait_released(cond, mutex) as a signal does: its registers become
// mutex_lock(mutex); a waiting thread is woken, a stopped one stays stopped (sync_calls.cpp).
void end_cond_wait(Thread& waiter);
// A stopped thread whose registers say cond_wait_released(cond, mutex) with handles valid in its
// space resumes waiting on the cond at once (true), so no signal can pass it by on its way there.
bool resume_into_cond_wait(Thread& thread);

class Port;

class Region final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Region;
    Region(Space& owner, uint64_t id);
    ~Region() override;

    Space* space; // holds a reference
    uint64_t base = 0;
    uint64_t size = 0;
    uint32_t max_protection = 0;
    Port* keeper = nullptr;          // faults in the region call it; holds a reference
    Region* next_in_space = nullptr; // Space::regions (no reference: a region unlinks itself)

  private:
    void on_destroy() override;
};

class Mapping final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Mapping;
    Mapping(Space& owner, Region& source, uint64_t id) : Object(object_type, id), space(&owner), region(&source) {
        owner.retain();
        source.retain();
        next_in_space = owner.mappings;
        owner.mappings = this;
    }
    ~Mapping() override;

    Space* space;   // where the pages are mapped; holds a reference
    Region* region; // holds a reference
    uint64_t base = 0;
    uint64_t size = 0;
    uint64_t offset = 0;
    uint32_t protection = 0;
    Mapping* next_in_space = nullptr; // Space::mappings (no reference: a mapping unlinks itself)

  private:
    void on_destroy() override;
};

class PortSet final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::PortSet;
    explicit PortSet(uint64_t id) : Object(object_type, id) {}

    uint32_t port_count = 0;
    Port* ports = nullptr;   // attached ports (linked through Port::next_in_set, no references)
    WaitQueue waiters;       // threads in ipc_wait_receive
    WaitQueue acceptors;     // threads waiting to accept a reliable connection (connect_calls.cpp)
    WaitQueue short_waiters; // threads in ipc_wait_receive_short (short_calls.cpp)

  private:
    void on_destroy() override;
};

class Port final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Port;
    explicit Port(uint64_t id) : Object(object_type, id) {}

    uint64_t badge = 0;
    PortSet* port_set = nullptr; // holds a reference
    Port* next_in_set = nullptr;
    WaitQueue senders;       // threads in ipc_send / ipc_call waiting for a receiver
    WaitQueue callers;       // threads in ipc_call waiting for their reply
    WaitQueue connectors;    // threads in ipc_connect_send* waiting for a server to accept
    WaitQueue short_callers; // threads in ipc_call_short waiting for a receiver

    void attach(PortSet* set);

  private:
    void on_destroy() override;
};

class Reference final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Reference;
    explicit Reference(uint64_t id) : Object(object_type, id) {}

    Object* target = nullptr; // holds a reference
    uint32_t rights = 0;      // rights a handle made from it gets

    void set(Object* object, uint32_t object_rights);

  private:
    void on_destroy() override { set(nullptr, 0); }
};

// Gives `mutex` to `thread`, or releases it (nullptr), waking one waiter.
void set_mutex_owner(Mutex& mutex, Thread* thread);
// Releases every mutex `thread` holds; run when it exits.
void release_mutexes(Thread& thread);

} // namespace kernel
