#include "boot_info.hpp"

namespace kernel {
namespace {

void copy_string(char* destination, size_t capacity, const char* source, size_t source_limit) {
    size_t n = 0;
    while (n + 1 < capacity && n < source_limit && source[n] != '\0') {
        destination[n] = source[n];
        ++n;
    }
    destination[n] = '\0';
}

// Copies a NUL-terminated string at `physical` one byte at a time, so that a string ending right at
// the end of readable memory is copied whole. Stops at `capacity - 1` characters.
bool copy_physical_string(PhysicalReader read, uint64_t physical, char* destination, size_t capacity) {
    size_t n = 0;
    for (; n + 1 < capacity; ++n) {
        const auto* c = static_cast<const char*>(read(physical + n, 1));
        if (c == nullptr) {
            destination[n] = '\0';
            return n > 0;
        }
        if (*c == '\0') break;
        destination[n] = *c;
    }
    destination[n] = '\0';
    return true;
}

template <typename T>
T load(const uint8_t* p) {
    T value;
    __builtin_memcpy(&value, p, sizeof value);
    return value;
}

constexpr uint32_t e820_ram = 1;

} // namespace

void BootInfo::add_usable(uint64_t base, uint64_t length) {
    if (length == 0 || usable_count == max_ranges) return;
    usable[usable_count++] = {base, length};
}

bool parse_multiboot2(uint64_t info_physical, PhysicalReader read, BootInfo& out, const char*& error) {
    out.loader = "multiboot2";
    const auto* header = static_cast<const uint8_t*>(read(info_physical, 8));
    if (header == nullptr) return error = "multiboot2 info unreadable", false;
    uint32_t total = load<uint32_t>(header);
    if (total < 16 || total > (1u << 20)) return error = "multiboot2 info has a bad size", false;
    const auto* info = static_cast<const uint8_t*>(read(info_physical, total));
    if (info == nullptr) return error = "multiboot2 info unreadable", false;
    size_t offset = 8;
    bool have_memory_map = false;
    while (offset + 8 <= total) {
        uint32_t type = load<uint32_t>(info + offset);
        uint32_t size = load<uint32_t>(info + offset + 4);
        if (size < 8 || size > total - offset) return error = "multiboot2 tag overruns the info", false;
        const uint8_t* tag = info + offset;
        if (type == 0) break;
        if (type == 1) { // command line
            copy_string(out.command_line, sizeof out.command_line, reinterpret_cast<const char*>(tag + 8), size - 8);
        } else if (type == 3) { // module
            if (size < 16) return error = "multiboot2 module tag too small", false;
            if (out.module_count < BootInfo::max_modules) {
                BootModule& m = out.modules[out.module_count++];
                uint32_t start = load<uint32_t>(tag + 8), end = load<uint32_t>(tag + 12);
                if (end < start) return error = "multiboot2 module ends before it starts", false;
                m.physical_base = start;
                m.size = end - start;
                copy_string(m.command_line, sizeof m.command_line, reinterpret_cast<const char*>(tag + 16), size - 16);
            }
        } else if (type == 6) { // memory map
            if (size < 16) return error = "multiboot2 memory map tag too small", false;
            uint32_t entry_size = load<uint32_t>(tag + 8);
            if (entry_size < 24) return error = "multiboot2 memory map entries too small", false;
            for (size_t e = 16; e + entry_size <= size; e += entry_size) {
                if (load<uint32_t>(tag + e + 16) == e820_ram) {
                    out.add_usable(load<uint64_t>(tag + e), load<uint64_t>(tag + e + 8));
                }
            }
            have_memory_map = true;
        }
        offset += (size + 7) & ~7u;
    }
    if (!have_memory_map) return error = "multiboot2 info has no memory map", false;
    return true;
}

bool parse_pvh(uint64_t start_info_physical, PhysicalReader read, BootInfo& out, const char*& error) {
    out.loader = "pvh";
    // struct hvm_start_info (Xen public/arch-x86/hvm/start_info.h), version >= 1.
    const auto* info = static_cast<const uint8_t*>(read(start_info_physical, 56));
    if (info == nullptr) return error = "PVH start info unreadable", false;
    if (load<uint32_t>(info) != pvh_magic) return error = "PVH start info has a bad magic", false;
    uint32_t version = load<uint32_t>(info + 4);
    uint32_t module_count = load<uint32_t>(info + 12);
    uint64_t module_list = load<uint64_t>(info + 16);
    uint64_t command_line = load<uint64_t>(info + 24);
    if (version < 1) return error = "PVH start info version 0 has no memory map", false;
    uint64_t memory_map = load<uint64_t>(info + 40);
    uint32_t memory_map_entries = load<uint32_t>(info + 48);
    if (command_line != 0 && !copy_physical_string(read, command_line, out.command_line, sizeof out.command_line)) {
        return error = "PVH command line unreadable", false;
    }
    if (memory_map_entries == 0 || memory_map_entries > 1024) return error = "PVH memory map empty or too long", false;
    const auto* map = static_cast<const uint8_t*>(read(memory_map, memory_map_entries * 24ull));
    if (map == nullptr) return error = "PVH memory map unreadable", false;
    for (uint32_t i = 0; i < memory_map_entries; ++i) {
        const uint8_t* e = map + i * 24ull; // struct hvm_memmap_table_entry
        if (load<uint32_t>(e + 16) == e820_ram) out.add_usable(load<uint64_t>(e), load<uint64_t>(e + 8));
    }
    if (module_count > 64) return error = "PVH module count implausible", false;
    if (module_count > 0) {
        const auto* list = static_cast<const uint8_t*>(read(module_list, module_count * 32ull));
        if (list == nullptr) return error = "PVH module list unreadable", false;
        for (uint32_t i = 0; i < module_count && out.module_count < BootInfo::max_modules; ++i) {
            const uint8_t* e = list + i * 32ull; // struct hvm_modlist_entry
            BootModule& m = out.modules[out.module_count++];
            m.physical_base = load<uint64_t>(e);
            m.size = load<uint64_t>(e + 8);
            uint64_t module_command_line = load<uint64_t>(e + 16);
            if (module_command_line != 0) {
                copy_physical_string(read, module_command_line, m.command_line, sizeof m.command_line);
            }
        }
    }
    return true;
}

} // namespace kernel
