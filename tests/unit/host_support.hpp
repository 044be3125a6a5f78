// Shared helpers for the host unit tests (tests/unit): reading files, the kernel replacements
// that host_support.cpp provides, and the one kernel heap (physical window) every test shares.
#pragma once

#include <stddef.h>
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

// kernel::heap() (create<T>(), Object's operator delete) takes pages from kernel::frames(), which
// reaches "physical" memory through arch::physical_window_base. The first call points both at a
// host buffer of kernel_window_pages free pages for the rest of the run; later calls do nothing.
// frames() must not be re-initialized afterwards: the heap keeps its pages on free lists forever.
constexpr size_t kernel_window_pages = 256;
void use_kernel_heap();
// The host buffer behind the physical window (valid after use_kernel_heap()).
const uint8_t* kernel_window();

// For test cases that create kernel objects: sets up the heap, and at the end checks that the
// test freed every block it allocated (so every object reached its last release).
struct KernelHeapFixture {
    KernelHeapFixture();
    ~KernelHeapFixture();
    size_t blocks_at_start;
};

} // namespace host_test
