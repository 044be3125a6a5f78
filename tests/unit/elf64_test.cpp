// kernel/lib/elf64.cpp: ELF64 images built in memory, one per validation rule (a valid executable
// and each way validate() must reject one), plus the real user program build/user/bin/hello.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdint.h>
#include <stdlib.h>

#include <algorithm>
#include <amber/abi.h>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "../../kernel/lib/elf64.hpp"
#include "host_support.hpp"

namespace {

constexpr uint32_t pt_load = 1, pt_note = 4;
constexpr uint32_t pf_x = 1, pf_w = 2, pf_r = 4;

struct ProgramHeader {
    uint32_t type = pt_load;
    uint32_t flags = pf_r;
    uint64_t offset = 0;
    uint64_t virtual_address = 0;
    uint64_t file_size = 0;
    uint64_t memory_size = 0;
};

// Fields of an ELF64 header and its program headers; image() lays them out little-endian.
struct ElfBuilder {
    uint8_t elf_class = 2; // ELFCLASS64
    uint8_t data = 1;      // ELFDATA2LSB
    uint16_t type = 2;     // ET_EXEC
    uint16_t machine = 62; // EM_X86_64
    uint64_t entry = 0x401000;
    uint64_t phoff = 64;
    uint16_t phentsize = 56;
    int phnum = -1; // -1: the number of headers
    size_t file_size = 0x3000;
    std::vector<ProgramHeader> headers = {
        {pt_load, pf_r | pf_x, 0x1000, 0x401000, 0x800, 0x800},
        {pt_load, pf_r | pf_w, 0x2000, 0x402000, 0x100, 0x2000},
    };

    std::vector<uint8_t> image() const {
        size_t table_end = headers.empty() ? 0 : phoff + headers.size() * phentsize;
        std::vector<uint8_t> bytes(std::max({file_size, table_end, size_t{64}}), 0);
        struct Field {
            size_t offset;
            uint64_t value;
            int size;
        };
        auto put = [&](std::initializer_list<Field> fields) {
            for (const Field& f : fields) {
                for (int i = 0; i < f.size; ++i) bytes[f.offset + i] = static_cast<uint8_t>(f.value >> (8 * i));
            }
        };
        uint64_t header_count = phnum < 0 ? headers.size() : static_cast<uint64_t>(phnum);
        put({{0, 0x464c457f, 4},
             {4, elf_class, 1},
             {5, data, 1},
             {6, 1, 1},
             {16, type, 2},
             {18, machine, 2},
             {20, 1, 4},
             {24, entry, 8},
             {32, phoff, 8},
             {52, 64, 2},
             {54, phentsize, 2},
             {56, header_count, 2}});
        for (size_t i = 0; i < headers.size(); ++i) {
            size_t at = phoff + i * phentsize;
            const ProgramHeader& h = headers[i];
            put({{at, h.type, 4},
                 {at + 4, h.flags, 4},
                 {at + 8, h.offset, 8},
                 {at + 16, h.virtual_address, 8},
                 {at + 24, h.virtual_address, 8},
                 {at + 32, h.file_size, 8},
                 {at + 40, h.memory_size, 8},
                 {at + 48, 0x1000, 8}});
        }
        return bytes;
    }
};

lib::ElfError validate(const std::vector<uint8_t>& image) {
    lib::Elf64Image elf(host_test::view_of(image), AMBER_USER_MIN, AMBER_USER_MAX);
    if (elf.error() != lib::ElfError::None) BOOST_TEST(elf.segment_count() == 0u);
    return elf.error();
}

lib::ElfError validate(const ElfBuilder& builder) { return validate(builder.image()); }

} // namespace

// Lets BOOST_TEST print ElfError values.
namespace lib {
std::ostream& operator<<(std::ostream& out, ElfError error) { return out << elf_error_text(error); }
} // namespace lib

BOOST_AUTO_TEST_SUITE(elf64)

