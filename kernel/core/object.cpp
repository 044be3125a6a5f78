#include "object.hpp"

#include "kernel_heap.hpp"
#include "panic.hpp"

namespace kernel {
namespace {
uint64_t next_object_id = 1;
} // namespace

// Kernel-chosen ids count up past every explicit id seen, so they never repeat one given before
// (explicit ids are the creator's business: a restorer gives objects their original ids).
Object::Object(ObjectType type, uint64_t id) : id_(id != 0 ? id : next_object_id++), type_(type) {
    if (id != 0 && id >= next_object_id && id != ~uint64_t{0}) next_object_id = id + 1;
}

void Object::release() {
    KERNEL_ASSERT(references_ > 0);
    if (--references_ > 0) return;
    if (!destroyed_) {
        destroy(); // its final release frees the object
        return;
    }
    delete this;
}

void Object::destroy() {
    if (destroyed_) return;
    destroyed_ = true;
    retain(); // on_destroy may drop references that lead back here
    on_destroy();
    release(); // frees the object if that was the last reference
}

void Object::operator delete(void* memory, size_t size) { heap().release(memory, size); }

const char* object_type_name(ObjectType type) {
    switch (type) {
    case ObjectType::Thread: return "thread";
    case ObjectType::Space: return "space";
    case ObjectType::Region: return "region";
    case ObjectType::Mapping: return "mapping";
    case ObjectType::Port: return "port";
    case ObjectType::PortSet: return "port set";
    case ObjectType::Mutex: return "mutex";
    case ObjectType::Cond: return "cond";
    case ObjectType::Reference: return "reference";
    case ObjectType::Machine: return "machine";
    }
    return "unknown";
}

} // namespace kernel
