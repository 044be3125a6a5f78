/* Process entry. The kernel starts the first thread with rsp -> argc, rdi = argc, rsi = argv. */
    .text
    .global _start
_start:
    xor %ebp, %ebp
    and $-16, %rsp
    call amber_runtime_start            /* [[noreturn]] */
    ud2

    .section .note.GNU-stack, "", @progbits
