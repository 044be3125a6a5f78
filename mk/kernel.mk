# The kernel ELF (bootable by GRUB via Multiboot2 and by QEMU -kernel via PVH) and the GRUB ISO.

KERNEL_DIR := $(BUILD)/kernel
KERNEL_ELF := $(BUILD)/amber.elf
ISO := $(BUILD)/amber.iso

KERNEL_SOURCES := $(wildcard kernel/arch/x86_64/*.S kernel/arch/x86_64/*.cpp kernel/core/*.cpp kernel/core/syscalls/*.cpp) \
    kernel/lib/format.cpp kernel/lib/memory_functions.cpp kernel/lib/ustar.cpp kernel/lib/elf64.cpp \
    kernel/lib/command_line.cpp
KERNEL_OBJECTS := $(patsubst %,$(KERNEL_DIR)/%.o,$(KERNEL_SOURCES))

$(KERNEL_DIR)/%.cpp.o: %.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	@$(CXX_TARGET) $(KERNEL_CXXFLAGS) -MMD -MP -c $< -o $@

$(KERNEL_DIR)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	@$(CXX_TARGET) $(KERNEL_CXXFLAGS) -MMD -MP -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJECTS) kernel/arch/x86_64/linker.ld
	@echo "  LD      $@"
	@$(LD_TARGET) -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	    -T kernel/arch/x86_64/linker.ld -o $@ $(KERNEL_OBJECTS)

$(ISO): $(KERNEL_ELF) $(INITRD) tools/grub.cfg
	@rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	cp $(KERNEL_ELF) $(BUILD)/iso/boot/amber.elf
	cp $(INITRD) $(BUILD)/iso/boot/initrd.tar
	cp tools/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	grub-mkrescue --install-modules="multiboot2 normal iso9660 biosdisk part_msdos probe" \
	    --locales= --fonts= --themes= -o $@ $(BUILD)/iso 2> $(BUILD)/grub-mkrescue.log \
	    || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

-include $(KERNEL_OBJECTS:.o=.d)
