#include "handle_table.hpp"

#include "kernel_heap.hpp"

namespace kernel {

HandleEntry* HandleTable::slot(amber_handle_t handle, bool allocate) {
    if (handle == AMBER_HANDLE_NONE || handle >= capacity) return nullptr;
    HandleEntry*& page = pages_[handle / entries_per_page];
    if (page == nullptr) {
        if (!allocate) return nullptr;
        page = static_cast<HandleEntry*>(heap().allocate(sizeof(HandleEntry) * entries_per_page));
        if (page == nullptr) return nullptr;
    }
    return &page[handle % entries_per_page];
}

amber_status HandleTable::insert(Object* object, uint32_t rights, amber_handle_t& handle) {
    for (amber_handle_t h = 1; h < capacity; ++h) {
        HandleEntry* page = pages_[h / entries_per_page];
        if (page != nullptr && page[h % entries_per_page].object != nullptr) continue;
        amber_status status = install(h, object, rights);
        if (status == AMBER_OK) handle = h;
        return status;
    }
    return AMBER_ERR_LIMIT;
}

amber_status HandleTable::install(amber_handle_t handle, Object* object, uint32_t rights) {
    if (handle == AMBER_HANDLE_NONE || handle >= capacity) return AMBER_ERR_INVALID_ARGUMENT;
    HandleEntry* entry = slot(handle, true);
    if (entry == nullptr) return AMBER_ERR_NO_MEMORY;
    if (entry->object != nullptr) return AMBER_ERR_EXISTS;
    object->retain();
    entry->object = object;
    entry->rights = rights & AMBER_RIGHTS_ALL;
    ++count_;
    return AMBER_OK;
}

HandleEntry* HandleTable::find(amber_handle_t handle) const {
    if (handle == AMBER_HANDLE_NONE || handle >= capacity) return nullptr;
    HandleEntry* page = pages_[handle / entries_per_page];
    if (page == nullptr || page[handle % entries_per_page].object == nullptr) return nullptr;
    return &page[handle % entries_per_page];
}

bool HandleTable::remove(amber_handle_t handle) {
    HandleEntry* entry = find(handle);
    if (entry == nullptr) return false;
    Object* object = entry->object;
    *entry = HandleEntry{};
    --count_;
    object->release(); // last: may re-enter this table through the object's teardown
    return true;
}

amber_handle_t HandleTable::next_used(amber_handle_t from) const {
    for (amber_handle_t h = from == 0 ? 1 : from; h < capacity; ++h) {
        HandleEntry* page = pages_[h / entries_per_page];
        if (page == nullptr) {
            h = (h / entries_per_page + 1) * entries_per_page - 1;
            continue;
        }
        if (page[h % entries_per_page].object != nullptr) return h;
    }
    return AMBER_HANDLE_NONE;
}

void HandleTable::clear() {
    for (amber_handle_t h = next_used(1); h != AMBER_HANDLE_NONE; h = next_used(h + 1)) remove(h);
    for (HandleEntry*& page : pages_) {
        if (page != nullptr) heap().release(page, sizeof(HandleEntry) * entries_per_page);
        page = nullptr;
    }
}

} // namespace kernel
