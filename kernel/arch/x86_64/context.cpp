#include <arch/context.hpp>
#include <arch/cpu.hpp>
#include <arch/percpu.hpp>

#include "descriptors.hpp"

extern "C" [[noreturn]] void arch_return_to_user(const arch::UserFrame* frame);

namespace arch {
void save_user_state(ThreadContext& current) {
    asm volatile("fxsave64 %0" : "=m"(current.fpu));
    current.fs_base = read_msr(msr::fs_base);
    current.gs_base = read_msr(msr::kernel_gs_base);
}

void switch_context(ThreadContext* previous, ThreadContext& next) {
    if (previous == &next) return;
    if (previous != nullptr) save_user_state(*previous);
    asm volatile("fxrstor64 %0" : : "m"(next.fpu));
    write_msr(msr::fs_base, next.fs_base);
    write_msr(msr::kernel_gs_base, next.gs_base); // swapped into GS on the way out
    auto top = reinterpret_cast<uint64_t>(&next.frame + 1);
    this_cpu().frame_top = top;
    set_interrupt_frame_top(top);
}

void set_current_fs_base(ThreadContext& current, uint64_t base) {
    current.fs_base = base;
    write_msr(msr::fs_base, base);
}

void enter_user(ThreadContext& current) {
    UserFrame& f = current.frame;
    // Never hand the CPU a frame that would fault in kernel mode on the way out.
    f.cs = selector::user_code;
    f.ss = selector::user_data;
    f.rflags = (f.rflags & user_rflags_mask) | rflags_interrupt_enable | rflags_reserved_one;
    // iretq/sysret to a non-canonical rip would fault in kernel mode: send such a thread to address
    // 0 instead, where it takes an ordinary user-mode page fault.
    bool canonical = f.rip < 0x0000800000000000ull || f.rip >= 0xffff800000000000ull;
    if (!canonical) f.rip = 0;
    if (!is_user_address(f.rip) || !is_user_address(f.rsp)) f.vector = 0; // leave through iretq
    arch_return_to_user(&f);
}

} // namespace arch
