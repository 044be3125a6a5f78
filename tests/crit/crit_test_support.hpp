// Helpers of the amber-crit tests: a sample image built with libprotobuf, its file bytes made
// independently of the code under test, temporary directories and running commands.
#pragma once

#include <cstdint>
#include <string>

#include "amber_image.pb.h"

namespace crit_test {

// A process as checkpointd would write it: two threads (one waiting in mutex_lock), one object of
// every kind, three handles (one external), two memory ranges, and `pages` pages of data in two runs
// (the first run holds one page, the second the rest; `pages` 0 means no runs).
amber::image::Image sample_image(unsigned pages = 3);

// The image file as the format defines it, without amber-crit's code: `image` serialized with
// libprotobuf (its checksum field cleared), then 0x7D and the CRC-32 (bitwise, LSB first) little-endian.
std::string file_bytes(amber::image::Image image);
std::uint32_t reference_crc32(const std::string& bytes);

// A fresh directory under /tmp, removed with everything in it when the object goes.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path(const std::string& name) const { return path_ + "/" + name; }
    std::string write(const std::string& name, const std::string& bytes) const; // returns the path

  private:
    std::string path_;
};

std::string read_file(const std::string& path);

struct CommandResult {
    int status;         // exit status, or -1 if it did not exit normally
    std::string output; // stdout and stderr
};
// Runs `command` with /bin/sh from the repository root (where the harness runs the tests).
CommandResult run(const std::string& command);

// The amber-crit binary: $AMBER_CRIT, else build/tools/amber-crit.
std::string crit_binary();

} // namespace crit_test
