#include "test.hpp"

namespace amber::test {
namespace {

Registration* first = nullptr;
Registration* last = nullptr;
Context* running = nullptr;
const char* running_name = "";

} // namespace

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
    return failed;
}

} // namespace amber::test
