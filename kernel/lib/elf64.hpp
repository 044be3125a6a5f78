// Validation of ELF64 x86_64 executables and iteration over their loadable segments.
//
// validate() checks every header field the loader relies on, so a loader may map segments
// without further checks: each segment's file bytes lie inside the image, memsz >= filesz,
// the virtual range lies in [user_min, user_max) without wrapping, and segments don't overlap.
#pragma once

#include "bytes.hpp"

namespace lib {

struct ElfSegment {
    uint64_t virtual_address = 0;
    uint64_t memory_size = 0;
    uint64_t file_offset = 0;
    uint64_t file_size = 0;
    bool readable = false;
    bool writable = false;
    bool executable = false;
};

enum class ElfError {
    None,
    TooSmall,
    BadMagic,
    NotElf64LittleEndian,
    NotExecutable,
    WrongMachine,
    BadProgramHeaders,
    TooManySegments,
    SegmentOutsideFile,
    SegmentOutsideUserRange,
    SegmentsOverlap,
    EntryNotInExecutableSegment,
};

const char* elf_error_text(ElfError error);

class Elf64Image {
  public:
    static constexpr size_t max_segments = 16;

    // Parses and validates `image`; on failure error() says why and no segment is reported.
    Elf64Image(ByteView image, uint64_t user_min, uint64_t user_max);

    ElfError error() const { return error_; }
    uint64_t entry() const { return entry_; }
    size_t segment_count() const { return segment_count_; }
    const ElfSegment& segment(size_t i) const { return segments_[i]; }

  private:
    ElfError validate(ByteView image, uint64_t user_min, uint64_t user_max);

    ElfError error_ = ElfError::None;
    uint64_t entry_ = 0;
    size_t segment_count_ = 0;
    ElfSegment segments_[max_segments];
};

} // namespace lib
