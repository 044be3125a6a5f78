// The x86_64 boot sequence, from the 64-bit entry in boot.S to the kernel core's start_kernel().
#include <amber/abi.h>
#include <arch/cpu.hpp>
#include <arch/paging.hpp>
#include <arch/platform.hpp>

#include "../../core/boot_info.hpp"
#include "../../core/entry_points.hpp"
#include "../../core/frame_allocator.hpp"
#include "../../core/log.hpp"
#include "../../core/panic.hpp"
#include "../../lib/command_line.hpp"
#include "descriptors.hpp"
#include "timer.hpp"

extern "C" char __kernel_physical_start[], __kernel_physical_end[];
extern "C" char boot_cpu_kernel_stack_top[];
extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace kernel {
extern bool halt_on_panic;
}

namespace arch {
void initialize_serial();
void initialize_cpu(uint64_t kernel_stack_top);
} // namespace arch

namespace {

constexpr uint64_t early_window_limit = 1ull << 30; // what boot.S maps

const void* early_physical_reader(uint64_t physical, size_t length) {
    if (physical >= early_window_limit || length > early_window_limit - physical) return nullptr;
    return arch::physical_to_virtual(physical);
}

kernel::BootInfo boot_info;

struct Range {
    uint64_t base, end;
};

// Finds room for `bytes` in usable RAM below the early window, clear of every range in `taken`.
uint64_t find_free_space(uint64_t bytes, const Range* taken, size_t taken_count) {
    for (size_t i = 0; i < boot_info.usable_count; ++i) {
        uint64_t candidate = (boot_info.usable[i].base + 4095) & ~4095ull;
        uint64_t end = boot_info.usable[i].base + boot_info.usable[i].length;
        for (bool moved = true; moved;) {
            moved = false;
            for (size_t t = 0; t < taken_count; ++t) {
                if (candidate < taken[t].end && taken[t].base < candidate + bytes) {
                    candidate = (taken[t].end + 4095) & ~4095ull;
                    moved = true;
                }
            }
        }
        if (candidate + bytes <= end && candidate + bytes <= early_window_limit) return candidate;
    }
    return 0;
}

void initialize_memory() {
    uint64_t highest = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < boot_info.usable_count; ++i) {
        uint64_t end = boot_info.usable[i].base + boot_info.usable[i].length;
        if (end > highest) highest = end;
        total += boot_info.usable[i].length;
    }
    Range taken[2 + kernel::BootInfo::max_modules];
    size_t taken_count = 0;
    taken[taken_count++] = {0, 1ull << 20}; // real-mode area, BIOS data
    taken[taken_count++] = {reinterpret_cast<uint64_t>(__kernel_physical_start),
                            reinterpret_cast<uint64_t>(__kernel_physical_end)};
    for (size_t i = 0; i < boot_info.module_count; ++i) {
        const auto& m = boot_info.modules[i];
        taken[taken_count++] = {m.physical_base, m.physical_base + m.size};
    }
    // The bitmap, then one 16-bit share count per frame.
    size_t bitmap_bytes = kernel::FrameAllocator::bitmap_bytes(highest);
    size_t counts_offset = (bitmap_bytes + 7) & ~size_t{7};
    uint64_t frame_count = (highest + kernel::FrameAllocator::frame_size - 1) / kernel::FrameAllocator::frame_size;
    size_t tracking_bytes = counts_offset + frame_count * sizeof(uint16_t);
    uint64_t bitmap = find_free_space(tracking_bytes, taken, taken_count);
    if (bitmap == 0) kernel::panic("no room for the frame tables (%zu bytes)", tracking_bytes);

    kernel::FrameAllocator& frames = kernel::frames();
    frames.initialize(static_cast<uint64_t*>(arch::physical_to_virtual(bitmap)), highest);
    for (size_t i = 0; i < boot_info.usable_count; ++i)
        frames.release_range(boot_info.usable[i].base, boot_info.usable[i].length);
    for (size_t t = 0; t < taken_count; ++t) frames.reserve_range(taken[t].base, taken[t].end - taken[t].base);
    frames.reserve_range(bitmap, tracking_bytes);
    frames.attach_share_counts(static_cast<uint16_t*>(arch::physical_to_virtual(bitmap + counts_offset)));
    kernel::log("memory: %lu MiB usable in %zu ranges, %lu frames free", total >> 20, boot_info.usable_count,
                frames.free_frames());
    if (!arch::initialize_kernel_paging(highest)) kernel::panic("out of memory building the kernel page tables");
}

} // namespace

extern "C" [[noreturn]] void kernel_main(uint32_t magic, uint32_t info_physical) {
    arch::initialize_serial();
    for (auto constructor = __init_array_start; constructor != __init_array_end; ++constructor) (*constructor)();
    auto stack_top = reinterpret_cast<uint64_t>(boot_cpu_kernel_stack_top);
    arch::initialize_cpu(stack_top);
    arch::initialize_descriptors(stack_top);

    const char* error = "unknown boot protocol (neither Multiboot2 nor PVH)";
    bool parsed = false;
    if (magic == kernel::multiboot2_magic)
        parsed = kernel::parse_multiboot2(info_physical, early_physical_reader, boot_info, error);
    else if (magic == kernel::pvh_magic)
        parsed = kernel::parse_pvh(info_physical, early_physical_reader, boot_info, error);
    kernel::log("Amber x86_64 kernel, ABI %d, booted by %s", AMBER_ABI_VERSION, boot_info.loader);
    if (!parsed) kernel::panic("bad boot information: %s", error);
    kernel::log("command line: %s", boot_info.command_line);
    lib::StringView panic_mode;
    if (lib::CommandLine(boot_info.command_line).value("panic", panic_mode) && panic_mode.equals("halt")) {
        kernel::halt_on_panic = true;
    }

    initialize_memory();
    if (!arch::initialize_timer(AMBER_TICK_HZ)) kernel::panic("no local APIC: the timer cannot run");
    arch::enable_console_input();
    kernel::start_kernel(boot_info);
}
