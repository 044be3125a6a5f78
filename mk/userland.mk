# User programs (freestanding ELF executables) and the boot archive (ustar) that carries them.

USER_DIR := $(BUILD)/user


# The checkpoint image schema for the guest: nanopb's generator (Debian package nanopb) writes C
# into build/, compiled with the PB_* options Debian's packaged runtime (libprotobuf-nanopb.a) was
# built with; the runtime itself is linked from the package, never copied into the tree.
NANOPB_DIR := $(USER_DIR)/images
NANOPB_GENERATED_C := $(NANOPB_DIR)/amber_image.pb.c
NANOPB_GENERATED_H := $(NANOPB_DIR)/amber_image.pb.h
NANOPB_LIBRARY := /usr/lib/x86_64-linux-gnu/libprotobuf-nanopb.a
NANOPB_DEFINES := -DPB_ENABLE_MALLOC=1
USER_CFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -O2 -g -mno-red-zone -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Wextra -Werror $(NANOPB_DEFINES) -I$(NANOPB_DIR)

$(NANOPB_GENERATED_C) $(NANOPB_GENERATED_H) &: images/amber_image.proto images/amber_image.options
	@mkdir -p $(NANOPB_DIR)
	@echo "  NANOPB  $<"
	@protoc -Iimages --nanopb_opt=-fimages/amber_image.options --nanopb_out=$(NANOPB_DIR) $<

$(USER_DIR)/$(NANOPB_DIR)/%.c.o: $(NANOPB_DIR)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	@$(CROSS)gcc $(USER_CFLAGS) -MMD -MP -c $< -o $@

