// The saved user-mode register state of a thread, in the layout the entry stubs push.
//
// Each thread owns one UserFrame; while a thread runs, TSS.rsp0 and the per-CPU frame_top point
// just past it, so the CPU and the entry stubs save user state straight into the thread object.
// The kernel stack holds nothing of a thread across a return to user mode.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace arch {

// `vector` is the interrupt vector that entered the kernel, or entry_vector_syscall.
constexpr uint64_t entry_vector_syscall = 0x100;

struct alignas(16) UserFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; // as pushed by the CPU
};
static_assert(sizeof(UserFrame) == 176 && sizeof(UserFrame) % 16 == 0);
static_assert(offsetof(UserFrame, vector) == 120 && offsetof(UserFrame, cs) == 144);

// FXSAVE image: x87, MMX and SSE state.
struct alignas(16) FpuState {
    uint8_t bytes[512];
};

// A user thread's complete CPU state: registers, FPU/SSE, FS and GS bases.
struct ThreadContext {
    UserFrame frame;
    FpuState fpu;
    uint64_t fs_base = 0;
    uint64_t gs_base = 0;
};

namespace selector {
constexpr uint16_t kernel_code = 0x10;
constexpr uint16_t kernel_data = 0x18;
constexpr uint16_t user_code_32 = 0x20 | 3; // sysret derives user_data and user_code from it
constexpr uint16_t user_data = 0x28 | 3;
constexpr uint16_t user_code = 0x30 | 3;
constexpr uint16_t tss = 0x40;
} // namespace selector

// True if `address` lies in the canonical lower half, where user mode lives.
constexpr bool is_user_address(uint64_t address) { return address < 0x0000800000000000ull; }

// Length of the `syscall` instruction: a call made again starts this far before the return rip.
constexpr uint64_t syscall_instruction_length = 2;

// The rflags bits user mode may set: CF PF AF ZF SF TF DF OF.
constexpr uint64_t user_rflags_mask = 0xcd5;

constexpr uint64_t rflags_interrupt_enable = 1u << 9;
constexpr uint64_t rflags_reserved_one = 1u << 1;

// A fresh user context: it starts at `entry` with rsp = stack_top, rdi = arg0, rsi = arg1, a freshly
// initialised FPU (FCW 0x37f, MXCSR 0x1f80) and no FS/GS base. Plain data, shared with the host fake.
inline void initialize_user_context(ThreadContext& context, uint64_t entry, uint64_t stack_top, uint64_t arg0,
                                    uint64_t arg1) {
    context = ThreadContext{};
    context.frame.rip = entry;
    context.frame.rsp = stack_top;
    context.frame.rdi = arg0;
    context.frame.rsi = arg1;
    context.frame.cs = selector::user_code;
    context.frame.ss = selector::user_data;
    context.frame.rflags = rflags_interrupt_enable | rflags_reserved_one;
    context.frame.vector = 0;    // not a syscall frame: leave through iretq
    context.fpu.bytes[0] = 0x7f; // FCW 0x037f
    context.fpu.bytes[1] = 0x03;
    context.fpu.bytes[24] = 0x80; // MXCSR 0x1f80
    context.fpu.bytes[25] = 0x1f;
}

} // namespace arch
