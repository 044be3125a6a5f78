// The user runtime: console output, threads, time and process exit.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "syscalls.hpp"

namespace amber {

void write(const char* text);
void print(const char* format, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void exit(int64_t status);

uint64_t ticks(); // timer ticks since boot, AMBER_TICK_HZ per second

// Starts `function(argument)` on a new thread of this process using [stack, stack + stack_size) as
// its stack; the thread exits when the function returns. Returns its handle, or 0 with `status` set.
uint64_t start_thread(void (*function)(void*), void* argument, void* stack, size_t stack_size,
                      amber_status* status = nullptr);

} // namespace amber

// Defined by each program.
int main(int argc, char** argv);
