// Per-CPU state, FPU/SSE enablement and the syscall MSRs.
#include <arch/cpu.hpp>
#include <arch/frame.hpp>
#include <arch/percpu.hpp>

extern "C" void arch_syscall_entry();

namespace arch {
namespace {
PerCpu boot_cpu;
} // namespace

PerCpu& this_cpu() {
    PerCpu* self;
    asm volatile("mov %%gs:0, %0" : "=r"(self));
    return *self;
}

void initialize_cpu(uint64_t kernel_stack_top) {
    boot_cpu.self = &boot_cpu;
    boot_cpu.kernel_stack_top = kernel_stack_top;
    write_msr(msr::gs_base, reinterpret_cast<uint64_t>(&boot_cpu));
    write_msr(msr::kernel_gs_base, 0);

    // SSE for user mode: CR0.MP on, EM and TS off; CR4.OSFXSR | OSXMMEXCPT. The kernel itself is
    // built with -mgeneral-regs-only and never touches the FPU.
    write_cr0((read_cr0() | (1u << 1)) & ~((1u << 2) | (1u << 3)));
    write_cr4(read_cr4() | (1u << 9) | (1u << 10));
    asm volatile("fninit");

    // syscall: kernel CS/SS from STAR[47:32], sysret user CS/SS from STAR[63:48] (+16 / +8).
    write_msr(msr::efer, read_msr(msr::efer) | 1); // SCE
    write_msr(msr::star, (static_cast<uint64_t>(selector::user_code_32) << 48) |
                             (static_cast<uint64_t>(selector::kernel_code) << 32));
    write_msr(msr::lstar, reinterpret_cast<uint64_t>(arch_syscall_entry));
    // Cleared on entry: IF, TF, DF, AC, NT.
    write_msr(msr::fmask, (1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14));
}

} // namespace arch
