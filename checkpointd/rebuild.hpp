// Recreating a process's objects from its image record (restore.cpp streams the memory in).
#pragma once

#include <amber/objects.h>

#include "../userland/runtime/syscalls.hpp"
#include "amber_image.pb.h"

namespace checkpointd {

struct RestoreServices;

class Rebuilder {
  public:
    // Creates the space named `name` (the image's header.program: the space's name when it was
    // checkpointed), its memory areas (empty), every object with its original id, port
    // attachments, references and mutex states, and installs the handle table. Threads are
    // created stopped. nullptr or an error (call abandon() then).
    const char* build(const char* name, const amber_image_Process& process, const RestoreServices& services);
    // Fills memory of the new space (page data from the image).
    bool write_memory(uint64_t address, const void* data, uint64_t length);
    // Sets the process's clock to go on from `checkpoint_clock` (ticks it read when it stopped),
    // then loads every thread's registers and FPU state and lets it run.
    const char* start_threads(const amber_image_Process& process, uint64_t checkpoint_clock);
    // Destroys what was built.
    void abandon();
    // Closes checkpointd's handles to the new objects except the space's, which it returns.
    amber_handle_t finish();

  private:
    struct Local {
        uint64_t id;
        uint32_t type;
        amber_handle_t handle;
    };
    static constexpr unsigned max_locals = 400;

    const char* create_objects(const amber_image_Process& process);
    const char* link_objects(const amber_image_Process& process);
    const char* install_handles(const amber_image_Process& process, const RestoreServices& services);
    const char* connect_threads(const amber_image_Process& process);
    bool remember(uint64_t id, uint32_t type, amber::SyscallReturn created);
    amber_handle_t find(uint64_t id, uint32_t type) const;

    Local locals_[max_locals];
    unsigned local_count_ = 0;
    amber_handle_t space_ = 0;
};

} // namespace checkpointd
