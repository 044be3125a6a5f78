// The first user program: greets, shows two threads sharing the CPU under preemption, exits.
#include "../runtime/runtime.hpp"

namespace {

constexpr int workers = 2;
constexpr uint64_t run_ticks = 300; // 0.3 s of timer time

alignas(16) uint8_t stacks[workers][16384];
volatile uint64_t progress[workers];
volatile bool stop = false;

void spin(void* argument) {
    auto index = reinterpret_cast<uintptr_t>(argument);
    while (!stop) progress[index] = progress[index] + 1; // never yields: only preemption interleaves
}

} // namespace

int main(int argc, char** argv) {
    amber::print("hello from user mode: %s, %d argument(s)\n", argv[0], argc - 1);
    for (int i = 1; i < argc; ++i) amber::print("  argv[%d] = %s\n", i, argv[i]);
    for (int i = 0; i < workers; ++i) {
        if (amber::start_thread(spin, reinterpret_cast<void*>(static_cast<uintptr_t>(i)), stacks[i],
                                sizeof stacks[i]) == 0) {
            amber::print("hello: could not start a thread\n");
            return 1;
        }
    }
    uint64_t start = amber::ticks();
    for (int report = 1; report <= 3; ++report) {
        while (amber::ticks() - start < report * run_ticks / 3) {}
        amber::print("hello: after %lu ms the spinning threads counted %lu and %lu\n", amber::ticks() - start,
                     static_cast<unsigned long>(progress[0]), static_cast<unsigned long>(progress[1]));
    }
    stop = true;
    bool both_ran = progress[0] > 0 && progress[1] > 0;
    amber::print("hello: preemptive scheduling %s; goodbye\n", both_ran ? "works" : "FAILED");
    return both_ran ? 0 : 1;
}
