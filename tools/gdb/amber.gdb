# gdb set-up for `make debug`: symbols, the QEMU stub, a stop at the kernel's 64-bit entry.
set confirm off
set pagination off
set architecture i386:x86-64
file build/amber.elf
target remote localhost:1234
# A hardware breakpoint: the kernel's address space does not exist until boot.S builds it.
hbreak kernel_entry64
continue
echo \nStopped at the kernel's 64-bit entry (kernel/arch/x86_64/boot.S). Try: break kernel_main, continue.\n
