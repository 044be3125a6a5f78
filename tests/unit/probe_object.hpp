// A kernel::Object for tests of the object core and the handle table: it records into a
// ProbeRecord when its on_destroy() runs and when it is freed, and can run a hook from on_destroy()
// (to drop other references, as real teardown does). Allocate it with kernel::create<ProbeObject>()
// after host_test::use_kernel_heap(): its last release returns the memory to kernel::heap().
#pragma once

#include <stdint.h>

#include <algorithm>
#include <functional>
#include <string>

#include "../../kernel/core/object.hpp"

namespace host_test {

// What happened to one or more probes, in order: 'D' for on_destroy, 'F' for the destructor.
struct ProbeRecord {
    std::string events;
    int destroyed_flag_during_teardown = 0; // on_destroy runs that saw destroyed() == true
    int destroys() const { return static_cast<int>(std::count(events.begin(), events.end(), 'D')); }
    int frees() const { return static_cast<int>(std::count(events.begin(), events.end(), 'F')); }
};

class ProbeObject final : public kernel::Object {
  public:
    // A type no real test object uses, so object_cast<ProbeObject> can be told apart.
    static constexpr kernel::ObjectType object_type = kernel::ObjectType::Cond;

    ProbeObject(ProbeRecord& record, uint64_t id = 0) : Object(object_type, id), record_(record) {}
    ~ProbeObject() override { record_.events += 'F'; }

    std::function<void()> on_destroy_hook;

  private:
    void on_destroy() override {
        record_.events += 'D';
        if (destroyed()) ++record_.destroyed_flag_during_teardown;
        if (on_destroy_hook) on_destroy_hook();
    }

    ProbeRecord& record_;
};

} // namespace host_test
