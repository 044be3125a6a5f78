// Image files on the disk, through the file server fsd (file protocol, userland/lib/protocols.hpp).
#pragma once

#include <amber/objects.h>

#include "store.hpp"

namespace checkpointd {

class RemoteStore final : public Store {
  public:
    // Asks fsd for its free space: nullptr when it serves a mounted FAT32 volume, else why not.
    const char* connect(amber_handle_t port, uint64_t& free_bytes);

    const char* create(const char* name) override;
    const char* write(const char* name, uint64_t offset, const void* data, size_t length) override;
    const char* read(const char* name, uint64_t offset, void* buffer, size_t length, size_t& done) override;
    const char* size(const char* name, uint64_t& size) override;
    const char* remove(const char* name) override;
    const char* replace(const char* from, const char* to) override;
    const char* flush() override;
    const char* list(bool (*visit)(void*, const char*, uint64_t), void* context) override;
    const char* kind() const override { return "disk"; }

  private:
    amber_handle_t port_ = 0;
};

} // namespace checkpointd
