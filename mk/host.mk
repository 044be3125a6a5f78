# Host unit tests: kernel/lib, the hardware-independent parts of kernel/core and the user-level
# libraries (userland/fs) compiled for the build machine behind a fake arch (kernel/arch/host),
# linked with Boost.Test (shared library).
#
# make host-test              build build/host/unit_tests and run every test case (through the harness)
# make host-test HOST_SANITIZE=   the same without ASan/UBSan
# build/host/unit_tests --run_test=ustar --log_level=all   one suite, verbosely

HOST_DIR := $(BUILD)/host
HOST_TEST_BIN := $(HOST_DIR)/unit_tests
HOST_TOOLS := $(HOST_TEST_BIN)

# vptr checks need typeinfo of every kernel object class; the kernel is built without RTTI and the
# host build does not compile every class's key function.
HOST_SANITIZE ?= -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all
HOST_CXXFLAGS := -std=c++20 -O1 -g -Wall -Wextra -Werror -Iuapi -Ikernel/arch/host/include $(HOST_SANITIZE)

# The kernel code under test; everything it needs from the arch comes from kernel/arch/host.
HOST_KERNEL_SOURCES := kernel/lib/format.cpp kernel/lib/ustar.cpp kernel/lib/elf64.cpp kernel/lib/command_line.cpp \
    kernel/core/boot_info.cpp kernel/core/frame_allocator.cpp kernel/core/kernel_heap.cpp \
    kernel/core/kernel_heap_instance.cpp kernel/core/log.cpp \
    kernel/core/object.cpp kernel/core/handle_table.cpp kernel/core/lifecycle.cpp kernel/core/mutex.cpp \
    kernel/core/machine.cpp kernel/core/scheduler.cpp kernel/core/stress.cpp kernel/core/ipc.cpp kernel/core/user_memory.cpp \
    kernel/core/connection.cpp kernel/core/mapping_faults.cpp kernel/core/address_space.cpp \
    kernel/core/reclaim.cpp
# The user-level libraries under test.
HOST_USER_SOURCES := $(sort $(wildcard userland/fs/*.cpp))
HOST_TEST_SOURCES := $(sort $(wildcard tests/unit/*.cpp))
HOST_OBJECTS := $(patsubst %,$(HOST_DIR)/%.o,$(HOST_KERNEL_SOURCES) $(HOST_USER_SOURCES) $(HOST_TEST_SOURCES))
HOST_FLAGS_STAMP := $(HOST_DIR)/cxxflags

# Rewritten only when the flags change (e.g. HOST_SANITIZE=), which then rebuilds every host object.
.PHONY: host-flags-check
$(HOST_FLAGS_STAMP): host-flags-check
	@mkdir -p $(dir $@)
	@echo '$(HOST_CXXFLAGS)' | cmp -s - $@ || echo '$(HOST_CXXFLAGS)' > $@

$(HOST_DIR)/%.cpp.o: %.cpp $(HOST_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CXX     $< (host)"
	@$(HOST_CXX) $(HOST_CXXFLAGS) -MMD -MP -c $< -o $@

$(HOST_TEST_BIN): $(HOST_OBJECTS)
	@echo "  LD      $@"
	@$(HOST_CXX) $(HOST_CXXFLAGS) -o $@ $(HOST_OBJECTS) -lboost_unit_test_framework

# Runs the host tier of the test harness (tests/harness/run_tests.py), which runs the binary, reads
# Boost's report and ends with "N passed, M failed"; it exits non-zero on any failure. The user
# programs are checked too when they have been built.
.PHONY: host-test
host-test: $(HOST_TEST_BIN)
	@python3 tests/harness/run_tests.py --tiers host

-include $(HOST_OBJECTS:.o=.d)
