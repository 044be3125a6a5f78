/* Kernel entry and exit: syscall, interrupts and exceptions, and the one way back to user mode.
 *
 * Interrupt execution model: user state is saved into the current thread's UserFrame (TSS.rsp0
 * and PerCpu.frame_top point one past it), then the handler runs on this CPU's single kernel
 * stack and never returns; it leaves through arch_return_to_user(frame), which discards the
 * kernel stack. Interrupts taken in kernel mode (only the idle loop enables them, plus faults)
 * save on the kernel stack and return normally.
 */
#define PERCPU_FRAME_TOP 8
#define PERCPU_KERNEL_STACK_TOP 16
#define PERCPU_USER_RSP 24
#define FRAME_VECTOR 120
#define FRAME_CS 144
#define VECTOR_SYSCALL 0x100
#define USER_DATA (0x28 | 3) /* arch::selector::user_data */
#define USER_CODE (0x30 | 3) /* arch::selector::user_code */

.macro PUSH_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm

    .text
    .global arch_syscall_entry
    .align 16
arch_syscall_entry:                      /* rcx = user rip, r11 = user rflags; IF cleared by FMASK */
    swapgs
    mov %rsp, %gs:PERCPU_USER_RSP
    mov %gs:PERCPU_FRAME_TOP, %rsp
    push $USER_DATA
    push %gs:PERCPU_USER_RSP
    push %r11
    push $USER_CODE
    push %rcx
    push $0                              /* error code */
    push $VECTOR_SYSCALL
    PUSH_GPRS
    mov %rsp, %rdi
    mov %gs:PERCPU_KERNEL_STACK_TOP, %rsp
    xor %ebp, %ebp
    call arch_syscall_from_user          /* [[noreturn]] */
    ud2

/* Interrupt and exception stubs: each pushes a dummy error code where the CPU pushes none, then
 * its vector, and joins interrupt_common. */
.macro STUB vector
    .align 16
    .if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    push $0
    .endif
    push $\vector
    jmp interrupt_common
.endm

    .align 16
    .global arch_interrupt_stubs
arch_interrupt_stubs:
    .set vector, 0
    .rept 256
    STUB vector
    .set vector, vector + 1
    .endr

interrupt_common:
    PUSH_GPRS
    testb $3, FRAME_CS(%rsp)
    jz from_kernel
    swapgs
    mov %rsp, %rdi
    mov %gs:PERCPU_KERNEL_STACK_TOP, %rsp
    xor %ebp, %ebp
    call arch_interrupt_from_user        /* [[noreturn]] */
    ud2
from_kernel:
    mov %rsp, %rdi
    call arch_interrupt_from_kernel
    POP_GPRS
    add $16, %rsp
    iretq

/* [[noreturn]] void arch_return_to_user(const UserFrame* frame)
 * Loads the frame and enters user mode: sysret when the frame was saved by syscall (rcx/r11 are
 * then dead by the ABI), iretq otherwise. The caller has validated rip, rsp and rflags. */
    .global arch_return_to_user
    .align 16
arch_return_to_user:
    mov %rdi, %rsp
    POP_GPRS
    cmpq $VECTOR_SYSCALL, (%rsp)
    jne 1f
    mov 16(%rsp), %rcx                   /* rip */
    mov 32(%rsp), %r11                   /* rflags */
    mov 40(%rsp), %rsp                   /* user rsp; NMI uses an IST stack */
    swapgs
    sysretq
1:  add $16, %rsp
    swapgs
    iretq

    .section .note.GNU-stack, "", @progbits
