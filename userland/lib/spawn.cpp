#include "spawn.hpp"

#include <amber/abi.h>

#include "../../kernel/lib/elf64.hpp"
#include "../../kernel/lib/ustar.hpp"
#include "../runtime/runtime.hpp"
#include "space_name.hpp"

extern "C" void* malloc(size_t);
extern "C" void free(void*);

namespace amber {
namespace {

constexpr uint64_t page = 4096;
constexpr unsigned max_arguments = 16;
constexpr size_t max_argument_bytes = 2048;

const uint8_t* archive_data = nullptr;
size_t archive_size = 0;

uint64_t page_down(uint64_t a) { return a & ~(page - 1); }
uint64_t page_up(uint64_t a) { return (a + page - 1) & ~(page - 1); }

amber_status load_segments(amber_handle_t space, lib::ByteView elf, const lib::Elf64Image& image) {
    for (size_t i = 0; i < image.segment_count(); ++i) {
        const lib::ElfSegment& s = image.segment(i);
        uint32_t protection =
            AMBER_PROT_READ | (s.writable ? AMBER_PROT_WRITE : 0) | (s.executable ? AMBER_PROT_EXECUTE : 0);
        uint64_t start = page_down(s.virtual_address);
        uint64_t end = page_up(s.virtual_address + s.memory_size);
        amber_status status = sys::memory_allocate(space, start, end - start, protection).status;
        if (status != AMBER_OK) return status;
        if (s.file_size > 0) {
            status = sys::memory_write(space, s.virtual_address, elf.data + s.file_offset, s.file_size).status;
            if (status != AMBER_OK) return status;
        }
    }
    return AMBER_OK;
}

// The stack as the kernel makes it: strings at the top, then argc, argv[], NULL (16-aligned).
amber_status build_stack(amber_handle_t space, const SpawnRequest& request, uint64_t& rsp, uint64_t& argv_address) {
    amber_status status = sys::memory_allocate(space, AMBER_USER_STACK_TOP - AMBER_USER_STACK_SIZE,
                                               AMBER_USER_STACK_SIZE, AMBER_PROT_READ | AMBER_PROT_WRITE)
                              .status;
    if (status != AMBER_OK) return status;
    uint8_t strings[max_argument_bytes];
    uint64_t pointers[max_arguments + 2];
    size_t used = 0;
    uint64_t top = AMBER_USER_STACK_TOP;
    for (unsigned i = request.argc; i-- > 0;) {
        size_t n = 0;
        while (request.argv[i][n] != '\0') ++n;
        if (used + n + 1 > sizeof strings) return AMBER_ERR_INVALID_ARGUMENT;
        used += n + 1;
        top -= n + 1;
        __builtin_memcpy(strings + sizeof strings - used, request.argv[i], n + 1);
        pointers[1 + i] = top;
    }
    status = sys::memory_write(space, top, strings + sizeof strings - used, used).status;
    if (status != AMBER_OK) return status;
    top &= ~uint64_t{15};
    uint64_t words = 1 + request.argc + 1;
    top -= ((words + 1) & ~uint64_t{1}) * 8;
    pointers[0] = request.argc;
    pointers[1 + request.argc] = 0;
    status = sys::memory_write(space, top, pointers, words * 8).status;
    rsp = top;
    argv_address = top + 8;
    return status;
}

amber_status start_thread_in(amber_handle_t thread, const lib::Elf64Image& image, uint64_t rsp, uint64_t argv,
                             unsigned argc, bool stopped) {
    amber_thread_state state{};
    amber_status status = sys::object_get_state(thread, &state, sizeof state).status;
    if (status != AMBER_OK) return status;
    state.registers = {};
    state.registers.rip = image.entry();
    state.registers.rsp = rsp;
    state.registers.rdi = argc;
    state.registers.rsi = argv;
    state.registers.rflags = 0x202;
    initial_fpu_state(state.fpu);
    state.flags = stopped ? AMBER_THREAD_STOPPED : 0;
    return sys::object_set_state(thread, &state, sizeof state).status;
}

} // namespace

void initial_fpu_state(uint8_t (&fxsave)[512]) {
    __builtin_memset(fxsave, 0, sizeof fxsave);
    uint16_t control = 0x037f;
    uint32_t mxcsr = 0x1f80;
    __builtin_memcpy(fxsave, &control, sizeof control);
    __builtin_memcpy(fxsave + 24, &mxcsr, sizeof mxcsr);
}

bool boot_archive(const uint8_t*& data, size_t& size) {
    if (archive_data == nullptr) {
        uint8_t probe[1];
        SyscallReturn r = sys::boot_archive_read(0ull, probe, 0ull);
        if (!r.ok()) return false;
        auto* copy = static_cast<uint8_t*>(malloc(r.value));
        if (copy == nullptr || !sys::boot_archive_read(0ull, copy, r.value).ok()) {
            free(copy);
            return false;
        }
        archive_data = copy;
        archive_size = r.value;
    }
    data = archive_data;
    size = archive_size;
    return true;
}

amber_status spawn(const SpawnRequest& request, Spawned& out, const char*& error) {
    out = {};
    if (request.argc > max_arguments) {
        error = "too many arguments";
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    const uint8_t* data;
    size_t size;
    if (!boot_archive(data, size)) {
        error = "cannot read the boot archive";
        return AMBER_ERR_NO_MEMORY;
    }
    size_t name_length = 0;
    while (request.program[name_length] != '\0') ++name_length;
    lib::ByteView elf;
    if (!lib::ustar_find({data, size}, {request.program, name_length}, elf)) {
        error = "no such program in the boot archive";
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    lib::Elf64Image image(elf, AMBER_USER_MIN, AMBER_USER_STACK_TOP - AMBER_USER_STACK_SIZE);
    if (image.error() != lib::ElfError::None) {
        error = lib::elf_error_text(image.error());
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    SyscallReturn created = sys::space_create(request.space_id);
    if (!created.ok()) {
        error = "cannot create a space";
        return created.status;
    }
    auto space = static_cast<amber_handle_t>(created.value);
    amber_handle_t thread = 0;
    amber_status status = set_space_name(space, request.program); // as the kernel names the processes it starts
    error = "cannot name the space";
    if (status == AMBER_OK) {
        status = sys::space_handle_install(space, AMBER_HANDLE_SELF_SPACE, space, AMBER_RIGHTS_ALL).status;
        error = "cannot install the space's own handle";
    }
    uint64_t rsp = 0, argv = 0;
    if (status == AMBER_OK) {
        status = load_segments(space, elf, image);
        error = "cannot load the program's segments";
    }
    if (status == AMBER_OK) {
        status = build_stack(space, request, rsp, argv);
        error = "cannot build the stack (arguments too long?)";
    }
    if (status == AMBER_OK) {
        SyscallReturn t = sys::thread_create(space, 0ull);
        status = t.status;
        thread = static_cast<amber_handle_t>(t.value);
        error = "cannot create the first thread";
    }
    if (status == AMBER_OK) {
        status = sys::space_handle_install(space, AMBER_HANDLE_FIRST_THREAD, thread, AMBER_RIGHTS_ALL).status;
        error = "cannot install the thread's handle";
    }
    for (unsigned i = 0; status == AMBER_OK && i < request.handle_count; ++i) {
        const SpawnHandle& h = request.handles[i];
        status = sys::space_handle_install(space, h.at, h.handle, h.rights).status;
        error = "cannot install a handle for the child";
    }
    if (status == AMBER_OK) {
        status = start_thread_in(thread, image, rsp, argv, request.argc, request.start_stopped);
        error = "cannot start the first thread";
    }
    if (status != AMBER_OK) {
        sys::object_destroy(space);
        sys::handle_close(space);
        if (thread != 0) sys::handle_close(thread);
        return status;
    }
    error = nullptr;
    out = {space, thread};
    return AMBER_OK;
}

} // namespace amber
