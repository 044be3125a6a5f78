// Human-readable reports of CPU exceptions.
#pragma once

#include <arch/frame.hpp>

namespace arch {

const char* exception_name(uint64_t vector);
// Prints every register of `frame`, the fault address and CR3, one group per line.
void print_register_dump(const UserFrame& frame, uint64_t fault_address);

} // namespace arch
