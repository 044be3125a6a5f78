// Devices: port I/O and DMA memory through the machine capability, and console input.
//
// console_read waits as itself: a reader finding no input waits in the machine's queue with its
// registers unchanged, and input wakes every reader to re-execute the call (machine.hpp). Input is
// consumed only once it has been copied out, so a bad buffer, a stop or a cancel loses nothing.
#include <arch/platform.hpp>

#include "../address_space.hpp"
#include "../machine.hpp"
#include "../scheduler.hpp"
#include "../state_transfer.hpp"
#include "../stress.hpp"
#include "../syscall.hpp"
#include "../user_memory.hpp"

namespace kernel {
namespace {

constexpr uint64_t max_dma_size = 4ull << 20; // per dma_allocate: it zeroes it all in one go

// A width of 1, 2 or 4 bytes at a port that exists and that the kernel does not drive itself.
amber_status check_port(uint64_t port, uint64_t width) {
    if (width != 1 && width != 2 && width != 4) return AMBER_ERR_INVALID_ARGUMENT;
    if (port > 0xffff || port + width > 0x10000) return AMBER_ERR_INVALID_ARGUMENT;
    if (arch::port_reserved_by_kernel(static_cast<uint32_t>(port), static_cast<unsigned>(width))) {
        return AMBER_ERR_INVALID_ARGUMENT;
    }
    return AMBER_OK;
}

} // namespace

SyscallResult sys_io_port_read(Thread& caller, SyscallArguments& arguments) {
    Machine* machine_object;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, machine_object);
    if (status == AMBER_OK) status = check_port(arguments[1], arguments[2]);
    if (status != AMBER_OK) return SyscallResult::done(status);
    auto port = static_cast<uint16_t>(arguments[1]);
    return SyscallResult::done(AMBER_OK, arch::port_read(port, static_cast<unsigned>(arguments[2])));
}

SyscallResult sys_io_port_write(Thread& caller, SyscallArguments& arguments) {
    Machine* machine_object;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, machine_object);
    if (status == AMBER_OK) status = check_port(arguments[1], arguments[2]);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t width = arguments[2], value = arguments[3];
    if ((value >> (width * 8)) != 0) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT); // wider than width
    arch::port_write(static_cast<uint16_t>(arguments[1]), static_cast<unsigned>(width), static_cast<uint32_t>(value));
    return SyscallResult::done(AMBER_OK);
}

// String port I/O (what `rep insw/outsw` do): one call moves a whole ATA sector. Atomic: the
// buffer is checked before the first port access, so a bad buffer consumes no device data.
SyscallResult sys_io_port_transfer(Thread& caller, SyscallArguments& arguments) {
    Machine* machine_object;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, machine_object);
    if (status == AMBER_OK) status = check_port(arguments[1], arguments[2]);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t width = arguments[2], buffer = arguments[3], count = arguments[4], direction = arguments[5];
    if ((direction != AMBER_IO_READ && direction != AMBER_IO_WRITE) || count > AMBER_IO_TRANSFER_MAX / width)
        return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    uint64_t bytes = count * width;
    bool reading = direction == AMBER_IO_READ;
    if (!user_range_accessible(*caller.space, buffer, bytes, reading)) { // before any port is touched
        note_argument_fault(*caller.space, buffer, bytes, reading);
        return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    }
    alignas(8) uint8_t data[AMBER_IO_TRANSFER_MAX];
    auto port = static_cast<uint16_t>(arguments[1]);
    auto w = static_cast<unsigned>(width);
    if (reading) {
        for (uint64_t i = 0; i < count; ++i) {
            uint32_t value = arch::port_read(port, w);
            __builtin_memcpy(data + i * width, &value, width);
        }
        if (!copy_to_user(*caller.space, buffer, data, bytes)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    } else {
        if (!copy_argument_in(*caller.space, data, buffer, bytes)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
        for (uint64_t i = 0; i < count; ++i) {
            uint32_t value = 0;
            __builtin_memcpy(&value, data + i * width, width);
            arch::port_write(port, w, value);
        }
    }
    return SyscallResult::done(AMBER_OK);
}

SyscallResult sys_dma_allocate(Thread& caller, SyscallArguments& arguments) {
    Machine* machine_object;
    Space* space;
    amber_status status = lookup(caller, arguments.handle(0), AMBER_RIGHT_OPERATE, machine_object);
    if (status == AMBER_OK) status = lookup(caller, arguments.handle(1), AMBER_RIGHT_SET_STATE, space);
    if (status != AMBER_OK) return SyscallResult::done(status);
    uint64_t base = arguments[2], size = arguments[3];
    if (size > max_dma_size) return SyscallResult::done(AMBER_ERR_INVALID_ARGUMENT);
    status = check_free_range(*space, base, size);
    uint64_t physical = 0;
    if (status == AMBER_OK) status = allocate_device_memory(*space, base, size, physical);
    return SyscallResult::done(status, status == AMBER_OK ? physical : 0);
}

SyscallResult sys_console_read(Thread& caller, SyscallArguments& arguments) {
    uint64_t buffer = arguments[0], length = arguments[1];
    ConsoleInput& input = console_input();
    if (length == 0) return SyscallResult::done(AMBER_OK, input.size()); // a poll: how much is waiting
    // Never more than the ring holds is copied at once; that much of the buffer must be writable
    // before the call waits or takes anything.
    uint64_t most = length < console_input_capacity ? length : console_input_capacity;
    if (!user_range_accessible(*caller.space, buffer, most, true)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    if (input.empty()) {
        wait_current(machine()->console_readers, machine());
        return SyscallResult::wait(AMBER_SYS_console_read);
    }
    uint8_t bytes[console_input_capacity];
    size_t count = input.peek(bytes, most);
    if (!copy_to_user(*caller.space, buffer, bytes, count)) return SyscallResult::done(AMBER_ERR_BAD_ADDRESS);
    // Restart stress: copied but not consumed; the call delivers the same bytes again.
    if (stress_fires(StressPoint::Commit)) return SyscallResult::restart(AMBER_SYS_console_read, true);
    input.drop(count); // consumed only once delivered
    return SyscallResult::done(AMBER_OK, count);
}

amber_status export_state(Thread& caller, Machine& machine_object, uint64_t buffer, uint64_t size) {
    return state_out(caller, buffer, size, state_with_header<amber_machine_state>(machine_object));
}

// Nothing to set: the header is checked and nothing changes (no handle carries SET_STATE anyway).
amber_status import_state(Thread& caller, Machine&, uint64_t buffer, uint64_t size) {
    amber_machine_state state;
    return state_in(caller, buffer, size, AMBER_OBJECT_MACHINE, state);
}

} // namespace kernel
