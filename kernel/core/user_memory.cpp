#include "user_memory.hpp"

#include <arch/paging.hpp>

namespace kernel {
namespace {

// Calls visit(kernel_pointer, chunk_length) for each page-bounded piece of [address, +length).
template <typename Visit>
bool for_each_user_chunk(const Space& process, uint64_t address, size_t length, bool need_write, Visit visit) {
    if (length == 0) return true;
    if (address + length < address || !arch::is_user_address(address) || !arch::is_user_address(address + length - 1)) {
        return false;
    }
    while (length > 0) {
        uint64_t physical;
        arch::Access access;
        if (!process.page_table.lookup(address, physical, access)) return false;
        if (need_write && !arch::has(access, arch::Access::Write)) return false;
        size_t in_page = arch::page_size - (address & (arch::page_size - 1));
        size_t chunk = length < in_page ? length : in_page;
        visit(static_cast<uint8_t*>(arch::physical_to_virtual(physical)), chunk);
        address += chunk;
        length -= chunk;
    }
    return true;
}

// True if [address, + length) lies in one page: then one lookup both validates and locates it.
bool within_one_page(uint64_t address, size_t length) {
    return length <= arch::page_size - (address & (arch::page_size - 1));
}

} // namespace

bool user_range_accessible(const Space& process, uint64_t user_address, size_t length, bool writable) {
    return for_each_user_chunk(process, user_address, length, writable, [](uint8_t*, size_t) {});
}

bool copy_to_user_ignoring_protection(const Space& process, uint64_t user_destination, const void* source,
                                      size_t length) {
    const auto* in = static_cast<const uint8_t*>(source);
    return for_each_user_chunk(process, user_destination, length, false, [&](uint8_t* p, size_t n) {
        __builtin_memcpy(p, in, n);
        in += n;
    });
}

bool copy_from_writable_user(const Space& process, void* destination, uint64_t user_source, size_t length) {
    auto* out = static_cast<uint8_t*>(destination);
    return for_each_user_chunk(process, user_source, length, true, [&](uint8_t* p, size_t n) {
        __builtin_memcpy(out, p, n);
        out += n;
    });
}

// Copying into the kernel needs no separate validation pass: a failure leaves only kernel memory
// partly written, which the caller discards.
bool copy_from_user(const Space& process, void* destination, uint64_t user_source, size_t length) {
    auto* out = static_cast<uint8_t*>(destination);
    return for_each_user_chunk(process, user_source, length, false, [&](uint8_t* p, size_t n) {
        __builtin_memcpy(out, p, n);
        out += n;
    });
}

bool copy_to_user(const Space& process, uint64_t user_destination, const void* source, size_t length) {
    const auto* in = static_cast<const uint8_t*>(source);
    // Validate everything before writing anything, except that a one-page copy validates as it goes.
    if (!within_one_page(user_destination, length) &&
        !for_each_user_chunk(process, user_destination, length, true, [](uint8_t*, size_t) {})) {
        return false;
    }
    return for_each_user_chunk(process, user_destination, length, true, [&](uint8_t* p, size_t n) {
        __builtin_memcpy(p, in, n);
        in += n;
    });
}

} // namespace kernel
