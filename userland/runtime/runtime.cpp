#include "runtime.hpp"

#include <amber/abi.h>
#include <stdarg.h>

#include "../../kernel/lib/format.hpp"

extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace amber {
namespace {

// Thread-local block of the main thread: FS points here. Slot 0 is the block's own address (the
// x86_64 TLS ABI) and slot 5 (%fs:0x28) the stack-protector canary.
alignas(64) uint64_t main_thread_block[8];

class Buffer final : public lib::FormatSink {
  public:
    void write(const char* bytes, size_t length) override {
        for (size_t i = 0; i < length; ++i) {
            if (used_ == sizeof data_) flush();
            data_[used_++] = bytes[i];
        }
    }
    void flush() {
        if (used_ > 0) sys::debug_write(data_, used_);
        used_ = 0;
    }

  private:
    char data_[256];
    size_t used_ = 0;
};

struct ThreadStart {
    void (*function)(void*);
    void* argument;
};

[[noreturn]] void thread_trampoline(ThreadStart* start) {
    start->function(start->argument);
    sys::thread_exit();
    __builtin_unreachable();
}

} // namespace

void write(const char* text) {
    size_t n = 0;
    while (text[n] != '\0') ++n;
    sys::debug_write(text, n);
}

void print(const char* format, ...) {
    Buffer buffer;
    va_list args;
    va_start(args, format);
    lib::vformat(buffer, format, args);
    va_end(args);
    buffer.flush();
}

void exit(int64_t status) {
    sys::process_exit(status);
    __builtin_unreachable();
}

uint64_t ticks() { return sys::clock_ticks().value; }

uint64_t start_thread(void (*function)(void*), void* argument, void* stack, size_t stack_size, amber_status* status) {
    auto top = (reinterpret_cast<uint64_t>(stack) + stack_size) & ~uint64_t{15};
    top -= sizeof(ThreadStart) + 15;
    top &= ~uint64_t{15};
    auto* start = reinterpret_cast<ThreadStart*>(top);
    start->function = function;
    start->argument = argument;
    // Enter as if called: rsp + 8 is 16-byte aligned at the first instruction.
    SyscallReturn r =
        sys::thread_start(AMBER_HANDLE_SELF_SPACE, reinterpret_cast<void*>(thread_trampoline), top - 8, start);
    if (status != nullptr) *status = r.status;
    return r.ok() ? r.value : 0;
}

} // namespace amber

extern "C" [[noreturn]] void amber_runtime_start(int argc, char** argv) {
    amber::main_thread_block[0] = reinterpret_cast<uint64_t>(amber::main_thread_block);
    amber::main_thread_block[5] = 0x2f8a6d3c5e1b7a93ull ^ amber::ticks();
    amber::sys::thread_set_fs_base(amber::main_thread_block);
    for (auto constructor = __init_array_start; constructor != __init_array_end; ++constructor) (*constructor)();
    amber::exit(main(argc, argv));
}
