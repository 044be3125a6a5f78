// C++ side of the entry stubs in entry.S: route syscalls, exceptions and IRQs to the core.
#include <arch/cpu.hpp>
#include <arch/frame.hpp>
#include <arch/percpu.hpp>

#include "../../core/entry_points.hpp"
#include "../../core/log.hpp"
#include "../../core/panic.hpp"
#include "descriptors.hpp"
#include "timer.hpp"
#include <arch/register_dump.hpp>

namespace arch {

const char* exception_name(uint64_t vector) {
    static const char* const names[32] = {"divide error (#DE)",
                                          "debug (#DB)",
                                          "NMI",
                                          "breakpoint (#BP)",
                                          "overflow (#OF)",
                                          "bound range (#BR)",
                                          "invalid opcode (#UD)",
                                          "device not available (#NM)",
                                          "double fault (#DF)",
                                          "coprocessor overrun",
                                          "invalid TSS (#TS)",
                                          "segment not present (#NP)",
                                          "stack fault (#SS)",
                                          "general protection (#GP)",
                                          "page fault (#PF)",
                                          "reserved",
                                          "x87 error (#MF)",
                                          "alignment check (#AC)",
                                          "machine check (#MC)",
                                          "SIMD error (#XM)",
                                          "virtualization (#VE)",
                                          "control protection (#CP)",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "reserved",
                                          "hypervisor injection (#HV)",
                                          "VMM communication (#VC)",
                                          "security (#SX)",
                                          "reserved"};
    return vector < 32 ? names[vector] : "interrupt";
}

void print_register_dump(const UserFrame& f, uint64_t fault_address) {
    kernel::print("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
    kernel::print("  rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", f.rsi, f.rdi, f.rbp, f.rsp);
    kernel::print("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", f.r8, f.r9, f.r10, f.r11);
    kernel::print("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", f.r12, f.r13, f.r14, f.r15);
    kernel::print("  rip=%016lx rflags=%08lx cs=%02lx ss=%02lx vector=%lu error=%lx\n", f.rip, f.rflags, f.cs, f.ss,
                  f.vector, f.error_code);
    kernel::print("  cr2=%016lx cr3=%016lx\n", fault_address, read_cr3());
}

} // namespace arch

extern "C" [[noreturn]] void arch_syscall_from_user(arch::UserFrame* frame) { kernel::handle_syscall(*frame); }

extern "C" void arch_syscall_entry();

namespace {

// Some hypervisors (the pvm backend behind /dev/kvm on the development machines) do not deliver
// `syscall` to a guest kernel that lives where the host's does: the CPU jumps to the LSTAR address
// but stays in user mode, and the instruction fetch faults there. The registers are then exactly
// those `syscall` leaves (rcx = return rip, r11 = rflags), so the fault is completed as the system
// call it is. On other machines the same fault arises only from a user jump to the entry point;
// completing that as a syscall grants nothing, since the thread chose rcx and r11 itself.
bool is_undelivered_syscall(const arch::UserFrame& frame, uint64_t fault_address) {
    constexpr uint64_t user_instruction_fetch = (1u << 2) | (1u << 4);
    auto entry = reinterpret_cast<uint64_t>(arch_syscall_entry);
    return frame.vector == 14 && frame.rip == entry && fault_address == entry &&
           (frame.error_code & user_instruction_fetch) == user_instruction_fetch;
}

bool reported_undelivered_syscall = false;

} // namespace

extern "C" [[noreturn]] void arch_interrupt_from_user(arch::UserFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector == 14 && is_undelivered_syscall(*frame, arch::read_cr2())) {
        if (!reported_undelivered_syscall) {
            reported_undelivered_syscall = true;
            kernel::log(
                "note: this CPU (hypervisor) does not deliver `syscall`; completing it from the fault it raises");
        }
        frame->rip = frame->rcx;
        frame->rflags = frame->r11;
        kernel::handle_syscall(*frame); // frame->vector stays 14: the return goes through iretq
    }
    if (vector < 32) {
        uint64_t address = vector == 14 ? arch::read_cr2() : 0;
        kernel::handle_user_fault({vector, frame->error_code, address});
    }
    if (vector == arch::vector_timer) {
        arch::acknowledge_interrupt();
        kernel::handle_timer_tick();
    }
    if (vector == arch::vector_console) arch::receive_console_bytes();
    // Spurious and unexpected vectors (e.g. a masked PIC line that fired anyway): ignore.
    kernel::return_to_user();
}

extern "C" void arch_interrupt_from_kernel(arch::UserFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector == arch::vector_timer) {
        arch::acknowledge_interrupt();
        kernel::handle_timer_tick();
        return;
    }
    if (vector == arch::vector_console) arch::receive_console_bytes();
    if (vector >= 32) return;
    uint64_t address = vector == 14 ? arch::read_cr2() : 0;
    kernel::print("KERNEL PANIC: %s in kernel mode at rip=%016lx address=%016lx\n", arch::exception_name(vector),
                  frame->rip, address);
    arch::print_register_dump(*frame, address);
    kernel::panic("unexpected exception in kernel mode");
}
