// kernel/core/boot_info.cpp: synthetic Multiboot2 information blocks and Xen PVH start_info
// structures placed in a fake physical memory, read through a PhysicalReader that returns nullptr
// outside it: command lines, modules, memory maps, and every malformed-input error.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdint.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "../../kernel/core/boot_info.hpp"

namespace {

using Bytes = std::vector<uint8_t>;

void put32(Bytes& bytes, uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(value >> (8 * i)));
}
void put64(Bytes& bytes, uint64_t value) {
    put32(bytes, static_cast<uint32_t>(value));
    put32(bytes, static_cast<uint32_t>(value >> 32));
}
Bytes string_bytes(const std::string& text) { return Bytes(text.c_str(), text.c_str() + text.size() + 1); }

// Readable "physical memory": [base, base + bytes.size()). Everything else reads as nullptr.
struct PhysicalMemory {
    static constexpr uint64_t base = 0x100000;
    Bytes bytes;

    // Appends `data` at the next 8-byte boundary and returns its physical address.
    uint64_t place(const Bytes& data) {
        bytes.resize((bytes.size() + 7) / 8 * 8);
        uint64_t physical = base + bytes.size();
        bytes.insert(bytes.end(), data.begin(), data.end());
        return physical;
    }
    uint64_t end() const { return base + bytes.size(); }
};

PhysicalMemory memory;

const void* read_physical(uint64_t physical, size_t length) {
    if (physical < PhysicalMemory::base) return nullptr;
    uint64_t offset = physical - PhysicalMemory::base;
    if (offset > memory.bytes.size() || length > memory.bytes.size() - offset) return nullptr;
    return memory.bytes.data() + offset;
}

struct E820Entry {
    uint64_t base, length;
    uint32_t type; // 1 RAM, 2 reserved, 3 ACPI reclaimable, ...
};

// A Multiboot2 boot information block, tag by tag.
class Multiboot2Info {
  public:
    Multiboot2Info() : bytes_(8, 0) {}
    Multiboot2Info& tag(uint32_t type, const Bytes& payload, uint32_t recorded_size = 0) {
        bytes_.resize((bytes_.size() + 7) / 8 * 8);
        put32(bytes_, type);
        put32(bytes_, recorded_size != 0 ? recorded_size : static_cast<uint32_t>(8 + payload.size()));
        bytes_.insert(bytes_.end(), payload.begin(), payload.end());
        return *this;
    }
    Multiboot2Info& command_line(const std::string& text) { return tag(1, string_bytes(text)); }
    Multiboot2Info& module(uint32_t start, uint32_t end, const std::string& text) {
        Bytes payload;
        put32(payload, start);
        put32(payload, end);
        Bytes name = string_bytes(text);
        payload.insert(payload.end(), name.begin(), name.end());
        return tag(3, payload);
    }
    Multiboot2Info& memory_map(const std::vector<E820Entry>& entries, uint32_t entry_size = 24) {
        Bytes payload;
        put32(payload, entry_size);
        put32(payload, 0); // entry_version
        for (const E820Entry& e : entries) {
            put64(payload, e.base);
            put64(payload, e.length);
            put32(payload, e.type);
            payload.resize(payload.size() + entry_size - 20, 0);
        }
        return tag(6, payload);
    }
    Multiboot2Info& end() { return tag(0, {}); }
    // Places the block in physical memory (total_size patched in) and returns its address.
    uint64_t place(uint32_t recorded_total = 0) {
        Bytes bytes = bytes_;
        bytes.resize((bytes.size() + 7) / 8 * 8);
        uint32_t total = recorded_total != 0 ? recorded_total : static_cast<uint32_t>(bytes.size());
        for (int i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(total >> (8 * i));
        return memory.place(bytes);
    }

  private:
    Bytes bytes_;
};

const std::vector<E820Entry> pc_memory_map = {
    {0x0, 0x9fc00, 1},        {0x9fc00, 0x400, 2},     {0xf0000, 0x10000, 2},
    {0x100000, 0x7ee0000, 1}, {0x7fe0000, 0x20000, 3}, {0x8000000, 0, 1}, // empty RAM: ignored
};

// A PVH start_info (version >= 1) with the given addresses.
Bytes pvh_start_info(uint32_t magic, uint32_t version, uint32_t module_count, uint64_t module_list,
                     uint64_t command_line, uint64_t memory_map, uint32_t memory_map_entries) {
    Bytes info;
    put32(info, magic);
    put32(info, version);
    put32(info, 0); // flags
    put32(info, module_count);
    put64(info, module_list);
    put64(info, command_line);
    put64(info, 0); // rsdp_paddr
    put64(info, memory_map);
    put32(info, memory_map_entries);
    put32(info, 0); // reserved
    return info;
}

Bytes pvh_memory_map(const std::vector<E820Entry>& entries) {
    Bytes map;
    for (const E820Entry& e : entries) {
        put64(map, e.base);
        put64(map, e.length);
        put32(map, e.type);
        put32(map, 0);
    }
    return map;
}

Bytes pvh_module(uint64_t base, uint64_t size, uint64_t command_line) {
    Bytes entry;
    put64(entry, base);
    put64(entry, size);
    put64(entry, command_line);
    put64(entry, 0); // reserved
    return entry;
}

// Each test starts with empty physical memory and a fresh BootInfo.
struct BootInfoFixture {
    BootInfoFixture() { memory.bytes.clear(); }
    bool multiboot2(uint64_t address) { return kernel::parse_multiboot2(address, read_physical, info, error); }
    bool pvh(uint64_t address) { return kernel::parse_pvh(address, read_physical, info, error); }
    std::string error_text() const { return error != nullptr ? error : "<no error>"; }
    void check_pc_usable_ranges() {
        BOOST_REQUIRE(info.usable_count == 2u);
        BOOST_TEST(info.usable[0].base == 0u);
        BOOST_TEST(info.usable[0].length == 0x9fc00u);
        BOOST_TEST(info.usable[1].base == 0x100000u);
        BOOST_TEST(info.usable[1].length == 0x7ee0000u);
    }

