// From a booted machine to the first user processes.
#include <amber/abi.h>
#include <arch/paging.hpp>
#include <arch/platform.hpp>
#include <arch/register_dump.hpp>

#include "../lib/command_line.hpp"
#include "../lib/ustar.hpp"
#include "entry_points.hpp"
#include "log.hpp"
#include "panic.hpp"
#include "process.hpp"
#include "program_loader.hpp"
#include "scheduler.hpp"

namespace kernel {
namespace {

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
    Process* process = create_process(name);
    if (process == nullptr) panic("out of memory creating a process");
    const char* error = nullptr;
    if (!load_program(*process, image, arguments, error)) {
        log("cannot start %.*s: %s", static_cast<int>(name.size), name.data, error);
        exit_process(process, -1);
        return false;
    }
    log("started process %lu: %.*s, arguments: %u", process->id, static_cast<int>(name.size), name.data,
        arguments.count - 1);
    return true;
}

} // namespace

void start_kernel(const BootInfo& boot_info) {
    lib::CommandLine command_line(boot_info.command_line);
    if (boot_info.module_count == 0) panic("no boot archive: load the user programs as a module (initrd)");
    const BootModule& module = boot_info.modules[0];
    lib::ByteView archive{static_cast<const uint8_t*>(arch::physical_to_virtual(module.physical_base)),
                          static_cast<size_t>(module.size)};

    lib::StringView start_list = "hello";
    command_line.value("start", start_list);
    unsigned started = 0;
    lib::split(start_list, ',', [&](lib::StringView specification) {
        if (start_program(archive, specification)) ++started;
    });
    if (started == 0)
        panic("no user program could be started (start=%.*s)", static_cast<int>(start_list.size), start_list.data);
    return_to_user();
}

void handle_user_fault(const UserFault& fault) {
    Thread* thread = current_thread();
    Process* process = thread->process;
    log("process %lu (%s) thread %lu killed: %s at rip=%016lx address=%016lx error=%lx", process->id, process->name,
        thread->id, arch::exception_name(fault.vector), thread->context.frame.rip, fault.address, fault.error_code);
    arch::print_register_dump(thread->context.frame, fault.address);
    exit_process(process, 128 + static_cast<int64_t>(fault.vector));
    return_to_user();
}

} // namespace kernel
