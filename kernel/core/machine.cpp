#include "machine.hpp"

#include "entry_points.hpp"
#include "kernel_heap.hpp"
#include "log.hpp"
#include "scheduler.hpp"

namespace kernel {
namespace {

Machine* the_machine = nullptr;
ConsoleInput input;
bool input_arrived = false;  // since the last deliver_console_input()
uint64_t dropped_logged = 0; // input.dropped() when last logged

} // namespace

void Machine::on_destroy() { wake_all(console_readers); } // not reachable: no handle has DESTROY

Machine* create_machine() {
    if (the_machine == nullptr) the_machine = create<Machine>(0);
    return the_machine;
}

Machine* machine() { return the_machine; }

ConsoleInput& console_input() { return input; }

void receive_console_input(const uint8_t* bytes, size_t length) {
    input.push(bytes, length);
    input_arrived = true;
}

void deliver_console_input() {
    if (!input_arrived) return;
    input_arrived = false;
    if (input.dropped() != dropped_logged) {
        log("console input: buffer full, %lu bytes dropped so far", input.dropped());
        dropped_logged = input.dropped();
    }
    // Every reader re-executes console_read: the first to run takes the input, the others wait
    // again. Waking only one could leave input unread behind a reader that is then stopped.
    if (the_machine != nullptr) wake_all(the_machine->console_readers);
}

} // namespace kernel
