// The C memory and string primitives that GCC may emit calls to in freestanding code.
// Built into the kernel and the user runtime only; host builds use the C library's.
#include <stddef.h>
#include <stdint.h>

extern "C" {

// Eight bytes at a time, then the rest.
void* memcpy(void* destination, const void* source, size_t length) {
    auto* d = static_cast<unsigned char*>(destination);
    const auto* s = static_cast<const unsigned char*>(source);
    size_t words = length / 8, bytes = length % 8;
    asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
    return destination;
}

void* memset(void* destination, int value, size_t length) {
    auto* d = static_cast<unsigned char*>(destination);
    uint64_t pattern = 0x0101010101010101ull * static_cast<unsigned char>(value);
    size_t words = length / 8, bytes = length % 8;
    asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
    return destination;
}

void* memmove(void* destination, const void* source, size_t length) {
    auto* d = static_cast<unsigned char*>(destination);
    const auto* s = static_cast<const unsigned char*>(source);
    if (d == s || length == 0) return destination;
    if (d < s || d >= s + length) return memcpy(destination, source, length);
    for (size_t i = length; i > 0; --i) d[i - 1] = s[i - 1];
    return destination;
}

int memcmp(const void* left, const void* right, size_t length) {
    const auto* a = static_cast<const unsigned char*>(left);
    const auto* b = static_cast<const unsigned char*>(right);
    for (size_t i = 0; i < length; ++i) {
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
}

int strcmp(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        if (a[i] != b[i] || a[i] == '\0') return static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
    }
    return 0;
}

} // extern "C"
