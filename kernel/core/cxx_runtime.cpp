// The few C++ runtime hooks a freestanding kernel build needs. Nothing here allocates.
#include "panic.hpp"

extern "C" {
void* __dso_handle = nullptr;

// Global objects are never destroyed: the kernel does not exit.
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

void __cxa_pure_virtual() { kernel::panic("pure virtual function called"); }
}

void operator delete(void*) noexcept { kernel::panic("operator delete called: the kernel has no hidden allocation"); }
void operator delete(void*, unsigned long) noexcept {
    kernel::panic("operator delete called: the kernel has no hidden allocation");
}
