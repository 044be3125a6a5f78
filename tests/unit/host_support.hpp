// Shared helpers for the host unit tests (tests/unit): reading files and the kernel replacements
// that host_support.cpp provides.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

#include "../../kernel/lib/bytes.hpp"

namespace host_test {

// The whole file, or an empty vector (and false) if it cannot be read.
bool read_file(const std::string& path, std::vector<uint8_t>& contents);

inline lib::ByteView view_of(const std::vector<uint8_t>& bytes) { return {bytes.data(), bytes.size()}; }

// What the kernel printed (kernel::print/log/panic) since the last call, which clears it.
std::string take_console_output();

} // namespace host_test
