// A small self-registering test framework for guest programs.
//
// Results go to the console as machine-readable lines that tests/harness parses:
//   @@AMBER-TEST suite=NAME registered=N
//   @@AMBER-TEST begin TEST
//   @@AMBER-TEST pass TEST            or   @@AMBER-TEST fail TEST: FILE:LINE: WHAT
//   @@AMBER-TEST done suite=NAME passed=P failed=F
//   @@AMBER-STATS ...                  (restart counters, see print_restart_statistics)
// A test fails when any CHECK in it fails; it goes on after a failed CHECK.
#pragma once

#include <stdint.h>

#include "runtime.hpp"

namespace amber::test {

class Context {
  public:
    void fail(const char* file, int line, const char* what);
    bool failed() const { return failures_ > 0; }

  private:
    unsigned failures_ = 0;
};

using TestFunction = void (*)(Context&);

struct Registration {
    Registration(const char* name, TestFunction function);
    const char* name;
    TestFunction function;
    Registration* next;
};

// Runs every registered test in registration order, then prints the kernel's restart counters;
// returns the number that failed.
int run_all(const char* suite);

// Prints "@@AMBER-STATS ..." lines: the stress seed and rate, and per call its calls, restarts and
// forced restarts (calls that never restarted are left out).
void print_restart_statistics();

} // namespace amber::test

#define AMBER_TEST(name)                                                                                               \
    static void amber_test_##name(::amber::test::Context&);                                                            \
    static ::amber::test::Registration amber_test_registration_##name(#name, amber_test_##name);                       \
    static void amber_test_##name([[maybe_unused]] ::amber::test::Context& test_context)

#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        if (!(condition)) test_context.fail(__FILE__, __LINE__, #condition);                                           \
    } while (0)

#define CHECK_EQ(actual, expected)                                                                                     \
    do {                                                                                                               \
        auto amber_actual = (actual);                                                                                  \
        auto amber_expected = (expected);                                                                              \
        if (!(amber_actual == amber_expected)) {                                                                       \
            ::amber::print("  %s = %lu (0x%lx), expected %lu (0x%lx)\n", #actual,                                      \
                           static_cast<unsigned long>(amber_actual), static_cast<unsigned long>(amber_actual),         \
                           static_cast<unsigned long>(amber_expected), static_cast<unsigned long>(amber_expected));    \
            test_context.fail(__FILE__, __LINE__, #actual " == " #expected);                                           \
        }                                                                                                              \
    } while (0)
