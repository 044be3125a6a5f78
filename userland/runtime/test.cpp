#include "test.hpp"

#include <amber/stats.h>

#include "syscall_names.hpp"

namespace amber::test {
namespace {

Registration* first = nullptr;
Registration* last = nullptr;
Context* running = nullptr;
const char* running_name = "";

} // namespace

void print_restart_statistics() {
    amber_stats stats{};
    if (!sys::system_stats(&stats, sizeof stats).ok()) return;
    print("@@AMBER-STATS stress seed=%lu rate=%u\n", static_cast<unsigned long>(stats.stress_seed), stats.stress_rate);
    for (uint32_t call = 0; call < stats.call_count; ++call) {
        if (stats.restarts[call] == 0 && stats.forced_restarts[call] == 0 && stats.exports[call] == 0) continue;
        print("@@AMBER-STATS call=%s calls=%lu restarts=%lu forced=%lu exports=%lu\n", syscall_name(call),
              static_cast<unsigned long>(stats.calls[call]), static_cast<unsigned long>(stats.restarts[call]),
              static_cast<unsigned long>(stats.forced_restarts[call]), static_cast<unsigned long>(stats.exports[call]));
    }
}

void Context::fail(const char* file, int line, const char* what) {
    ++failures_;
    print("@@AMBER-TEST fail %s: %s:%d: %s\n", running_name, file, line, what);
}

Registration::Registration(const char* test_name, TestFunction test_function)
    : name(test_name), function(test_function), next(nullptr) {
    if (last != nullptr)
        last->next = this;
    else
        first = this;
    last = this;
}

int run_all(const char* suite) {
    unsigned registered = 0;
    for (Registration* r = first; r != nullptr; r = r->next) ++registered;
    print("@@AMBER-TEST suite=%s registered=%u\n", suite, registered);
    int passed = 0, failed = 0;
    for (Registration* r = first; r != nullptr; r = r->next) {
        print("@@AMBER-TEST begin %s\n", r->name);
        Context context;
        running = &context;
        running_name = r->name;
        r->function(context);
        running = nullptr;
        if (context.failed()) {
            ++failed;
        } else {
            ++passed;
            print("@@AMBER-TEST pass %s\n", r->name);
        }
    }
    print("@@AMBER-TEST done suite=%s passed=%d failed=%d\n", suite, passed, failed);
    print_restart_statistics();
    return failed;
}

} // namespace amber::test
