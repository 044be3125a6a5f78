#include "elf64.hpp"

namespace lib {
namespace {

constexpr uint32_t pt_load = 1;
constexpr uint16_t et_exec = 2;
constexpr uint16_t em_x86_64 = 62;
constexpr uint32_t pf_x = 1, pf_w = 2, pf_r = 4;

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t read32(const uint8_t* p) { return read16(p) | static_cast<uint32_t>(read16(p + 2)) << 16; }
uint64_t read64(const uint8_t* p) { return read32(p) | static_cast<uint64_t>(read32(p + 4)) << 32; }

} // namespace

const char* elf_error_text(ElfError error) {
    switch (error) {
    case ElfError::None: return "ok";
    case ElfError::TooSmall: return "file too small for an ELF header";
    case ElfError::BadMagic: return "not an ELF file";
    case ElfError::NotElf64LittleEndian: return "not a little-endian ELF64 file";
    case ElfError::NotExecutable: return "not an executable (ET_EXEC)";
    case ElfError::WrongMachine: return "not an x86_64 executable";
    case ElfError::BadProgramHeaders: return "program header table malformed";
    case ElfError::TooManySegments: return "too many loadable segments";
    case ElfError::SegmentOutsideFile: return "segment data lies outside the file";
    case ElfError::SegmentOutsideUserRange: return "segment outside the user address range";
    case ElfError::SegmentsOverlap: return "loadable segments overlap";
    case ElfError::EntryNotInExecutableSegment: return "entry point not in an executable segment";
    }
    return "unknown error";
}

Elf64Image::Elf64Image(ByteView image, uint64_t user_min, uint64_t user_max) {
    error_ = validate(image, user_min, user_max);
    if (error_ != ElfError::None) segment_count_ = 0;
}

ElfError Elf64Image::validate(ByteView image, uint64_t user_min, uint64_t user_max) {
    const uint8_t* h = image.data;
    if (image.size < 64) return ElfError::TooSmall;
    if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') return ElfError::BadMagic;
    if (h[4] != 2 || h[5] != 1) return ElfError::NotElf64LittleEndian;
    if (read16(h + 16) != et_exec) return ElfError::NotExecutable;
    if (read16(h + 18) != em_x86_64) return ElfError::WrongMachine;
    entry_ = read64(h + 24);
    uint64_t phoff = read64(h + 32);
    uint16_t phentsize = read16(h + 54);
    uint16_t phnum = read16(h + 56);
    if (phentsize < 56 || phnum == 0 || phoff > image.size ||
        static_cast<uint64_t>(phentsize) * phnum > image.size - phoff) {
        return ElfError::BadProgramHeaders;
    }
    for (uint16_t i = 0; i < phnum; ++i) {
        const uint8_t* ph = h + phoff + static_cast<uint64_t>(i) * phentsize;
        if (read32(ph) != pt_load) continue;
        if (segment_count_ == max_segments) return ElfError::TooManySegments;
        ElfSegment s;
        uint32_t flags = read32(ph + 4);
        s.file_offset = read64(ph + 8);
        s.virtual_address = read64(ph + 16);
        s.file_size = read64(ph + 32);
        s.memory_size = read64(ph + 40);
        s.readable = flags & pf_r;
        s.writable = flags & pf_w;
        s.executable = flags & pf_x;
        if (s.file_size > s.memory_size || s.file_offset > image.size || s.file_size > image.size - s.file_offset) {
            return ElfError::SegmentOutsideFile;
        }
        if (s.virtual_address < user_min || s.virtual_address >= user_max ||
            s.memory_size > user_max - s.virtual_address) {
            return ElfError::SegmentOutsideUserRange;
        }
        for (size_t j = 0; j < segment_count_; ++j) {
            const ElfSegment& o = segments_[j];
            // Compare at page granularity: the loader maps whole pages.
            uint64_t a0 = s.virtual_address & ~0xfffull, a1 = s.virtual_address + s.memory_size;
            uint64_t b0 = o.virtual_address & ~0xfffull, b1 = o.virtual_address + o.memory_size;
            if (a0 < b1 && b0 < a1) return ElfError::SegmentsOverlap;
        }
        segments_[segment_count_++] = s;
    }
    if (segment_count_ == 0) return ElfError::BadProgramHeaders;
    for (size_t j = 0; j < segment_count_; ++j) {
        const ElfSegment& s = segments_[j];
        if (s.executable && entry_ >= s.virtual_address && entry_ < s.virtual_address + s.memory_size) {
            return ElfError::None;
        }
    }
    return ElfError::EntryNotInExecutableSegment;
}

} // namespace lib
