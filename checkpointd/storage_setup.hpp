// Chooses where images live: the disk (FAT32 through the block and file servers) when the
// machine has one, else memory.
#pragma once

#include "store.hpp"

namespace checkpointd {

Store& open_storage(bool force_memory);

} // namespace checkpointd
