// The Boost.Test module of the host unit tests, and the host replacements for kernel services
// the code under test links against: kernel::panic throws std::runtime_error (so a test can
// BOOST_CHECK_THROW a kernel bug check), kernel::print/vprint/log write to the fake console; and
// the shared physical window that feeds kernel::heap().
#define BOOST_TEST_DYN_LINK
#define BOOST_TEST_MODULE amber_host_unit_tests
#include <boost/test/unit_test.hpp>

#include "host_support.hpp"

#include <stdarg.h>

#include <arch/paging.hpp>
#include <arch/platform.hpp>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "../../kernel/core/frame_allocator.hpp"
#include "../../kernel/core/kernel_heap.hpp"
#include "../../kernel/core/log.hpp"
#include "../../kernel/core/panic.hpp"
#include "../../kernel/lib/format.hpp"

// Under ASan/UBSan, report an error by abort() so Boost.Test fails the running test case (with the
// sanitizer's report above it) and goes on with the rest, instead of the process exiting silently.
extern "C" const char* __asan_default_options() { return "abort_on_error=1"; }
extern "C" const char* __ubsan_default_options() { return "abort_on_error=1:print_stacktrace=1"; }

namespace {

class StringSink final : public lib::FormatSink {
  public:
    void write(const char* bytes, size_t length) override { text.append(bytes, length); }
    std::string text;
};

alignas(4096) uint8_t physical_memory[host_test::kernel_window_pages * 4096];
uint64_t frame_bitmap[(host_test::kernel_window_pages + 63) / 64];

} // namespace

namespace host_test {

bool read_file(const std::string& path, std::vector<uint8_t>& contents) {
    contents.clear();
    std::ifstream file(path, std::ios::binary);
    if (!file) return false;
    contents.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    return !file.bad();
}

std::string take_console_output() {
    std::string output;
    output.swap(arch::host::console_output());
    return output;
}

void use_kernel_heap() {
    static bool ready = false;
    if (ready) return;
    ready = true;
    arch::physical_window_base = reinterpret_cast<uint64_t>(physical_memory);
    kernel::frames().initialize(frame_bitmap, sizeof physical_memory);
    kernel::frames().release_range(0, sizeof physical_memory);
}

const uint8_t* kernel_window() { return physical_memory; }

KernelHeapFixture::KernelHeapFixture() {
    use_kernel_heap();
    blocks_at_start = kernel::heap().blocks_in_use();
}

KernelHeapFixture::~KernelHeapFixture() {
    BOOST_TEST(kernel::heap().blocks_in_use() == blocks_at_start, "kernel heap blocks leaked by the test case");
}

} // namespace host_test

namespace kernel {

void panic(const char* format, ...) {
    StringSink sink;
    va_list args;
    va_start(args, format);
    lib::vformat(sink, format, args);
    va_end(args);
    print("\nKERNEL PANIC: %s\n", sink.text.c_str());
    throw std::runtime_error("KERNEL PANIC: " + sink.text);
}

} // namespace kernel

BOOST_AUTO_TEST_SUITE(host_support)

BOOST_AUTO_TEST_CASE(panic_throws_and_prints_its_message) {
    host_test::take_console_output();
    try {
        kernel::panic("frame %d of %s", 7, "test");
        BOOST_FAIL("kernel::panic returned");
    } catch (const std::runtime_error& error) {
        BOOST_TEST(std::string(error.what()) == "KERNEL PANIC: frame 7 of test");
    }
    BOOST_TEST(host_test::take_console_output() == "\nKERNEL PANIC: frame 7 of test\n");
}

BOOST_AUTO_TEST_CASE(log_prefixes_and_ends_the_line) {
    host_test::take_console_output();
    kernel::log("booted by %s", "pvh");
    kernel::print("%u%%", 50u);
    BOOST_TEST(host_test::take_console_output() == "[amber] booted by pvh\n50%");
}

BOOST_AUTO_TEST_SUITE_END()
