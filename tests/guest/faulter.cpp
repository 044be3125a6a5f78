// Takes one kind of CPU exception in user mode, chosen by argv[1], so the harness can check that
// the kernel reports it, kills only this process and keeps running. `faulter:survivor` instead
// waits for the others to die and then exits 0: the proof that the system survived.
#include "../../userland/runtime/runtime.hpp"

namespace {

bool same(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) ++a, ++b;
    return *a == *b;
}

volatile int zero = 0;

// Loads from / stores to an address the compiler cannot reason about.
void load_from(uint64_t address) {
    uint64_t value;
    asm volatile("mov (%1), %0" : "=r"(value) : "r"(address) : "memory");
}
void store_to(uint64_t address) { asm volatile("movb $0x90, (%0)" : : "r"(address) : "memory"); }
alignas(16) uint8_t data_page[64] = {0xc3}; // `ret`, in a no-execute page

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        amber::print("usage: faulter KIND\n");
        return 2;
    }
    const char* kind = argv[1];
    if (same(kind, "survivor")) {
        uint64_t start = amber::ticks();
        while (amber::ticks() - start < 200) amber::sys::thread_yield();
        amber::print("faulter survivor: still running after the other faulters died\n");
        return 0;
    }
    amber::print("faulter: about to take a %s fault\n", kind);
    if (same(kind, "read-kernel")) {
        load_from(0xffffffff80000000ull);
    } else if (same(kind, "read-null")) {
        load_from(0x8);
    } else if (same(kind, "write-text")) {
        store_to(reinterpret_cast<uintptr_t>(&main));
    } else if (same(kind, "execute-data")) {
        reinterpret_cast<void (*)()>(reinterpret_cast<uintptr_t>(data_page))();
    } else if (same(kind, "non-canonical")) {
        load_from(0x0000800000000000ull);
    } else if (same(kind, "invalid-opcode")) {
        asm volatile("ud2");
    } else if (same(kind, "divide")) {
        asm volatile("cqto; idivq %1" : : "a"(1L), "r"(static_cast<long>(zero)) : "rdx");
    } else if (same(kind, "privileged")) {
        asm volatile("cli; hlt");
    } else if (same(kind, "port-io")) {
        asm volatile("outb %%al, $0x80" : : "a"(0));
    } else if (same(kind, "breakpoint")) {
        asm volatile("int3");
    } else {
        amber::print("faulter: unknown kind %s\n", kind);
        return 2;
    }
    amber::print("faulter: the %s fault did not happen\n", kind);
    return 1;
}
