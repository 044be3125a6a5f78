#include "panic.hpp"

#include <arch/platform.hpp>
#include <stdarg.h>

#include "log.hpp"

namespace kernel {

bool halt_on_panic = false; // set by the panic=halt boot option

void panic(const char* format, ...) {
    arch::console_write("\nKERNEL PANIC: ", 15);
    va_list args;
    va_start(args, format);
    vprint(format, args);
    va_end(args);
    print("\n");
    if (halt_on_panic) {
        print("[amber] halted (panic=halt); attach a debugger to inspect\n");
        arch::halt_forever();
    }
    arch::power_off(126);
}

} // namespace kernel
