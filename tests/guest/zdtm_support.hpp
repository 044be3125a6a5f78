// The zdtm test modes (zdtm.cpp): each returns once it was asked to check and has checked.
#pragma once

#include <stdint.h>

namespace zdtm {

struct Result {
    const char* failure = nullptr; // nullptr: passed
    char detail[96] = {};
};

int usage();
// Waits, polling the supervisor, until `check PID` was given; keeps `tick()` going meanwhile.
void wait_for_check(void (*tick)(void*) = nullptr, void* context = nullptr);

// References with every kind of rights the kernel gives (blocked makes them, and checks them after a
// restore: nullptr, or what differs).
void make_references();
const char* check_references();

Result run_threads(uint64_t count);
Result run_blocked();
Result run_transfer(uint64_t mib);
Result run_bigmem(uint64_t mib);
Result run_stream(uint64_t mib);

} // namespace zdtm
