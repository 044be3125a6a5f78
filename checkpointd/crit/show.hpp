// amber-crit show: a human summary of a checked image, and the names it uses for the values of
// uapi/amber/objects.h and uapi/amber/syscalls.def.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "image_file.hpp"

namespace amber::crit {

// Writes the summary of `checked`, read from the file called `name`, to `out`.
void show_image(std::ostream& out, const std::string& name, const CheckedImage& checked);

// "thread", "port_set", ...; "type N" for a value objects.h does not define.
std::string object_type_name(std::uint32_t type);
// Handle rights as letters r (get state), w (set state), d (destroy), c (duplicate), o (operate),
// '-' where absent, e.g. "rw--o"; unknown bits follow as "+0x20".
std::string rights_letters(std::uint32_t rights);
// Protection as "rwx" with '-' where absent; unknown bits follow as "+0x8".
std::string protection_letters(std::uint32_t protection);
// "stopped,waiting", "exited", "-" for none; unknown bits as "0x8".
std::string thread_flag_names(std::uint32_t flags);
// The system call with this number (rax of a thread stopped in a call), or nullptr.
const char* syscall_name(std::uint64_t number);

} // namespace amber::crit