BOOST_AUTO_TEST_CASE(valid_executable) {
    ElfBuilder builder;
    builder.headers.insert(builder.headers.begin(), ProgramHeader{pt_note, pf_r, 0x100, 0, 0x20, 0x20}); // skipped
    std::vector<uint8_t> image = builder.image();
    lib::Elf64Image elf(host_test::view_of(image), AMBER_USER_MIN, AMBER_USER_MAX);
    BOOST_TEST(elf.error() == lib::ElfError::None);
    BOOST_TEST(elf.entry() == 0x401000u);
    BOOST_REQUIRE(elf.segment_count() == 2u);
    const lib::ElfSegment& text = elf.segment(0);
    BOOST_TEST(text.virtual_address == 0x401000u);
    BOOST_TEST(text.file_offset == 0x1000u);
    BOOST_TEST(text.file_size == 0x800u);
    BOOST_TEST(text.memory_size == 0x800u);
    BOOST_TEST((text.readable && !text.writable && text.executable));
    const lib::ElfSegment& data = elf.segment(1);
    BOOST_TEST(data.memory_size == 0x2000u); // .bss beyond the file bytes
    BOOST_TEST((data.readable && data.writable && !data.executable));
    BOOST_TEST(std::string(lib::elf_error_text(lib::ElfError::None)) == "ok");
}

BOOST_AUTO_TEST_CASE(identification_errors) {
    BOOST_TEST(validate(std::vector<uint8_t>(63, 0)) == lib::ElfError::TooSmall);
    std::vector<uint8_t> image = ElfBuilder{}.image();
    image[1] = 'e';
    BOOST_TEST(validate(image) == lib::ElfError::BadMagic);
    ElfBuilder builder;
    builder.elf_class = 1; // ELFCLASS32
    BOOST_TEST(validate(builder) == lib::ElfError::NotElf64LittleEndian);
    builder = ElfBuilder{};
    builder.data = 2; // big-endian
    BOOST_TEST(validate(builder) == lib::ElfError::NotElf64LittleEndian);
    builder = ElfBuilder{};
    builder.machine = 3; // EM_386
    BOOST_TEST(validate(builder) == lib::ElfError::WrongMachine);
    builder = ElfBuilder{};
    builder.type = 3; // ET_DYN (PIE)
    BOOST_TEST(validate(builder) == lib::ElfError::NotExecutable);
}

BOOST_AUTO_TEST_CASE(program_header_table_errors) {
    ElfBuilder builder;
    builder.phoff = 0x3000 - 56; // the second header would lie past the end of the file
    builder.file_size = 0x3000;
    std::vector<uint8_t> image = builder.image();
    image.resize(0x3000);
    BOOST_TEST(validate(image) == lib::ElfError::BadProgramHeaders);
    builder = ElfBuilder{};
    builder.phoff = 1ull << 40;
    builder.headers.clear();
    builder.phnum = 1;
    BOOST_TEST(validate(builder) == lib::ElfError::BadProgramHeaders);
    builder = ElfBuilder{};
    builder.phnum = 0;
    BOOST_TEST(validate(builder) == lib::ElfError::BadProgramHeaders);
    builder = ElfBuilder{};
    builder.phentsize = 32; // smaller than an Elf64_Phdr
    BOOST_TEST(validate(builder) == lib::ElfError::BadProgramHeaders);
    builder = ElfBuilder{};
    builder.headers = {{pt_note, pf_r, 0x100, 0, 0x20, 0x20}}; // nothing to load
    BOOST_TEST(validate(builder) == lib::ElfError::BadProgramHeaders);
}

BOOST_AUTO_TEST_CASE(segment_file_bytes_must_lie_in_the_file) {
    ElfBuilder builder;
    builder.headers[1].offset = 0x2f80; // 0x100 bytes from 0x2f80 pass the end at 0x3000
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideFile);
    builder = ElfBuilder{};
    builder.headers[1].offset = 0x4000;
    builder.headers[1].file_size = 0;
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideFile);
    builder = ElfBuilder{};
    builder.headers[1].offset = ~0ull - 0x10; // offset + size wraps
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideFile);
    builder = ElfBuilder{};
    builder.headers[1].file_size = 0x2001; // filesz > memsz
    builder.headers[1].offset = 0;
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideFile);
}

BOOST_AUTO_TEST_CASE(segments_must_lie_in_the_user_range) {
    ElfBuilder builder;
    builder.headers[1].virtual_address = AMBER_USER_MIN - 0x1000;
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideUserRange);
    builder.headers[1].virtual_address = 0; // the null page
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideUserRange);
    builder.headers[1].virtual_address = AMBER_USER_MAX;
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideUserRange);
    builder.headers[1].virtual_address = 0xffffffff80000000ull; // kernel half
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideUserRange);
    builder.headers[1].virtual_address = AMBER_USER_MAX - 0x1000; // ends past the user range
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideUserRange);
    builder.headers[1].virtual_address = 0x402000;
    builder.headers[1].memory_size = ~0ull - 0x1000; // wraps around
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentOutsideUserRange);
    builder.headers[1].virtual_address = AMBER_USER_MAX - 0x2000; // ends exactly at the limit: fine
    builder.headers[1].memory_size = 0x2000;
    BOOST_TEST(validate(builder) == lib::ElfError::None);
}

