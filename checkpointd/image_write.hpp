// Writing an image: header and process record through nanopb, then every non-zero page of the
// stopped process's anonymous memory, streamed in runs straight from memory_read into the file
// (never the whole image in memory), then statistics and the trailing CRC-32.
#pragma once

#include <amber/objects.h>

#include "amber_image.pb.h"
#include "store.hpp"

namespace checkpointd {

struct WriteResult {
    uint64_t bytes = 0; // whole file
    uint64_t pages_scanned = 0, pages_zero = 0, pages_written = 0;
};

// Writes the image of the process whose space is `space` (its threads stopped) to file `name`.
// `image` holds header and process and gets the statistics filled in. nullptr or an error.
const char* write_image(Store& store, const char* name, amber_handle_t space, amber_image_Image& image,
                        uint64_t frozen_since_us, WriteResult& result);

} // namespace checkpointd
