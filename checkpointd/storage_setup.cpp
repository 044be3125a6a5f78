#include "storage_setup.hpp"

#include "../userland/runtime/runtime.hpp"

namespace checkpointd {
namespace {

MemoryStore memory_store;

} // namespace

Store& open_storage(bool force_memory) {
    (void)force_memory;
    amber::print("checkpointd: no disk support yet; images are kept in memory until power-off\n");
    return memory_store;
}

} // namespace checkpointd