BOOST_AUTO_TEST_CASE(segments_must_not_overlap) {
    ElfBuilder builder;
    builder.headers[1].virtual_address = 0x401400; // inside the text segment
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentsOverlap);
    builder.headers[1].virtual_address = 0x400000; // ends inside the text segment
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentsOverlap);
    builder.headers[1].virtual_address = 0x401900; // after the text bytes but in the same page
    BOOST_TEST(validate(builder) == lib::ElfError::SegmentsOverlap);
    builder.headers[1].virtual_address = 0x402000; // the next page
    BOOST_TEST(validate(builder) == lib::ElfError::None);
}

BOOST_AUTO_TEST_CASE(entry_must_be_in_an_executable_segment) {
    ElfBuilder builder;
    builder.entry = 0x402010; // in the data segment
    BOOST_TEST(validate(builder) == lib::ElfError::EntryNotInExecutableSegment);
    builder.entry = 0x401800; // one past the text segment
    BOOST_TEST(validate(builder) == lib::ElfError::EntryNotInExecutableSegment);
    builder.entry = 0;
    BOOST_TEST(validate(builder) == lib::ElfError::EntryNotInExecutableSegment);
    builder.entry = 0x4017ff;
    BOOST_TEST(validate(builder) == lib::ElfError::None);
}

BOOST_AUTO_TEST_CASE(at_most_max_segments) {
    ElfBuilder builder;
    builder.headers.clear();
    for (uint64_t i = 0; i < lib::Elf64Image::max_segments; ++i) {
        builder.headers.push_back({pt_load, pf_r | pf_x, 0x1000, 0x401000 + i * 0x1000, 0x10, 0x10});
    }
    BOOST_TEST(validate(builder) == lib::ElfError::None);
    builder.headers.push_back({pt_note, pf_r, 0x100, 0, 0x20, 0x20}); // non-load headers don't count
    BOOST_TEST(validate(builder) == lib::ElfError::None);
    builder.headers.push_back({pt_load, pf_r, 0x1000, 0x401000 + 0x100000, 0x10, 0x10});
    BOOST_TEST(validate(builder) == lib::ElfError::TooManySegments);
}

BOOST_AUTO_TEST_CASE(every_error_has_a_text) {
    for (int e = static_cast<int>(lib::ElfError::None);
         e <= static_cast<int>(lib::ElfError::EntryNotInExecutableSegment); ++e) {
        std::string text = lib::elf_error_text(static_cast<lib::ElfError>(e));
        BOOST_TEST((!text.empty() && text != "unknown error"), "error " << e);
    }
}

BOOST_AUTO_TEST_CASE(the_built_user_program_is_valid) {
    const char* directory = std::getenv("AMBER_USER_BIN_DIR");
    std::string path = std::string(directory != nullptr ? directory : "build/user/bin") + "/hello";
    std::vector<uint8_t> image;
    if (!host_test::read_file(path, image)) {
        BOOST_TEST_MESSAGE("skipped: " << path << " has not been built");
        return;
    }
    lib::Elf64Image elf(host_test::view_of(image), AMBER_USER_MIN, AMBER_USER_MAX);
    BOOST_TEST_INFO(path);
    BOOST_TEST(elf.error() == lib::ElfError::None);
    BOOST_TEST(elf.segment_count() >= 1u);
    bool entry_is_executable = false;
    for (size_t i = 0; i < elf.segment_count(); ++i) {
        const lib::ElfSegment& s = elf.segment(i);
        if (s.executable && elf.entry() >= s.virtual_address && elf.entry() < s.virtual_address + s.memory_size) {
            entry_is_executable = true;
        }
        BOOST_TEST(!(s.writable && s.executable), "segment " << i << " is writable and executable");
    }
    BOOST_TEST(entry_is_executable);
}

BOOST_AUTO_TEST_SUITE_END()
