// From a booted machine to the first user processes.
#include <amber/abi.h>
#include <arch/paging.hpp>
#include <arch/platform.hpp>
#include <arch/register_dump.hpp>

#include "../lib/command_line.hpp"
#include "../lib/ustar.hpp"
#include "entry_points.hpp"
#include "ipc.hpp"
#include "lifecycle.hpp"
#include "log.hpp"
#include "machine.hpp"
#include "panic.hpp"
#include "program_loader.hpp"
#include "scheduler.hpp"
#include "stress.hpp"

namespace kernel {
namespace {

bool init_started = false;
lib::ByteView archive_in_memory;

// Applies stress=SEED[,RATE[,POINTS]] (RATE per mille, default 100; POINTS letters of stress_point_letters).
void configure_stress_option(const lib::CommandLine& command_line) {
    lib::StringView option;
    if (!command_line.value("stress", option)) return;
    uint64_t seed = 0, rate = 100;
    uint32_t points = all_stress_points;
    lib::StringView parts[3];
    unsigned count = 0;
    lib::split(option, ',', [&](lib::StringView part) {
        if (count < 3) parts[count] = part;
        ++count;
    });
    bool good = count >= 1 && count <= 3 && lib::parse_unsigned(parts[0], seed) &&
                (count < 2 || (lib::parse_unsigned(parts[1], rate) && rate >= 1 && rate <= 1000));
    if (good && count == 3) {
        points = 0;
        for (size_t i = 0; i < parts[2].size; ++i) {
            const char* letter = stress_point_letters;
            unsigned bit = 0;
            while (letter[bit] != '\0' && letter[bit] != parts[2].data[i]) ++bit;
            if (letter[bit] == '\0')
                good = false;
            else
                points |= 1u << bit;
        }
    }
    if (!good) {
        panic("bad stress option '%.*s': expected stress=SEED[,RATE[,POINTS]], RATE in 1..1000 per mille, "
              "POINTS letters e (entry) p (preemption) c (commit) w (wake-up) f (copy fault) x (export)",
              static_cast<int>(option.size), option.data);
    }
    configure_stress(seed, static_cast<uint32_t>(rate), points);
    log("restart stress: seed %lu, rate %lu per mille, points %.*s (replay with stress=%.*s)", seed, rate,
        count == 3 ? static_cast<int>(parts[2].size) : 6, count == 3 ? parts[2].data : stress_point_letters,
        static_cast<int>(option.size), option.data);
}

// Starts one `name[:arg:arg...]` program from the boot archive; false if it could not be loaded.
bool start_program(lib::ByteView archive, lib::StringView specification) {
    ProgramArguments arguments;
    bool too_many = false;
    lib::split(specification, ':', [&](lib::StringView part) {
        if (arguments.count == max_program_arguments)
            too_many = true;
        else
            arguments.values[arguments.count++] = part;
    });
    if (arguments.count == 0) return false;
    lib::StringView name = arguments.values[0];
    if (too_many) {
        log("cannot start %.*s: more than %u arguments", static_cast<int>(name.size), name.data, max_program_arguments);
        return false;
    }
    lib::ByteView image;
    if (!lib::ustar_find(archive, name, image)) {
        log("cannot start %.*s: no such program in the boot archive", static_cast<int>(name.size), name.data);
        return false;
    }
    Space* space = create_space(name, 0, nullptr);
    if (space == nullptr) panic("out of memory creating a process");
    const char* error = nullptr;
    bool loaded = space->handles.install(AMBER_HANDLE_SELF_SPACE, space, AMBER_RIGHTS_ALL) == AMBER_OK;
    if (loaded && !init_started) { // the first process gets the machine; it may pass it on
        loaded = space->handles.install(AMBER_HANDLE_MACHINE, machine(), machine_handle_rights) == AMBER_OK;
    }
    if (!loaded) error = "out of memory for the handle table";
    if (loaded) loaded = load_program(*space, image, arguments, error);
    if (!loaded) {
        log("cannot start %.*s: %s", static_cast<int>(name.size), name.data, error);
        space->destroy();
        space->release();
        return false;
    }
    if (!init_started) {
        set_init_space(space);
        init_started = true;
    }
    log("started process %lu: %.*s, arguments: %u", space->id(), static_cast<int>(name.size), name.data,
        arguments.count - 1);
    space->release(); // its handle table and thread keep it
    return true;
}

} // namespace

lib::ByteView boot_archive() { return archive_in_memory; }

void start_kernel(const BootInfo& boot_info) {
    lib::CommandLine command_line(boot_info.command_line);
    if (boot_info.module_count == 0) panic("no boot archive: load the user programs as a module (initrd)");
    const BootModule& module = boot_info.modules[0];
    lib::ByteView archive{static_cast<const uint8_t*>(arch::physical_to_virtual(module.physical_base)),
                          static_cast<size_t>(module.size)};
    archive_in_memory = archive;

    configure_stress_option(command_line);
    if (create_machine() == nullptr) panic("out of memory creating the machine object");
    lib::StringView start_list = "hello";
    command_line.value("start", start_list);
    unsigned started = 0;
    lib::split(start_list, ',', [&](lib::StringView specification) {
        if (start_program(archive, specification)) ++started;
    });
    if (started == 0) {
        panic("no user program could be started (start=%.*s)", static_cast<int>(start_list.size), start_list.data);
    }
    finish_boot();
    return_to_user();
}

namespace {

// Page faults a keeper may resolve: any access to an absent page, and a plain write to a present
// read-only page (copy-on-write). Other faults on present pages (instruction fetch from a no-execute
// page, reserved bits, protection keys) are not.
bool keeper_may_resolve(const UserFault& fault) {
    if (fault.vector != 14) return false;
    if ((fault.error_code & AMBER_FAULT_PRESENT) == 0) return true;
    return (fault.error_code & ~uint64_t{AMBER_FAULT_PRESENT | AMBER_FAULT_USER}) == AMBER_FAULT_WRITE;
}

} // namespace

void handle_user_fault(const UserFault& fault) {
    Thread* thread = current_thread();
    if (keeper_may_resolve(fault) && call_keeper(*thread, fault.address, fault.error_code)) {
        return_to_user(); // it waits for its keeper; the reply lets it retry the access
    }
    Space* space = thread->space;
    log("process %lu (%s) thread %lu killed: %s at rip=%016lx address=%016lx error=%lx", space->id(), space->name,
        thread->id(), arch::exception_name(fault.vector), thread->context.frame.rip, fault.address, fault.error_code);
    arch::print_register_dump(thread->context.frame, fault.address);
    exit_space(space, 128 + static_cast<int64_t>(fault.vector));
    return_to_user();
}

} // namespace kernel
