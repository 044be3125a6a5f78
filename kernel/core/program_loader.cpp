#include "program_loader.hpp"

#include <amber/abi.h>
#include <arch/paging.hpp>

#include "../lib/elf64.hpp"
#include "address_space.hpp"
#include "lifecycle.hpp"
#include "scheduler.hpp"
#include "user_memory.hpp"

namespace kernel {

bool load_program(Space& process, lib::ByteView elf, const ProgramArguments& arguments, const char*& error) {
    lib::Elf64Image image(elf, AMBER_USER_MIN, AMBER_USER_STACK_TOP - AMBER_USER_STACK_SIZE);
    if (image.error() != lib::ElfError::None) {
        error = lib::elf_error_text(image.error());
        return false;
    }
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const lib::ElfSegment& s = image.segment(i);
        uint32_t protection =
            AMBER_PROT_READ | (s.writable ? AMBER_PROT_WRITE : 0) | (s.executable ? AMBER_PROT_EXECUTE : 0);
        uint64_t start = s.virtual_address & ~(arch::page_size - 1);
        uint64_t end = (s.virtual_address + s.memory_size + arch::page_size - 1) & ~(arch::page_size - 1);
        uint64_t done;
        if (allocate_pages(process, start, end - start, protection, done, [] { return true; }) != AMBER_OK) {
            error = "out of memory loading a segment";
            return false;
        }
        if (!copy_to_user_ignoring_protection(process, s.virtual_address, elf.data + s.file_offset, s.file_size)) {
            error = "segment not mapped"; // cannot happen: it was mapped just before
            return false;
        }
    }
    uint64_t done;
    if (allocate_pages(process, AMBER_USER_STACK_TOP - AMBER_USER_STACK_SIZE, AMBER_USER_STACK_SIZE,
                       AMBER_PROT_READ | AMBER_PROT_WRITE, done, [] { return true; }) != AMBER_OK) {
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
    Thread* thread = create_thread(process, 0);
    if (thread == nullptr) {
        error = "out of memory for the first thread";
        return false;
    }
    arch::initialize_user_context(thread->context, image.entry(), top, argc, top + 8);
    amber_status status = process.handles.install(AMBER_HANDLE_FIRST_THREAD, thread, AMBER_RIGHTS_ALL);
    make_runnable(thread);
    thread->release();
    if (status != AMBER_OK) {
        error = "out of memory for the handle table";
        return false;
    }
    return true;
}

} // namespace kernel