    kernel::BootInfo info;
    const char* error = nullptr;
};

struct PvhLayout {
    uint64_t start_info, memory_map, module_list, command_line;
};

// A start_info slot (written later with write_at), then the PC memory map, one module entry (no
// command line) and the command line "x=1", in this order.
PvhLayout place_pvh_parts() {
    PvhLayout at;
    at.start_info = memory.place(Bytes(56, 0));
    at.memory_map = memory.place(pvh_memory_map(pc_memory_map));
    at.module_list = memory.place(pvh_module(0x200000, 0x1000, 0));
    at.command_line = memory.place(string_bytes("x=1"));
    return at;
}

void write_at(uint64_t physical, const Bytes& data) {
    std::copy(data.begin(), data.end(), memory.bytes.begin() + static_cast<ptrdiff_t>(physical - PhysicalMemory::base));
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

} // namespace

BOOST_FIXTURE_TEST_SUITE(boot_info, BootInfoFixture)

BOOST_AUTO_TEST_CASE(multiboot2_command_line_modules_and_memory_map) {
    uint64_t address = Multiboot2Info()
                           .command_line("start=hello panic=halt")
                           .tag(4, Bytes(8, 0xee)) // basic memory info: ignored
                           .module(0x200000, 0x203000, "initrd")
                           .module(0x300000, 0x300000, "empty module")
                           .memory_map(pc_memory_map)
                           .end()
                           .place();
    BOOST_TEST(multiboot2(address), error_text());
    BOOST_TEST(std::string(info.loader) == "multiboot2");
    BOOST_TEST(std::string(info.command_line) == "start=hello panic=halt");
    BOOST_REQUIRE(info.module_count == 2u);
    BOOST_TEST(info.modules[0].physical_base == 0x200000u);
    BOOST_TEST(info.modules[0].size == 0x3000u);
    BOOST_TEST(std::string(info.modules[0].command_line) == "initrd");
    BOOST_TEST(info.modules[1].size == 0u);
    BOOST_TEST(std::string(info.modules[1].command_line) == "empty module");
    check_pc_usable_ranges();
}

BOOST_AUTO_TEST_CASE(multiboot2_larger_memory_map_entries_and_long_strings) {
    std::string long_command_line(600, 'c');
    std::string long_module_name(100, 'm');
    uint64_t address = Multiboot2Info()
                           .memory_map(pc_memory_map, 32) // entries may be bigger than 24 bytes
                           .command_line(long_command_line)
                           .module(0x1000, 0x2000, long_module_name)
                           .end()
                           .place();
    BOOST_TEST(multiboot2(address), error_text());
    check_pc_usable_ranges();
    BOOST_TEST(std::string(info.command_line) == long_command_line.substr(0, sizeof info.command_line - 1));
    BOOST_TEST(std::string(info.modules[0].command_line) ==
               long_module_name.substr(0, sizeof info.modules[0].command_line - 1));
}

BOOST_AUTO_TEST_CASE(multiboot2_stops_at_the_end_tag) {
    uint64_t address = Multiboot2Info().memory_map(pc_memory_map).end().command_line("after the end").place();
    BOOST_TEST(multiboot2(address), error_text());
    BOOST_TEST(std::string(info.command_line) == "");
}

BOOST_AUTO_TEST_CASE(multiboot2_tag_overrunning_the_info_is_an_error) {
    uint64_t address = Multiboot2Info().memory_map(pc_memory_map).tag(1, string_bytes("x"), 4096).end().place();
    BOOST_TEST(!multiboot2(address));
    BOOST_TEST(contains(error_text(), "overrun"), error_text());

    address = Multiboot2Info().tag(1, string_bytes("x"), 4).memory_map(pc_memory_map).end().place(); // size < 8
    BOOST_TEST(!multiboot2(address));
    BOOST_TEST(contains(error_text(), "overrun"), error_text());
}

BOOST_AUTO_TEST_CASE(multiboot2_without_memory_map_is_an_error) {
    uint64_t address = Multiboot2Info().command_line("start=hello").module(0x1000, 0x2000, "m").end().place();
    BOOST_TEST(!multiboot2(address));
    BOOST_TEST(contains(error_text(), "memory map"), error_text());
}

BOOST_AUTO_TEST_CASE(multiboot2_malformed_tags_are_errors) {
    uint64_t address = Multiboot2Info().memory_map(pc_memory_map).module(0x3000, 0x2000, "backwards").end().place();
    BOOST_TEST(!multiboot2(address), "module ending before it starts");
    Bytes short_module;
    put32(short_module, 0x1000);
    address = Multiboot2Info().memory_map(pc_memory_map).tag(3, short_module).end().place();
    BOOST_TEST(!multiboot2(address), "module tag too small");
    Bytes small_entries;
    put32(small_entries, 16); // entry_size below the 24 bytes of an entry
    put32(small_entries, 0);
    small_entries.resize(8 + 24, 0);
    address = Multiboot2Info().tag(6, small_entries).end().place();
    BOOST_TEST(!multiboot2(address), "memory map entries too small");
    address = Multiboot2Info().tag(6, Bytes(4, 0)).end().place();
    BOOST_TEST(!multiboot2(address), "memory map tag too small");
}

BOOST_AUTO_TEST_CASE(multiboot2_bad_size_or_unreadable_info_is_an_error) {
    BOOST_TEST(!multiboot2(0x1000), "outside physical memory");
    BOOST_TEST(contains(error_text(), "unreadable"), error_text());
    Multiboot2Info valid;
    valid.memory_map(pc_memory_map).end();
    BOOST_TEST(!multiboot2(valid.place(8)), "total size below 16");
    BOOST_TEST(!multiboot2(valid.place(2u << 20)), "total size above 1 MiB");
    uint64_t address = valid.place();
    memory.bytes.resize(address - PhysicalMemory::base + 40); // the block runs past readable memory
    BOOST_TEST(!multiboot2(address));
    BOOST_TEST(contains(error_text(), "unreadable"), error_text());
}

BOOST_AUTO_TEST_CASE(pvh_command_line_modules_and_memory_map) {
    uint64_t command_line = memory.place(string_bytes("start=hello,ls console=com1"));
    uint64_t module_name = memory.place(string_bytes("initrd"));
    Bytes modules = pvh_module(0x200000, 0x5000, module_name);
    Bytes second = pvh_module(0x400000, 0x10, 0);
    modules.insert(modules.end(), second.begin(), second.end());
    uint64_t module_list = memory.place(modules);
    uint64_t memory_map = memory.place(pvh_memory_map(pc_memory_map));
    uint64_t start_info = memory.place(pvh_start_info(kernel::pvh_magic, 1, 2, module_list, command_line, memory_map,
                                                      static_cast<uint32_t>(pc_memory_map.size())));
    memory.place(Bytes(4096, 0)); // plenty of readable memory after every string (see the test at the end)
    BOOST_TEST(pvh(start_info), error_text());
    BOOST_TEST(std::string(info.loader) == "pvh");
    BOOST_TEST(std::string(info.command_line) == "start=hello,ls console=com1");
    BOOST_REQUIRE(info.module_count == 2u);
    BOOST_TEST(info.modules[0].physical_base == 0x200000u);
    BOOST_TEST(info.modules[0].size == 0x5000u);
    BOOST_TEST(std::string(info.modules[0].command_line) == "initrd");
    BOOST_TEST(info.modules[1].physical_base == 0x400000u);
    BOOST_TEST(std::string(info.modules[1].command_line) == "");
    check_pc_usable_ranges();
}

BOOST_AUTO_TEST_CASE(pvh_without_command_line_or_modules) {
    uint64_t memory_map = memory.place(pvh_memory_map(pc_memory_map));
    uint64_t start_info = memory.place(pvh_start_info(kernel::pvh_magic, 1, 0, 0, 0, memory_map, 6));
    BOOST_TEST(pvh(start_info), error_text());
    BOOST_TEST(std::string(info.command_line) == "");
    BOOST_TEST(info.module_count == 0u);
    check_pc_usable_ranges();
}

BOOST_AUTO_TEST_CASE(pvh_bad_magic_and_version_0_are_errors) {
    uint64_t memory_map = memory.place(pvh_memory_map(pc_memory_map));
    uint64_t start_info = memory.place(pvh_start_info(0x336ec579, 1, 0, 0, 0, memory_map, 6));
    BOOST_TEST(!pvh(start_info));
    BOOST_TEST(contains(error_text(), "magic"), error_text());
    start_info = memory.place(pvh_start_info(kernel::pvh_magic, 0, 0, 0, 0, memory_map, 6));
    BOOST_TEST(!pvh(start_info));
    BOOST_TEST(contains(error_text(), "version"), error_text());
}

BOOST_AUTO_TEST_CASE(pvh_unreadable_pointers_are_errors) {
    const uint64_t nowhere = 0x10;
    struct Case {
        const char* what;
        uint32_t module_count;
        bool module_list_readable, command_line_readable, memory_map_readable;
        uint32_t memory_map_entries;
    } cases[] = {
        {"memory map", 0, true, true, false, 6},   {"memory map running off the end", 0, true, true, true, 1000},
        {"module list", 1, false, true, true, 6},  {"module list running off the end", 60, true, true, true, 6},
        {"command line", 0, true, false, true, 6},
    };
    for (const Case& c : cases) {
        memory.bytes.clear();
        info = kernel::BootInfo{};
        error = nullptr;
        PvhLayout at = place_pvh_parts();
        write_at(at.start_info,
                 pvh_start_info(kernel::pvh_magic, 1, c.module_count, c.module_list_readable ? at.module_list : nowhere,
                                c.command_line_readable ? at.command_line : nowhere,
                                c.memory_map_readable ? at.memory_map : nowhere, c.memory_map_entries));
        BOOST_TEST(!pvh(at.start_info), c.what);
        BOOST_TEST(contains(error_text(), "unreadable"), c.what << ": " << error_text());
    }
    BOOST_TEST(!pvh(nowhere), "start info itself");
    BOOST_TEST(contains(error_text(), "unreadable"), error_text());
}

BOOST_AUTO_TEST_CASE(pvh_implausible_counts_are_errors) {
    uint64_t memory_map = memory.place(pvh_memory_map(pc_memory_map));
    uint64_t start_info = memory.place(pvh_start_info(kernel::pvh_magic, 1, 0, 0, 0, memory_map, 0));
    BOOST_TEST(!pvh(start_info), "empty memory map");
    start_info = memory.place(pvh_start_info(kernel::pvh_magic, 1, 65, memory_map, 0, memory_map, 6));
    BOOST_TEST(!pvh(start_info), "65 modules");
}

// The strings may sit anywhere in readable memory, including right before its end.
BOOST_AUTO_TEST_CASE(pvh_strings_at_the_end_of_readable_memory_are_copied_whole) {
    PvhLayout at = place_pvh_parts();
    uint64_t module_name = memory.place(string_bytes("initrd"));
    uint64_t command_line = memory.place(string_bytes("start=hello"));
    BOOST_REQUIRE(command_line + 12 == memory.end());
    write_at(at.module_list, pvh_module(0x200000, 0x1000, module_name));
    write_at(at.start_info, pvh_start_info(kernel::pvh_magic, 1, 1, at.module_list, command_line, at.memory_map, 6));

    BOOST_TEST(pvh(at.start_info), error_text());
    BOOST_TEST(std::string(info.command_line) == "start=hello");
    BOOST_REQUIRE(info.module_count == 1u);
    BOOST_TEST(std::string(info.modules[0].command_line) == "initrd");
}

BOOST_AUTO_TEST_SUITE_END()
