// The object test program: handle, thread-state and memory tests (registered in link order).
#include "../../userland/runtime/test.hpp"

int main(int, char**) { return amber::test::run_all("objects"); }
