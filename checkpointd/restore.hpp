// Putting a process back together from an image: check it whole first (trailer checksum,
// magic, versions, features), then recreate the space, its memory, every object with its original
// id, the handle table at its original values (the supervisor rewired to this checkpointd), the
// memory contents, and last the threads, which resume in the calls or instructions they were in.
// Nothing is left behind when any step fails.
#pragma once

#include <amber/objects.h>

#include "amber_image.pb.h"
#include "store.hpp"

namespace checkpointd {

struct Restored {
    amber_handle_t space = 0; // the new process's space, all rights
    uint64_t space_id = 0;
    char arguments[128] = {};
    uint64_t pages = 0; // pages written into memory
};

// The services a restored process is reconnected to.
struct RestoreServices {
    amber_handle_t supervisor_port; // installed where the image had its external "supervisor"
};

// Checks the image file's size and trailing CRC-32. nullptr, or a message naming the problem.
const char* check_image(Store& store, const char* name, uint64_t& file_size);
// check_image, then decodes the whole image (skipping page data) and checks its header; `header`
// stays valid until the next image is decoded.
const char* verify_image(Store& store, const char* name, uint64_t& file_size, const amber_image_Header*& header);

// Restores `name` into a new process whose threads run when this returns nullptr.
const char* restore_image(Store& store, const char* name, const RestoreServices& services, Restored& restored);

} // namespace checkpointd
