// The machine capability and the serial console's input.
//
// One Machine object exists: the kernel makes it at boot and installs it in the first process it
// starts (AMBER_HANDLE_MACHINE). Holding it with OPERATE lets a user-level driver reach devices:
// port I/O and physically contiguous (DMA) memory. It cannot be created, destroyed or changed from
// user space, only passed on.
//
// Console input arrives through COM1's receive interrupt into a ring buffer. Threads in
// console_read wait in the machine's queue with registers describing console_read itself; input
// wakes them all and each re-executes the call, so a stopped or cancelled reader loses nothing.
// Interrupt handlers only buffer: the wake-up happens on the next way out to user mode.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../lib/byte_ring.hpp"
#include "object.hpp"
#include "wait_queue.hpp"

namespace kernel {

class Machine final : public Object {
  public:
    static constexpr ObjectType object_type = ObjectType::Machine;
    explicit Machine(uint64_t id) : Object(object_type, id) {}

    WaitQueue console_readers; // threads in console_read

  private:
    void on_destroy() override;
};

// Rights of the first process's machine handle: no DESTROY (the machine outlives everyone) and no
// SET_STATE (it has nothing to set).
constexpr uint32_t machine_handle_rights = AMBER_RIGHT_GET_STATE | AMBER_RIGHT_DUPLICATE | AMBER_RIGHT_OPERATE;

// Makes the machine object (once); nullptr if out of memory. The kernel keeps a reference forever.
Machine* create_machine();
// The machine object, or nullptr before create_machine().
Machine* machine();

constexpr size_t console_input_capacity = 1024;
using ConsoleInput = lib::ByteRing<console_input_capacity>;
ConsoleInput& console_input();
// Wakes the console readers if input arrived since the last call, and logs input dropped because
// the buffer was full. Called on every way out to user mode and when the idle CPU wakes.
void deliver_console_input();

} // namespace kernel
