# Amber: top-level build. `make help` lists the targets.
#
# Everything is built under build/. CROSS selects a toolchain prefix (e.g. CROSS=x86_64-elf-);
# ACCEL=tcg|kvm selects the QEMU accelerator for run, demo and test.

CROSS ?=
ACCEL ?= tcg
BUILD := build
# The boot archive (built by mk/userland.mk; the ISO rule in mk/kernel.mk needs it first).
INITRD := $(BUILD)/initrd.tar
.DEFAULT_GOAL := all

CXX_TARGET := $(CROSS)g++
LD_TARGET := $(CROSS)ld
AR_TARGET := $(CROSS)ar
HOST_CXX ?= g++

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wcast-align -Wundef
FREESTANDING := -std=c++20 -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics \
    -fno-asynchronous-unwind-tables -fno-pic -fno-pie -fcf-protection=none -nostdlib -O2 -g \
    $(WARNINGS) -Iuapi

KERNEL_CXXFLAGS := $(FREESTANDING) -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
    -fno-stack-protector -Ikernel/arch/x86_64/include
USER_CXXFLAGS := $(FREESTANDING) -fno-stack-protector -mno-red-zone

include mk/kernel.mk
include mk/userland.mk
include mk/host.mk
include mk/tools.mk
include mk/run.mk

.PHONY: all clean help deps fresh-check
all: $(KERNEL_ELF) $(INITRD) $(ISO) $(USER_LIBRARIES) $(HOST_TOOLS)

deps:
	@tools/install-deps.sh

# README's two commands in a fresh minimal Debian 12 root (needs root; what CI runs).
fresh-check:
	@ACCEL=$(ACCEL) bash tools/fresh-check.sh

clean:
	rm -rf $(BUILD)

help:
	@echo "make            build kernel, user programs, boot archive, ISO and host tools"
	@echo "make demo       boot Amber, run the first user program, power off"
	@echo "make test       every test tier (format, host unit, fuzz, guest, Bochs); ACCEL=kvm for KVM"
	@echo "make run        interactive: serial console on this terminal (Ctrl-A X quits)"
	@echo "make debug      QEMU waits for gdb; gdb loads symbols and stops at the 64-bit entry"
	@echo "make bochs      boot the ISO in Bochs (headless, serial to build/bochs/com1.txt)"
	@echo "make bench-boot measure launch-to-user-mode time under TCG, KVM and Bochs"
	@echo "make fresh-check  README's make demo and make test in a fresh Debian 12 root (as root; CI)"
	@echo "make format     reformat the sources with clang-format"
	@echo "make fuzz       fuzz the checkpoint image checker (FUZZ_TIME=60 seconds, or FUZZ_RUNS=N inputs)"
	@echo "variables: ACCEL=tcg|kvm CROSS=prefix START=prog[:arg...][,...] CMDLINE=..."
