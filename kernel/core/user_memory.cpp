#include "user_memory.hpp"

#include <arch/paging.hpp>

#include "mapping_faults.hpp"

namespace kernel {
namespace {

// Looks up a page for a kernel copy. A mapping's page not filled yet (or filled with less access
// than the copy needs) is filled from its region's page at once when that is present, as the fault
// would do: kernel copies of a waiting thread's descriptors, which no fault of its own brings in,
// see a mapping as the thread does. A page only a keeper could provide stays absent.
bool lookup_for_copy(const Space& process, uint64_t address, bool need_write, uint64_t& physical,
                     arch::Access& access) {
    bool present = process.page_table.lookup(address, physical, access);
    if (present && (!need_write || arch::has(access, arch::Access::Write))) return true;
    Mapping* mapping = mapping_at(process, address);
    uint64_t source;
    if (mapping == nullptr || fill_mapping_page(*mapping, address, need_write, source) != MappingFill::Filled) {
        return present;
    }
    return process.page_table.lookup(address, physical, access);
}

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
        if (!lookup_for_copy(process, address, need_write, physical, access)) return false;
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

uint64_t first_inaccessible(const Space& process, uint64_t address, uint64_t length, bool writable) {
    uint64_t page = address & ~(arch::page_size - 1);
    while (page < address + length && user_range_accessible(process, page < address ? address : page, 1, writable))
        page += arch::page_size;
    return page < address ? address : page;
}

namespace detail {
ArgumentFault argument_fault;
} // namespace detail

void note_argument_fault(Space& process, uint64_t address, size_t length, bool write) {
    if (detail::argument_fault.space != nullptr) return;                // the first one is what stopped the call
    if (user_range_accessible(process, address, length, write)) return; // not a fault: nothing to resolve
    detail::argument_fault = {&process, first_inaccessible(process, address, length, write), write};
}

bool copy_argument_in(Space& process, void* destination, uint64_t user_source, size_t length) {
    if (copy_from_user(process, destination, user_source, length)) return true;
    note_argument_fault(process, user_source, length, false);
    return false;
}

bool copy_argument_out(Space& process, uint64_t user_destination, const void* source, size_t length) {
    if (copy_to_user(process, user_destination, source, length)) return true;
    note_argument_fault(process, user_destination, length, true);
    return false;
}

} // namespace kernel
