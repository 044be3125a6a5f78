#include "block_device_checks.hpp"

namespace block_checks {
namespace {

constexpr uint64_t sector = amber::fs::BlockDevice::sector_size;
constexpr uint32_t max_sectors = 600;
alignas(16) uint8_t buffer[max_sectors * sector], readback[max_sectors * sector];

uint8_t pattern(uint64_t at_sector, uint64_t byte) { return static_cast<uint8_t>(at_sector * 31 + byte * 7 + 1); }

void fill(uint64_t first_sector, uint32_t count) {
    for (uint64_t i = 0; i < count * sector; ++i) buffer[i] = pattern(first_sector + i / sector, i % sector);
}

bool same(const uint8_t* a, const uint8_t* b, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

} // namespace

void scattered_and_multi_sector_requests(amber::test::Context& test_context, amber::fs::BlockDevice& disk,
                                         uint32_t large) {
    if (large > max_sectors) large = max_sectors;
    const uint64_t last = disk.sector_count() - 1;
    struct {
        uint64_t first;
        uint32_t count;
    } const writes[] = {{0, 1}, {7, 3}, {100, 128}, {1000, large}, {5000, 1}, {last - 129, 129}, {last, 1}};
    for (const auto& w : writes) {
        fill(w.first, w.count);
        CHECK(disk.write(w.first, w.count, buffer));
    }
    for (const auto& w : writes) {
        fill(w.first, w.count);
        __builtin_memset(readback, 0, sizeof readback);
        CHECK(disk.read(w.first, w.count, readback));
        CHECK(same(buffer, readback, w.count * sector));
    }
    // One read across two writes, split into requests at other boundaries than the writes were.
    CHECK(disk.read(990, 200, readback));
    fill(1000, 190);
    CHECK(same(buffer, readback + 10 * sector, 190 * sector));
}

void last_sector_and_past_the_end(amber::test::Context& test_context, amber::fs::BlockDevice& disk) {
    const uint64_t count = disk.sector_count();
    CHECK(disk.read(count - 1, 1, readback));
    CHECK(disk.write(count - 1, 1, readback));
    CHECK(!disk.read(count, 1, readback));
    CHECK(!disk.write(count, 1, readback));
    CHECK(!disk.read(count - 1, 2, readback));
    CHECK(!disk.write(count - 2, 3, readback));
    CHECK(!disk.read(~0ull, 2, readback));
    CHECK(disk.read(0, 1, readback)); // still working after the refusals
}

void write_and_flush_text(amber::test::Context& test_context, amber::fs::BlockDevice& disk, uint64_t at,
                          const char* text) {
    __builtin_memset(buffer, 0, sector);
    for (uint64_t i = 0; text[i] != 0 && i < sector; ++i) buffer[i] = static_cast<uint8_t>(text[i]);
    CHECK(disk.write(at, 1, buffer));
    CHECK(disk.flush());
}

} // namespace block_checks
