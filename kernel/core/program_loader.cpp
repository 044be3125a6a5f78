#include "program_loader.hpp"

#include <amber/abi.h>
#include <arch/paging.hpp>

#include "../lib/elf64.hpp"
#include "frame_allocator.hpp"
#include "process.hpp"
#include "user_memory.hpp"

namespace kernel {
namespace {

// Maps [start, end) with fresh zeroed frames.
bool map_zeroed(Process& process, uint64_t start, uint64_t end, arch::Access access) {
    for (uint64_t va = start & ~(arch::page_size - 1); va < end; va += arch::page_size) {
        uint64_t frame;
        if (!frames().allocate(frame)) return false;
        __builtin_memset(arch::physical_to_virtual(frame), 0, arch::page_size);
        if (!process.page_table.map_user_page(va, frame, access)) {
            frames().free(frame);
            return false;
        }
    }
    return true;
}

// Writes into the new process regardless of page permissions (read-only text included).
void write_initial(Process& process, uint64_t address, const uint8_t* bytes, size_t length) {
    while (length > 0) {
        uint64_t physical;
        arch::Access access;
        bool mapped = process.page_table.lookup(address, physical, access);
        if (!mapped) return; // cannot happen: the segment was mapped just before
        size_t in_page = arch::page_size - (address & (arch::page_size - 1));
        size_t chunk = length < in_page ? length : in_page;
        __builtin_memcpy(arch::physical_to_virtual(physical), bytes, chunk);
        address += chunk;
        bytes += chunk;
        length -= chunk;
    }
}

} // namespace

bool load_program(Process& process, lib::ByteView elf, const ProgramArguments& arguments, const char*& error) {
    lib::Elf64Image image(elf, AMBER_USER_MIN, AMBER_USER_STACK_TOP - AMBER_USER_STACK_SIZE);
    if (image.error() != lib::ElfError::None) {
        error = lib::elf_error_text(image.error());
        return false;
    }
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const lib::ElfSegment& s = image.segment(i);
        arch::Access access = arch::Access::Read;
        if (s.writable) access = access | arch::Access::Write;
        if (s.executable) access = access | arch::Access::Execute;
        if (!map_zeroed(process, s.virtual_address, s.virtual_address + s.memory_size, access)) {
            error = "out of memory loading a segment";
            return false;
        }
        write_initial(process, s.virtual_address, elf.data + s.file_offset, s.file_size);
    }
    if (!map_zeroed(process, AMBER_USER_STACK_TOP - AMBER_USER_STACK_SIZE, AMBER_USER_STACK_TOP,
                    arch::Access::Read | arch::Access::Write)) {
        error = "out of memory for the stack";
        return false;
    }

    // Stack, from the top down: argument strings, then (16-byte aligned) argc, argv[], NULL.
    uint64_t string_pointers[max_program_arguments];
    uint64_t top = AMBER_USER_STACK_TOP;
    for (unsigned i = arguments.count; i-- > 0;) {
        const lib::StringView& a = arguments.values[i];
        top -= a.size + 1;
        const uint8_t nul = 0;
        if (!copy_to_user(process, top, a.data, a.size) || !copy_to_user(process, top + a.size, &nul, 1)) {
            error = "arguments do not fit on the stack";
            return false;
        }
        string_pointers[i] = top;
    }
    top &= ~uint64_t{15};
    uint64_t words = 1 + arguments.count + 1;
    top -= ((words + 1) & ~uint64_t{1}) * 8; // keep rsp 16-byte aligned
    uint64_t argc = arguments.count;
    uint64_t null = 0;
    if (!copy_to_user(process, top, &argc, 8) ||
        !copy_to_user(process, top + 8, string_pointers, arguments.count * 8) ||
        !copy_to_user(process, top + 8 + arguments.count * 8, &null, 8)) {
        error = "arguments do not fit on the stack";
        return false;
    }
    if (create_thread(process, image.entry(), top, argc, top + 8) == nullptr) {
        error = "out of memory for the first thread";
        return false;
    }
    return true;
}

} // namespace kernel
