// Guest tests of the ATA PIO driver on the suite's scratch disk, attached by the harness as the
// primary IDE master ("disk_interface": "ide"), in both addressing modes (LBA28 and LBA48).
// Usage: ata_tests DISK_MiB. Afterwards the harness checks that the image file holds
// disk_check_text at disk_check_sector.
#include "../../userland/drivers/ata_pio.hpp"
#include "../../userland/drivers/pci.hpp"
#include "../../userland/drivers/virtio_blk.hpp"
#include "block_device_checks.hpp"
#include "object_test_support.hpp"

using namespace object_tests;
using amber::drivers::AtaPio;

namespace {

constexpr amber_handle_t machine = AMBER_HANDLE_MACHINE;
constexpr uint64_t sector = AtaPio::sector_size;
constexpr uint64_t disk_check_sector = 4242;
constexpr char disk_check_text[] = "AMBER-DISK-CHECK written by ata_tests";
constexpr uint32_t spanning_commands = 600; // more than two commands' worth of sectors

uint64_t disk_mib = 40;
AtaPio disk;
alignas(16) uint8_t buffer[256 * sector], readback[256 * sector];

bool initialize(bool lba48) { return disk.initialize(machine, lba48) && disk.lba48() == lba48; }

} // namespace

AMBER_TEST(the_primary_master_is_found_in_both_modes) {
    amber::drivers::PciFunction function;
    amber::drivers::Pci pci(machine);
    CHECK(!pci.find(amber::drivers::VirtioBlk::vendor_id, amber::drivers::VirtioBlk::legacy_device_id, function));
    CHECK(initialize(false));
    CHECK_EQ(disk.sector_count(), disk_mib * 1024 * 1024 / sector);
    CHECK(initialize(true)); // QEMU's IDE disks have LBA48
    CHECK_EQ(disk.sector_count(), disk_mib * 1024 * 1024 / sector);
    CHECK(disk.ready());
}

AMBER_TEST(without_port_io_there_is_no_disk_and_no_hang) {
    amber_handle_t weak = handle_of(amber::sys::handle_duplicate(machine, AMBER_RIGHT_GET_STATE));
    AtaPio powerless;
    uint64_t start = amber::ticks();
    CHECK(!powerless.initialize(weak));
    CHECK(!powerless.ready());
    CHECK(!powerless.read(0, 1, readback));
    CHECK(!powerless.write(0, 1, readback));
    CHECK(!powerless.flush());
    CHECK(amber::ticks() - start < 1000);
    amber::sys::handle_close(weak);
}

AMBER_TEST(lba28_requests_read_back) {
    CHECK(initialize(false));
    block_checks::scattered_and_multi_sector_requests(test_context, disk, spanning_commands);
    block_checks::last_sector_and_past_the_end(test_context, disk);
    CHECK(disk.flush()); // FLUSH CACHE
}

AMBER_TEST(lba48_requests_read_back) {
    CHECK(initialize(true));
    block_checks::scattered_and_multi_sector_requests(test_context, disk, spanning_commands);
    block_checks::last_sector_and_past_the_end(test_context, disk);
    CHECK(disk.flush()); // FLUSH CACHE EXT
}

// Sectors whose numbers use all three address bytes (a 40 MiB disk has 81920): what one mode
// writes the other reads at the same place.
AMBER_TEST(both_modes_address_the_same_sectors) {
    constexpr uint64_t high = 70001;
    for (bool write_lba48 : {false, true}) {
        CHECK(initialize(write_lba48));
        for (uint64_t i = 0; i < 256 * sector; ++i) buffer[i] = static_cast<uint8_t>(i * 13 + write_lba48 + i / sector);
        CHECK(disk.write(high, 256, buffer));
        CHECK(initialize(!write_lba48));
        __builtin_memset(readback, 0, sizeof readback);
        CHECK(disk.read(high, 256, readback));
        CHECK(__builtin_memcmp(buffer, readback, sizeof buffer) == 0);
    }
}

AMBER_TEST(written_data_is_flushed_to_the_image) {
    CHECK(initialize(true));
    block_checks::write_and_flush_text(test_context, disk, disk_check_sector, disk_check_text);
}

AMBER_TEST(write_speed) {
    CHECK(initialize(true));
    for (uint64_t i = 0; i < sizeof buffer; ++i) buffer[i] = static_cast<uint8_t>(i);
    constexpr uint64_t total = 2048; // 1 MiB
    uint64_t start = amber::ticks();
    bool ok = true;
    for (uint64_t s = 8192; ok && s < 8192 + total; s += 256) ok = disk.write(s, 256, buffer);
    ok = ok && disk.flush();
    CHECK(ok);
    uint64_t ms = amber::ticks() - start;
    amber::print("ata: wrote %lu KiB in %lu ms (%lu KiB/s)\n", static_cast<unsigned long>(total / 2),
                 static_cast<unsigned long>(ms), static_cast<unsigned long>(total / 2 * 1000 / (ms + 1)));
}

int main(int argc, char** argv) {
    if (argc > 1) {
        disk_mib = 0;
        for (const char* p = argv[1]; *p >= '0' && *p <= '9'; ++p) disk_mib = disk_mib * 10 + (*p - '0');
    }
    return amber::test::run_all("ata");
}
