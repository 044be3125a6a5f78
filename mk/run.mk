# Running Amber: interactive console, demo, tests, debugger, Bochs, boot-time measurement.

QEMU := qemu-system-x86_64
START ?= hello
CMDLINE ?= start=$(START)
ifeq ($(ACCEL),kvm)
# The development machines' /dev/kvm (pvm) rejects the IA32_ARCH_CAPABILITIES MSR of -cpu host.
QEMU_ACCEL := -accel kvm -cpu host,-arch-capabilities -bios /usr/share/qemu/qboot.rom
else
QEMU_ACCEL := -accel tcg -cpu qemu64
endif
QEMU_COMMON := -machine pc -m 512M -no-reboot -display none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 $(QEMU_ACCEL)
GUEST_FILES := $(KERNEL_ELF) $(INITRD)

.PHONY: run demo test test-now test-guest stress replay debug bochs bench bench-boot format

# Serial console on this terminal; Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor.
# DISK=file.img attaches a raw disk image (a FAT32 one holds checkpointd's images).
DISK ?=
comma := ,
RUN_DISK := $(if $(DISK),-drive file=$(DISK)$(comma)if=none$(comma)id=disk0$(comma)format=raw \
    -device virtio-blk-pci$(comma)drive=disk0)
run: $(GUEST_FILES)
	$(QEMU) $(QEMU_COMMON) -serial mon:stdio -kernel $(KERNEL_ELF) -initrd $(INITRD) -append "$(CMDLINE)" \
	    $(RUN_DISK)

demo:
	@tools/install-deps.sh
	@$(MAKE) --no-print-directory $(GUEST_FILES) $(CRIT_TOOL)
	@python3 tools/demo.py --accel $(ACCEL)

test:
	@tools/install-deps.sh
	@$(MAKE) --no-print-directory test-now

test-now: $(GUEST_FILES) $(ISO) $(HOST_TOOLS)
	@python3 tests/harness/run_tests.py --accel $(ACCEL)

# One guest suite, optionally under forced restarts: make test-guest SUITE=objects STRESS=7,200 [ICOUNT=1]
SEED ?= 1
ITER ?= 10
RATE ?= 200
ICOUNT ?=
test-guest: $(GUEST_FILES)
	@python3 tests/harness/run_tests.py --tiers guest --accel $(ACCEL) $(if $(SUITE),--suite $(SUITE)) \
	    $(if $(STRESS),--stress $(STRESS)) $(if $(ICOUNT),--icount)

# Restart-stress campaign: make stress SEED=1 ITER=10 RATE=200 [SUITE=name] [ICOUNT=1] [ACCEL=kvm]
stress: $(GUEST_FILES)
	@python3 tools/stress.py --seed $(SEED) --iterations $(ITER) --rate $(RATE) --accel $(ACCEL) $(if $(SUITE),--suite $(SUITE)) \
	    $(if $(ICOUNT),--icount) $(if $(FUZZ_CALLS),--fuzzer-calls $(FUZZ_CALLS))

# Record a suite with QEMU record/replay and replay it exactly (GDB=1: replay under gdb).
replay: $(GUEST_FILES)
	@python3 tools/replay.py --suite $(or $(SUITE),objects) $(if $(STRESS),--stress $(STRESS)) $(if $(GDB),--gdb) \
	    $(if $(RRFILE),--replay-only --rrfile $(RRFILE))

# QEMU waits for gdb on :1234; gdb loads the symbols and stops at the kernel's 64-bit entry.
debug: $(GUEST_FILES)
	@echo "QEMU is waiting for gdb on localhost:1234 (its console: $(BUILD)/debug-console.txt)"
	@$(QEMU) $(QEMU_COMMON) -serial file:$(BUILD)/debug-console.txt -s -S \
	    -kernel $(KERNEL_ELF) -initrd $(INITRD) -append "$(CMDLINE) panic=halt" & \
	    gdb -q -x tools/gdb/amber.gdb; kill %1 2>/dev/null || true

bochs: $(ISO)
	@python3 tools/bochs.py

# Kernel API benchmarks: instructions (TCG -icount) and cycles (KVM); writes docs/bench.md.
# PART=kernel or PART=checkpoint runs one half (docs/bench.md, docs/bench-checkpoint.md).
PART ?= all
bench: $(GUEST_FILES)
	@python3 tools/bench.py --part $(PART)

bench-boot: $(GUEST_FILES) $(ISO)
	@python3 tools/boot_times.py

format:
	@git ls-files -co --exclude-standard -- kernel uapi userland tests checkpointd migrated \
	    | grep -E '\.(cpp|hpp|h|cc)$$' | xargs clang-format -i
