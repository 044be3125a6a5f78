# User programs (freestanding ELF executables) and the boot archive (ustar) that carries them.

USER_DIR := $(BUILD)/user
INITRD := $(BUILD)/initrd.tar

RUNTIME_SOURCES := userland/runtime/crt0.S userland/runtime/runtime.cpp userland/runtime/test.cpp \
    kernel/lib/format.cpp kernel/lib/memory_functions.cpp
RUNTIME_OBJECTS := $(patsubst %,$(USER_DIR)/%.o,$(RUNTIME_SOURCES))

# name -> its sources (besides the runtime)
USER_PROGRAMS := hello platform_tests faulter object_tests fuzzer bench ipc_tests security_tests keeper_tests \
    reliable_tests
hello_SOURCES := userland/programs/hello.cpp
platform_tests_SOURCES := tests/guest/platform_tests.cpp
faulter_SOURCES := tests/guest/faulter.cpp
fuzzer_SOURCES := tests/guest/fuzzer.cpp
bench_SOURCES := tests/bench/bench.cpp
ipc_tests_SOURCES := tests/guest/ipc_tests.cpp tests/guest/short_ipc_tests.cpp
security_tests_SOURCES := tests/guest/security_tests.cpp
keeper_tests_SOURCES := tests/guest/keeper_tests.cpp
reliable_tests_SOURCES := tests/guest/reliable_support.cpp tests/guest/reliable_basic_tests.cpp \
    tests/guest/reliable_peer_tests.cpp tests/guest/reliable_scenarios.cpp tests/guest/reliable_big.cpp \
    tests/guest/reliable_main.cpp
object_tests_SOURCES := tests/guest/handle_tests.cpp tests/guest/thread_state_tests.cpp tests/guest/memory_tests.cpp \
    tests/guest/object_tests_main.cpp

USER_BINARIES := $(addprefix $(USER_DIR)/bin/,$(USER_PROGRAMS))

$(USER_DIR)/%.cpp.o: %.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX     $< (user)"
	@$(CXX_TARGET) $(USER_CXXFLAGS) -MMD -MP -c $< -o $@

$(USER_DIR)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  CXX     $< (user)"
	@$(CXX_TARGET) $(USER_CXXFLAGS) -MMD -MP -c $< -o $@

define user_program
$(USER_DIR)/bin/$(1): $(patsubst %,$(USER_DIR)/%.o,$($(1)_SOURCES)) $(RUNTIME_OBJECTS) userland/runtime/user.ld
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	@$(LD_TARGET) -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	    -T userland/runtime/user.ld -o $$@ $(RUNTIME_OBJECTS) $(patsubst %,$(USER_DIR)/%.o,$($(1)_SOURCES))
endef
$(foreach p,$(USER_PROGRAMS),$(eval $(call user_program,$(p))))

$(USER_DIR)/bin/motd: userland/motd.txt
	@mkdir -p $(dir $@)
	cp $< $@

# Deterministic archive: sorted names, fixed owner and time.
$(INITRD): $(USER_BINARIES) $(USER_DIR)/bin/motd
	@echo "  TAR     $@"
	@tar --format=ustar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
	    -C $(USER_DIR)/bin -cf $@ $(USER_PROGRAMS) motd

-include $(RUNTIME_OBJECTS:.o=.d) $(foreach p,$(USER_PROGRAMS),$(patsubst %,$(USER_DIR)/%.d,$($(p)_SOURCES)))
