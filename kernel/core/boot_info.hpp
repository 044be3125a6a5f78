// What the boot loader told us, in one loader-independent form.
//
// Filled from Multiboot2 (GRUB) or the Xen PVH start info (QEMU -kernel). Everything needed later
// is copied in, so the loader's structures may be overwritten once parsing is done.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel {

struct MemoryRange {
    uint64_t base = 0;
    uint64_t length = 0;
};

struct BootModule {
    uint64_t physical_base = 0;
    uint64_t size = 0;
    char command_line[64] = {};
};

struct BootInfo {
    static constexpr size_t max_ranges = 64;
    static constexpr size_t max_modules = 8;

    const char* loader = "none";
    MemoryRange usable[max_ranges];
    size_t usable_count = 0;
    BootModule modules[max_modules];
    size_t module_count = 0;
    char command_line[512] = {};

    void add_usable(uint64_t base, uint64_t length);
};

// Translates a physical address of loader data into a pointer the parser may read, or nullptr if
// [physical, physical + length) is not readable.
using PhysicalReader = const void* (*)(uint64_t physical, size_t length);

constexpr uint32_t multiboot2_magic = 0x36d76289;
constexpr uint32_t pvh_magic = 0x336ec578;

// Both return false (with `error` set to a static message) on malformed input.
bool parse_multiboot2(uint64_t info_physical, PhysicalReader read, BootInfo& out, const char*& error);
bool parse_pvh(uint64_t start_info_physical, PhysicalReader read, BootInfo& out, const char*& error);

} // namespace kernel
