// Read-only access to a POSIX ustar archive held in memory (the boot archive of user programs).
//
// Only regular files are reported; every header is checked (magic, checksum, size within the
// archive) and a corrupt archive ends the walk with an error instead of reading out of bounds.
#pragma once

#include "bytes.hpp"

namespace lib {

struct UstarEntry {
    char name[257]; // NUL-terminated: up to 155 (prefix) + 1 + 100 (name) characters, "./" removed
    ByteView contents;
};

enum class UstarResult { Entry, End, Corrupt };

class UstarReader {
  public:
    explicit UstarReader(ByteView archive) : archive_(archive) {}
    // Moves to the next regular file; Entry fills `entry`.
    UstarResult next(UstarEntry& entry);

  private:
    ByteView archive_;
    size_t offset_ = 0;
};

// Finds a regular file by name; false if absent or if the archive is corrupt before it.
bool ustar_find(ByteView archive, StringView name, ByteView& contents);

} // namespace lib
