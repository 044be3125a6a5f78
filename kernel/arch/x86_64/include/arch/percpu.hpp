// Per-CPU data, reached through GS in kernel mode. The entry stubs use the fixed offsets below.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace arch {

struct PerCpu {
    PerCpu* self;              // 0
    uint64_t frame_top;        // 8: one past the current thread's UserFrame
    uint64_t kernel_stack_top; // 16: this CPU's only kernel stack
    uint64_t user_rsp_scratch; // 24: user rsp during syscall entry
    void* current_thread;      // 32: kernel::Thread*, owned by the core
};
static_assert(offsetof(PerCpu, frame_top) == 8 && offsetof(PerCpu, kernel_stack_top) == 16 &&
              offsetof(PerCpu, user_rsp_scratch) == 24 && offsetof(PerCpu, current_thread) == 32);

PerCpu& this_cpu();

} // namespace arch
