#include <arch/cpu.hpp>
#include <arch/paging.hpp>

#include "../../core/frame_allocator.hpp"
#include "../../core/panic.hpp"

extern "C" char __text_start[], __rodata_start[], __data_start[], __kernel_end[];

namespace arch {
namespace {

namespace pte {
constexpr uint64_t present = 1, writable = 2, user = 4, write_through = 8, cache_disable = 16;
constexpr uint64_t large = 128, global = 256;
constexpr uint64_t address_mask = 0x000ffffffffff000ull;
} // namespace pte

uint64_t no_execute_bit = 0; // 1 << 63 once EFER.NXE is on
uint64_t kernel_root = 0;
uint64_t next_device_address = 0xffffffffc0000000ull; // kernel half, above the image

uint64_t* table_at(uint64_t physical) { return static_cast<uint64_t*>(physical_to_virtual(physical)); }

bool allocate_zeroed_frame(uint64_t& physical) {
    if (!kernel::frames().allocate(physical)) return false;
    auto* words = table_at(physical);
    for (int i = 0; i < 512; ++i) words[i] = 0;
    return true;
}

unsigned index_at(uint64_t virtual_address, int level) { // level 3 = PML4 ... 0 = PT
    return static_cast<unsigned>((virtual_address >> (12 + 9 * level)) & 511);
}

// Walks from `root` to the page-table entry for `va`, creating tables with `table_flags` if asked.
uint64_t* find_entry(uint64_t root, uint64_t va, bool create, uint64_t table_flags) {
    uint64_t table = root;
    for (int level = 3; level > 0; --level) {
        uint64_t& entry = table_at(table)[index_at(va, level)];
        if ((entry & pte::present) == 0) {
            if (!create) return nullptr;
            uint64_t fresh;
            if (!allocate_zeroed_frame(fresh)) return nullptr;
            entry = fresh | table_flags;
        } else if ((entry & pte::large) != 0) {
            return nullptr;
        }
        table = entry & pte::address_mask;
    }
    return &table_at(table)[index_at(va, 0)];
}

uint64_t leaf_flags(Access access, bool user) {
    uint64_t flags = pte::present;
    if (has(access, Access::Write)) flags |= pte::writable;
    if (!has(access, Access::Execute)) flags |= no_execute_bit;
    if (user)
        flags |= pte::user;
    else
        flags |= pte::global;
    return flags;
}

void map_kernel_range(uint64_t start, uint64_t end, Access access) {
    for (uint64_t va = start; va < end; va += page_size) {
        uint64_t* entry = find_entry(kernel_root, va, true, pte::present | pte::writable);
        if (entry == nullptr) kernel::panic("out of memory mapping the kernel image");
        *entry = (va - kernel_link_base) | leaf_flags(access, false);
    }
}

void free_user_tables(uint64_t table, int level) {
    for (unsigned i = 0; i < 512; ++i) {
        uint64_t entry = table_at(table)[i];
        if ((entry & pte::present) == 0) continue;
        if (level > 0)
            free_user_tables(entry & pte::address_mask, level - 1);
        else
            kernel::frames().free(entry & pte::address_mask);
    }
    kernel::frames().free(table);
}

// One step of PageTable::release_some below `table` (level 3 = the root's children ... 0 = a leaf
// table), whose entries from `cursor`'s index on are still to go. True when every entry is gone.
bool release_entries(uint64_t table, int level, uint64_t& cursor, uint64_t& budget) {
    uint64_t span = uint64_t{1} << (12 + 9 * level);
    for (unsigned i = index_at(cursor, level); i < (level == 3 ? 256u : 512u); ++i) {
        if (budget == 0) return false;
        --budget;
        uint64_t entry_base = cursor & ~(span - 1); // `cursor` lies in entry i's span
        uint64_t& entry = table_at(table)[i];
        if ((entry & pte::present) != 0) {
            uint64_t below = entry & pte::address_mask;
            if (level > 0 && !release_entries(below, level - 1, cursor, budget)) return false;
            entry = 0;
            kernel::frames().free(below); // a frame, or a table now empty
        }
        cursor = entry_base + span; // the next entry's first address
    }
    return true;
}

} // namespace

bool initialize_kernel_paging(uint64_t highest_physical) {
    if ((cpuid(0x80000001).edx & (1u << 20)) != 0) {
        write_msr(msr::efer, read_msr(msr::efer) | (1u << 11)); // NXE
        no_execute_bit = 1ull << 63;
    }
    write_cr4(read_cr4() | (1u << 7)); // PGE: kernel mappings survive CR3 reloads
    if (!allocate_zeroed_frame(kernel_root)) return false;

    // Physical window: 2 MiB pages, kernel-only, no-execute. Entry 256 covers 512 GiB.
    uint64_t window_end = (highest_physical + (2u << 20) - 1) & ~((2ull << 20) - 1);
    if (window_end > (512ull << 30)) window_end = 512ull << 30;
    for (uint64_t p = 0; p < window_end; p += 2u << 20) {
        uint64_t va = physical_window_base + p;
        uint64_t table = kernel_root;
        for (int level = 3; level > 1; --level) {
            uint64_t& entry = table_at(table)[index_at(va, level)];
            if ((entry & pte::present) == 0) {
                uint64_t fresh;
                if (!allocate_zeroed_frame(fresh)) return false;
                entry = fresh | pte::present | pte::writable;
            }
            table = entry & pte::address_mask;
        }
        table_at(table)[index_at(va, 1)] = p | pte::present | pte::writable | pte::large | pte::global | no_execute_bit;
    }

    auto text = reinterpret_cast<uint64_t>(__text_start);
    auto rodata = reinterpret_cast<uint64_t>(__rodata_start);
    auto data = reinterpret_cast<uint64_t>(__data_start);
    auto end = reinterpret_cast<uint64_t>(__kernel_end);
    map_kernel_range(text, rodata, Access::Read | Access::Execute);
    map_kernel_range(rodata, data, Access::Read);
    map_kernel_range(data, end, Access::Read | Access::Write);
    // Make sure the PDPT for device mappings exists now: the kernel half must be complete
    // before the first user address space copies it.
    if (find_entry(kernel_root, next_device_address, true, pte::present | pte::writable) == nullptr) return false;
    write_cr3(kernel_root);
    return true;
}

uint64_t map_device_memory(uint64_t physical, size_t size) {
    uint64_t base = next_device_address;
    uint64_t offset = physical & (page_size - 1);
    uint64_t pages = (offset + size + page_size - 1) / page_size;
    for (uint64_t i = 0; i < pages; ++i) {
        uint64_t* entry = find_entry(kernel_root, base + i * page_size, true, pte::present | pte::writable);
        if (entry == nullptr) return 0;
        *entry = ((physical & ~(page_size - 1)) + i * page_size) | pte::present | pte::writable | pte::cache_disable |
                 pte::write_through | pte::global | no_execute_bit;
        invalidate_page(base + i * page_size);
    }
    next_device_address += pages * page_size;
    return base + offset;
}

bool PageTable::create() {
    if (!allocate_zeroed_frame(root_)) return false;
    for (unsigned i = 256; i < 512; ++i) table_at(root_)[i] = table_at(kernel_root)[i];
    return true;
}

bool PageTable::map_user_page(uint64_t va, uint64_t physical, Access access) {
    if (root_ == 0 || !is_user_address(va) || va % page_size != 0) return false;
    uint64_t* entry = find_entry(root_, va, true, pte::present | pte::writable | pte::user);
    if (entry == nullptr || (*entry & pte::present) != 0) return false;
    *entry = physical | leaf_flags(access, true);
    return true;
}

bool PageTable::unmap_user_page(uint64_t va) {
    if (root_ == 0 || !is_user_address(va)) return false;
    uint64_t* entry = find_entry(root_, va & ~(page_size - 1), false, 0);
    if (entry == nullptr || (*entry & pte::present) == 0) return false;
    uint64_t frame = *entry & pte::address_mask;
    *entry = 0;
    if (read_cr3() == root_) invalidate_page(va);
    kernel::frames().free(frame);
    return true;
}

bool PageTable::protect_user_page(uint64_t va, Access access) {
    uint64_t frame;
    Access old;
    if (!lookup(va, frame, old)) return false;
    return replace_user_page(va, frame & pte::address_mask, access);
}

bool PageTable::replace_user_page(uint64_t va, uint64_t physical, Access access) {
    if (root_ == 0 || !is_user_address(va)) return false;
    uint64_t* entry = find_entry(root_, va & ~(page_size - 1), false, 0);
    if (entry == nullptr || (*entry & pte::present) == 0) return false;
    uint64_t old_frame = *entry & pte::address_mask;
    *entry = physical | leaf_flags(access, true);
    if (read_cr3() == root_) invalidate_page(va);
    if (old_frame != physical) kernel::frames().free(old_frame);
    return true;
}

bool PageTable::lookup(uint64_t va, uint64_t& physical, Access& access) const {
    if (root_ == 0 || !is_user_address(va)) return false;
    uint64_t* entry = find_entry(root_, va, false, 0);
    if (entry == nullptr || (*entry & (pte::present | pte::user)) != (pte::present | pte::user)) return false;
    physical = (*entry & pte::address_mask) | (va & (page_size - 1));
    access = Access::Read;
    if ((*entry & pte::writable) != 0) access = access | Access::Write;
    if ((*entry & no_execute_bit) == 0) access = access | Access::Execute;
    return true;
}

uint64_t PageTable::next_mapped(uint64_t va, uint64_t end) const {
    if (root_ == 0) return end;
    va &= ~(page_size - 1);
    while (va < end && is_user_address(va)) {
        uint64_t table = root_;
        for (int level = 3; level >= 0; --level) {
            uint64_t entry = table_at(table)[index_at(va, level)];
            uint64_t span = uint64_t{1} << (12 + 9 * level);
            if (level == 0) { // the rest of this leaf table in one scan, not a walk from the root per page
                const uint64_t* entries = table_at(table);
                for (unsigned i = index_at(va, 0); i < 512 && va < end; ++i, va += page_size) {
                    if ((entries[i] & (pte::present | pte::user)) == (pte::present | pte::user)) return va;
                }
                break;
            }
            if ((entry & pte::present) == 0) {
                va = (va & ~(span - 1)) + span; // past the whole absent table
                break;
            }
            table = entry & pte::address_mask;
        }
    }
    return end;
}

void PageTable::destroy() {
    if (root_ == 0) return;
    for (unsigned i = 0; i < 256; ++i) {
        uint64_t entry = table_at(root_)[i];
        if ((entry & pte::present) != 0) free_user_tables(entry & pte::address_mask, 2);
    }
    if (read_cr3() == root_) write_cr3(kernel_root);
    kernel::frames().free(root_);
    root_ = 0;
}

bool PageTable::release_some(uint64_t& cursor, uint64_t budget) {
    if (root_ == 0) return true;
    if (read_cr3() == root_) write_cr3(kernel_root);
    if (!release_entries(root_, 3, cursor, budget)) return false; // past the user half: nothing left
    kernel::frames().free(root_);
    root_ = 0;
    return true;
}

void PageTable::activate() const {
    uint64_t target = root_ != 0 ? root_ : kernel_root;
    if (read_cr3() != target) write_cr3(target);
}

} // namespace arch
