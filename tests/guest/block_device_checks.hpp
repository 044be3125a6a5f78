// Checks any fs::BlockDevice driver passes on a scratch disk, shared by the guest suites of the
// drivers (device_tests: virtio-blk, ata_tests: ATA PIO). Each takes the test's context, so a
// failed CHECK is reported against the calling test.
#pragma once

#include <stdint.h>

#include "../../userland/fs/block_device.hpp"
#include "../../userland/runtime/test.hpp"

namespace block_checks {

// Writes patterned scattered and multi-sector ranges (single sectors, 128, 300, the end of the
// disk) and reads them back, then one read across two of them. `large` is a request size that
// spans the driver's own per-command limit.
void scattered_and_multi_sector_requests(amber::test::Context& test_context, amber::fs::BlockDevice& disk,
                                         uint32_t large);
// The last sector reads and writes; one past it, and ranges crossing the end, are refused.
void last_sector_and_past_the_end(amber::test::Context& test_context, amber::fs::BlockDevice& disk);
// Writes `text` at the start of `sector` (the rest zero) and flushes, for the harness to find.
void write_and_flush_text(amber::test::Context& test_context, amber::fs::BlockDevice& disk, uint64_t sector,
                          const char* text);

} // namespace block_checks
