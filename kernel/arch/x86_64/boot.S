/* Boot entry: from 32-bit protected mode (Multiboot2 via GRUB, or Xen PVH via QEMU -kernel) into
 * 64-bit long mode in the higher half, then kernel_main(magic, info_physical).
 *
 * Boot page tables map the first 1 GiB three times with 2 MiB pages: identity (for this code),
 * at the physical-memory window 0xffff800000000000 (for early allocations), and at the kernel's
 * link address 0xffffffff80000000. kernel_main replaces them with the final tables.
 */
#define KERNEL_VMA 0xffffffff80000000
#define MB2_MAGIC 0xe85250d6
#define PVH_MAGIC 0x336ec578

    .section .multiboot2, "a"
    .align 8
mb2_header:
    .long MB2_MAGIC
    .long 0                                      /* i386 protected mode */
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
    .align 8
    .short 3, 0                                  /* entry address tag */
    .long 12
    .long _start
    .align 8
    .short 0, 0                                  /* end tag */
    .long 8
mb2_header_end:

    .section .note.Xen, "a"
    .align 4
    .long 4                                      /* name size */
    .long 4                                      /* descriptor size */
    .long 18                                     /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start_pvh

    .section .boot.text, "ax"
    .code32
    .global _start
_start:                                          /* Multiboot2: eax = magic, ebx = info */
    cli
    cld
    mov %eax, %edi
    mov %ebx, %esi
    jmp boot_common

    .global _start_pvh
_start_pvh:                                      /* PVH: ebx = hvm_start_info */
    cli
    cld
    mov $PVH_MAGIC, %edi
    mov %ebx, %esi

boot_common:
    mov $boot_stack_top, %esp
    mov $0x80000000, %eax                        /* long mode supported? */
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz no_long_mode

    mov $(boot_pdpt_low + 3), %eax               /* PML4: identity, window, kernel */
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256 * 8
    mov $(boot_pdpt_high + 3), %eax
    mov %eax, boot_pml4 + 511 * 8
    mov $(boot_pd + 3), %eax
    mov %eax, boot_pdpt_low
    mov %eax, boot_pdpt_high + 510 * 8
    xor %ecx, %ecx                               /* PD: 512 x 2 MiB, present|writable|large */
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, boot_pd(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 1b

    mov %cr4, %eax                               /* PAE */
    or $(1 << 5), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx                        /* EFER.LME */
    rdmsr
    or $(1 << 8), %eax
    wrmsr
    mov %cr0, %eax                               /* PG | WP | PE */
    or $0x80010001, %eax
    mov %eax, %cr0
    lgdt boot_gdt_pointer
    ljmp $0x08, $long_mode_low

no_long_mode:                                    /* report on COM1 and stop */
    mov $no_long_mode_text, %esi
2:  lodsb
    test %al, %al
    jz 3f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 2b
3:  hlt
    jmp 3b

    .code64
long_mode_low:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $long_mode_high, %rax
    jmp *%rax

    .section .boot.data, "a"
    .align 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff                     /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff                     /* 0x10: data */
boot_gdt_pointer:
    .short boot_gdt_pointer - boot_gdt - 1
    .long boot_gdt
no_long_mode_text:
    .asciz "amber: this CPU has no long mode (x86_64); stopping\r\n"

    .section .boot.bss, "aw", @nobits
    .align 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
boot_stack:     .skip 4096
boot_stack_top:

    .text
    .global kernel_entry64
kernel_entry64:                                  /* first instruction in the higher half */
long_mode_high:
    mov %edi, %r12d                              /* keep magic and info across the bss clear */
    mov %esi, %r13d
    movabs $__bss_start, %rdi
    movabs $__bss_end, %rcx
    sub %rdi, %rcx
    xor %eax, %eax
    rep stosb
    movabs $boot_cpu_kernel_stack_top, %rsp
    xor %ebp, %ebp
    mov %r12d, %edi
    mov %r13d, %esi
    call kernel_main
4:  cli
    hlt
    jmp 4b

    .bss
    .align 16
boot_cpu_kernel_stack:
    .skip 16384
    .global boot_cpu_kernel_stack_top
boot_cpu_kernel_stack_top:

    .section .note.GNU-stack, "", @progbits
