QEMU := qemu-system-x86_64
START ?= hello
CMDLINE ?= start=$(START)
ifeq ($(ACCEL),kvm)
QEMU_ACCEL := -accel kvm -cpu host,-arch-capabilities -bios /usr/share/qemu/qboot.rom
else
QEMU_ACCEL := -accel tcg -cpu qemu64,+x2apic
endif
QEMU_COMMON := -machine pc -m 256M -no-reboot -display none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 $(QEMU_ACCEL)

.PHONY: run
run: $(KERNEL_ELF) $(INITRD)
	$(QEMU) $(QEMU_COMMON) -serial mon:stdio -kernel $(KERNEL_ELF) -initrd $(INITRD) -append "$(CMDLINE)"
