// Kernel objects: a type tag, a write-once id, a reference count, and a destroyed flag.
//
// Handles, references and other objects each hold one reference. destroy() tears an object down
// at once (a destroyed thread stops, a destroyed space loses its memory and threads) while the
// memory of the object itself lives on until the last reference is dropped, so stale handles
// report AMBER_ERR_DESTROYED instead of dangling. Objects are allocated with create<T>() from the
// kernel heap and freed by release() through their virtual destructor; there is no RTTI.
#pragma once

#include <amber/objects.h>
#include <stddef.h>
#include <stdint.h>

namespace kernel {

enum class ObjectType : uint8_t {
    Thread = AMBER_OBJECT_THREAD,
    Space = AMBER_OBJECT_SPACE,
    Region = AMBER_OBJECT_REGION,
    Mapping = AMBER_OBJECT_MAPPING,
    Port = AMBER_OBJECT_PORT,
    PortSet = AMBER_OBJECT_PORT_SET,
    Mutex = AMBER_OBJECT_MUTEX,
    Cond = AMBER_OBJECT_COND,
    Reference = AMBER_OBJECT_REFERENCE,
    Machine = AMBER_OBJECT_MACHINE,
};

class Object {
  public:
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    ObjectType type() const { return type_; }
    uint64_t id() const { return id_; }
    bool destroyed() const { return destroyed_; }

    void retain() { ++references_; }
    uint32_t references() const { return references_; }
    // Drops one reference; the last one frees the object (destroying it first if needed).
    void release();
    // Tears the object down now; idempotent. Holders of references see it as destroyed.
    void destroy();

    // Objects are freed through their virtual destructor; memory goes back to the kernel heap.
    static void operator delete(void* memory, size_t size);

  protected:
    // `id` 0 asks the kernel to choose a fresh one.
    Object(ObjectType type, uint64_t id);
    virtual ~Object() = default;
    // Type-specific teardown, run once by destroy(): release held objects, wake waiters.
    virtual void on_destroy() {}

  private:
    uint64_t id_;
    uint32_t references_ = 1; // the creator's
    ObjectType type_;
    bool destroyed_ = false;
};

// Checked downcast by type tag.
template <typename T>
T* object_cast(Object* object) {
    return object != nullptr && object->type() == T::object_type ? static_cast<T*>(object) : nullptr;
}

// A name for logs: "thread", "space", ...
const char* object_type_name(ObjectType type);

} // namespace kernel