# checkpointd's sources include the generated header.
$(USER_DIR)/checkpointd/%.cpp.o: USER_CXXFLAGS += $(NANOPB_DEFINES) -I$(NANOPB_DIR)
$(patsubst %,$(USER_DIR)/%.o,$(wildcard checkpointd/*.cpp)): | $(NANOPB_GENERATED_H)

RUNTIME_SOURCES := userland/runtime/crt0.S userland/runtime/runtime.cpp userland/runtime/test.cpp userland/runtime/heap.cpp \
    kernel/lib/format.cpp kernel/lib/memory_functions.cpp
RUNTIME_OBJECTS := $(patsubst %,$(USER_DIR)/%.o,$(RUNTIME_SOURCES))

# Libraries for user programs to link (built with the programs' flags): the FAT32 file system.
FS_LIBRARY := $(USER_DIR)/lib/libfs.a
FS_OBJECTS := $(patsubst %,$(USER_DIR)/%.o,$(sort $(wildcard userland/fs/*.cpp)))
USER_LIBRARIES := $(FS_LIBRARY)

# name -> its sources (besides the runtime)
USER_PROGRAMS := hello platform_tests faulter object_tests fuzzer bench ipc_tests security_tests keeper_tests \
    checkpointd counter shell zdtm device_tests ata_tests blkd fsd reliable_tests cow_tests
hello_SOURCES := userland/programs/hello.cpp
LOADER_SOURCES := userland/lib/spawn.cpp kernel/lib/ustar.cpp kernel/lib/elf64.cpp
zdtm_SOURCES := tests/guest/zdtm.cpp tests/guest/zdtm_modes.cpp tests/guest/zdtm_blocking.cpp tests/guest/zdtm_stream.cpp \
    tests/guest/zdtm_references.cpp \
    kernel/lib/command_line.cpp
counter_SOURCES := userland/programs/counter.cpp kernel/lib/command_line.cpp
shell_SOURCES := userland/programs/shell.cpp userland/programs/shell_input.cpp kernel/lib/command_line.cpp \
    $(LOADER_SOURCES)
# checkpointd: its own sources, the user-level loader, and the image schema compiled by nanopb.
checkpointd_SOURCES := $(sort $(wildcard checkpointd/*.cpp)) $(LOADER_SOURCES) kernel/lib/command_line.cpp \
    $(NANOPB_GENERATED_C)
checkpointd_LIBS := $(FS_LIBRARY) $(NANOPB_LIBRARY)
DRIVER_SOURCES := userland/drivers/pci.cpp userland/drivers/virtio_blk.cpp userland/drivers/ata_pio.cpp
checkpointd_SOURCES += $(DRIVER_SOURCES)
# The storage servers: blkd drives the disk, fsd serves FAT32 files from it.
blkd_SOURCES := userland/servers/blkd.cpp $(DRIVER_SOURCES)
fsd_SOURCES := userland/servers/fsd.cpp userland/lib/block_client.cpp
fsd_LIBS := $(FS_LIBRARY)
platform_tests_SOURCES := tests/guest/platform_tests.cpp
faulter_SOURCES := tests/guest/faulter.cpp
fuzzer_SOURCES := tests/guest/fuzzer.cpp $(LOADER_SOURCES)
bench_SOURCES := tests/bench/bench.cpp userland/lib/pager.cpp
ipc_tests_SOURCES := tests/guest/ipc_tests.cpp tests/guest/short_ipc_tests.cpp tests/guest/ipc_reply_tests.cpp
security_tests_SOURCES := tests/guest/security_tests.cpp tests/guest/correctness_tests.cpp
keeper_tests_SOURCES := tests/guest/keeper_tests.cpp tests/guest/keeper_order_tests.cpp
device_tests_SOURCES := tests/guest/device_tests.cpp tests/guest/block_device_checks.cpp $(DRIVER_SOURCES)
ata_tests_SOURCES := tests/guest/ata_tests.cpp tests/guest/block_device_checks.cpp $(DRIVER_SOURCES)
reliable_tests_SOURCES := tests/guest/reliable_support.cpp tests/guest/reliable_basic_tests.cpp \
    tests/guest/reliable_peer_tests.cpp tests/guest/reliable_scenarios.cpp tests/guest/reliable_big.cpp \
    tests/guest/reliable_main.cpp
cow_tests_SOURCES := tests/guest/cow_tests.cpp tests/guest/cow_copy_tests.cpp tests/guest/cow_call_tests.cpp \
    userland/lib/pager.cpp
object_tests_SOURCES := tests/guest/handle_tests.cpp tests/guest/thread_state_tests.cpp tests/guest/memory_tests.cpp tests/guest/inventory_tests.cpp \
    tests/guest/space_state_tests.cpp tests/guest/reclaim_tests.cpp \
    tests/guest/object_tests_main.cpp

USER_BINARIES := $(addprefix $(USER_DIR)/bin/,$(USER_PROGRAMS))

$(FS_LIBRARY): $(FS_OBJECTS)
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	@rm -f $@ && $(AR_TARGET) rcs $@ $^

$(USER_DIR)/%.cpp.o: %.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX     $< (user)"
	@$(CXX_TARGET) $(USER_CXXFLAGS) -MMD -MP -c $< -o $@

$(USER_DIR)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  CXX     $< (user)"
	@$(CXX_TARGET) $(USER_CXXFLAGS) -MMD -MP -c $< -o $@

define user_program
$(USER_DIR)/bin/$(1): $(patsubst %,$(USER_DIR)/%.o,$($(1)_SOURCES)) $(RUNTIME_OBJECTS) userland/runtime/user.ld \
    $(filter $(BUILD)/%,$($(1)_LIBS))
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	@$(LD_TARGET) -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	    -T userland/runtime/user.ld -o $$@ $(RUNTIME_OBJECTS) $(patsubst %,$(USER_DIR)/%.o,$($(1)_SOURCES)) \
	    $($(1)_LIBS)
endef
$(foreach p,$(USER_PROGRAMS),$(eval $(call user_program,$(p))))

$(USER_DIR)/bin/motd: userland/motd.txt
	@mkdir -p $(dir $@)
	cp $< $@

# Shell scripts (userland/scripts, tests/guest/scripts) travel in the archive by their base name.
SHELL_SCRIPTS := $(wildcard userland/scripts/*.sh tests/guest/scripts/*.sh)
SCRIPT_COPIES := $(addprefix $(USER_DIR)/bin/,$(notdir $(SHELL_SCRIPTS)))
$(USER_DIR)/bin/%.sh: userland/scripts/%.sh
	@mkdir -p $(dir $@)
	@cp $< $@
$(USER_DIR)/bin/%.sh: tests/guest/scripts/%.sh
	@mkdir -p $(dir $@)
	@cp $< $@

# Deterministic archive: sorted names, fixed owner and time.
$(INITRD): $(USER_BINARIES) $(USER_DIR)/bin/motd $(SCRIPT_COPIES)
	@echo "  TAR     $@"
	@tar --format=ustar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
	    -C $(USER_DIR)/bin -cf $@ $(USER_PROGRAMS) motd $(notdir $(SHELL_SCRIPTS))

-include $(RUNTIME_OBJECTS:.o=.d) $(FS_OBJECTS:.o=.d) $(foreach p,$(USER_PROGRAMS),$(patsubst %,$(USER_DIR)/%.d,$($(p)_SOURCES)))
