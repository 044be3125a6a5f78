// Guest tests of user-level device access: the machine capability, port I/O, DMA memory, the
// virtio-blk driver on the suite's scratch disk, and console input fed by the harness.
// Usage: device_tests DISK_MiB. The harness attaches a fresh raw image of that size, types
// "hello\n" and then "world\n" on the serial console each time this program prints
// @@AMBER-READY-FOR-INPUT, and afterwards checks that the image file holds disk_check_text at
// disk_check_sector.
#include "../../userland/drivers/ata_pio.hpp"
#include "../../userland/drivers/pci.hpp"
#include "../../userland/drivers/virtio_blk.hpp"
#include "block_device_checks.hpp"
#include "object_test_support.hpp"

using namespace object_tests;
using amber::drivers::VirtioBlk;

namespace {

constexpr amber_handle_t machine = AMBER_HANDLE_MACHINE;
constexpr uint32_t machine_rights = AMBER_RIGHT_GET_STATE | AMBER_RIGHT_DUPLICATE | AMBER_RIGHT_OPERATE;
constexpr uint64_t driver_dma = 0x50000000, test_dma = 0x60000000;
constexpr uint64_t sector = VirtioBlk::sector_size;
constexpr uint64_t disk_check_sector = 4242;
constexpr char disk_check_text[] = "AMBER-DISK-CHECK written by device_tests";
constexpr char expected_input[] = "hello\n";

uint64_t disk_mib = 16;
amber::drivers::Pci pci(machine);
VirtioBlk disk;
alignas(16) uint8_t buffer[2100 * sector], readback[2100 * sector];
alignas(16) uint8_t reader_stack[16384];

bool same(const uint8_t* a, const uint8_t* b, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

bool disk_ready() { return disk.ready() || disk.initialize(pci, self_space, driver_dma); }

} // namespace

AMBER_TEST(the_first_process_holds_the_machine) {
    amber_handle_info info{};
    CHECK_EQ(amber::sys::object_info(machine, &info).status, AMBER_OK);
    CHECK_EQ(info.type, AMBER_OBJECT_MACHINE);
    CHECK_EQ(info.rights, machine_rights);
    amber_machine_state state{};
    CHECK_EQ(get_state(machine, state), AMBER_OK);
    CHECK_EQ(state.header.type, AMBER_OBJECT_MACHINE);
    CHECK_EQ(state.header.id, info.id);
    CHECK_EQ(set_state(machine, state), AMBER_ERR_ACCESS_DENIED); // nothing to set
    CHECK_EQ(amber::sys::object_destroy(machine).status, AMBER_ERR_ACCESS_DENIED);
    // It can be passed on, with fewer rights only.
    amber_handle_t space = handle_of(amber::sys::space_create(0));
    CHECK_EQ(amber::sys::space_handle_install(space, AMBER_HANDLE_MACHINE, machine, AMBER_RIGHT_OPERATE).value,
             AMBER_HANDLE_MACHINE);
    CHECK_EQ(amber::sys::space_handle_install(space, 0, machine, AMBER_RIGHTS_ALL).status, AMBER_ERR_ACCESS_DENIED);
    amber::sys::object_destroy(space);
    amber::sys::handle_close(space);
}

AMBER_TEST(port_io_needs_the_machine_with_operate) {
    amber_handle_t weak = handle_of(amber::sys::handle_duplicate(machine, AMBER_RIGHT_GET_STATE));
    CHECK(weak != 0);
    CHECK_EQ(amber::sys::io_port_read(weak, 0xcfc, 4).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::io_port_write(weak, 0xcf8, 4, 0x80000000u).status, AMBER_ERR_ACCESS_DENIED);
    uint32_t word = 0;
    CHECK_EQ(amber::sys::io_port_transfer(weak, 0xcfc, 4, &word, 1u, AMBER_IO_READ).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::dma_allocate(weak, self_space, test_dma, 4096).status, AMBER_ERR_ACCESS_DENIED);
    CHECK_EQ(amber::sys::io_port_read(self_space, 0xcfc, 4).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::io_port_read(4000, 0xcfc, 4).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(amber::sys::io_port_read(0, 0xcfc, 4).status, AMBER_ERR_BAD_HANDLE);
    amber::sys::handle_close(weak);
}

AMBER_TEST(port_io_arguments_are_checked) {
    for (uint64_t width : {0ull, 3ull, 8ull, 5ull, ~0ull}) {
        CHECK_EQ(amber::sys::io_port_read(machine, 0xcfc, width).status, AMBER_ERR_INVALID_ARGUMENT);
        CHECK_EQ(amber::sys::io_port_write(machine, 0xcf8, width, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    }
    CHECK_EQ(amber::sys::io_port_read(machine, 0x10000, 1).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::io_port_read(machine, 0xffff, 2).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::io_port_read(machine, ~0ull, 1).status, AMBER_ERR_INVALID_ARGUMENT);
    // The kernel's own devices: the interrupt controllers and the console UART.
    for (uint64_t port : {0x20ull, 0x21ull, 0xa0ull, 0xa1ull, 0x3f8ull, 0x3fdull, 0x3ffull}) {
        CHECK_EQ(amber::sys::io_port_read(machine, port, 1).status, AMBER_ERR_INVALID_ARGUMENT);
    }
    CHECK_EQ(amber::sys::io_port_read(machine, 0x3f6, 4).status, AMBER_ERR_INVALID_ARGUMENT); // overlaps COM1
    CHECK_EQ(amber::sys::io_port_read(machine, 0x1e, 4).status, AMBER_ERR_INVALID_ARGUMENT);  // overlaps the PIC
    // String transfers: the same port checks, a direction, at most AMBER_IO_TRANSFER_MAX bytes, a
    // buffer checked before any port access.
    uint32_t words[4] = {};
    CHECK_EQ(amber::sys::io_port_transfer(machine, 0xcfc, 4, words, 1u, AMBER_IO_READ).status, AMBER_OK);
    CHECK_EQ(amber::sys::io_port_transfer(machine, 0xcfc, 3, words, 1u, AMBER_IO_READ).status,
             AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::io_port_transfer(machine, 0xcfc, 4, words, 1u, 2u).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(
        amber::sys::io_port_transfer(machine, 0xcfc, 4, words, AMBER_IO_TRANSFER_MAX / 4 + 1, AMBER_IO_READ).status,
        AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::io_port_transfer(machine, 0x3f8, 1, words, 1u, AMBER_IO_READ).status,
             AMBER_ERR_INVALID_ARGUMENT); // COM1 is the kernel's
    CHECK_EQ(amber::sys::io_port_transfer(machine, 0xcfc, 4, kernel_address, 1u, AMBER_IO_READ).status,
             AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::io_port_write(machine, 0xcf8, 1, 0x100).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::io_port_write(machine, 0xcf8, 2, 0x10000).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::io_port_write(machine, 0xcf8, 4, 0x100000000ull).status, AMBER_ERR_INVALID_ARGUMENT);
    // A real access: the host bridge at 0:0.0 has a vendor id.
    CHECK_EQ(amber::sys::io_port_write(machine, 0xcf8, 4, 0x80000000u).status, AMBER_OK);
    auto ids = amber::sys::io_port_read(machine, 0xcfc, 4);
    CHECK_EQ(ids.status, AMBER_OK);
    CHECK((ids.value & 0xffff) != 0xffff);
    CHECK(ids.value >> 32 == 0);
}

AMBER_TEST(dma_memory_is_aligned_zeroed_and_listed_as_device) {
    constexpr uint64_t size = 64 * 1024;
    auto dma = amber::sys::dma_allocate(machine, self_space, test_dma, size);
    CHECK_EQ(dma.status, AMBER_OK);
    CHECK(dma.value != 0);
    CHECK_EQ(dma.value % 4096, 0u);
    auto* memory = reinterpret_cast<volatile uint64_t*>(test_dma);
    bool zero = true;
    for (uint64_t i = 0; i < size / 8; ++i) zero = zero && memory[i] == 0;
    CHECK(zero);
    memory[size / 8 - 1] = 0x1122334455667788ull;
    uint64_t seen = 0; // memory_read reads device memory like any other
    CHECK_EQ(amber::sys::memory_read(self_space, test_dma + size - 8, &seen, 8).status, AMBER_OK);
    CHECK_EQ(seen, 0x1122334455667788ull);
    amber_memory_range ranges[64];
    auto listed = amber::sys::space_enumerate_memory(self_space, test_dma, ranges, 64);
    CHECK_EQ(listed.status, AMBER_OK);
    CHECK(listed.value >= 1);
    CHECK_EQ(ranges[0].base, test_dma);
    CHECK_EQ(ranges[0].size, size);
    CHECK_EQ(ranges[0].kind, AMBER_MEMORY_DEVICE);
    CHECK_EQ(ranges[0].protection, AMBER_PROT_READ | AMBER_PROT_WRITE);
    CHECK_EQ(ranges[0].present_pages, size / 4096);
    // Arguments: overlap, alignment, size, a space without SET_STATE.
    CHECK_EQ(amber::sys::dma_allocate(machine, self_space, test_dma, 4096).status, AMBER_ERR_EXISTS);
    CHECK_EQ(amber::sys::dma_allocate(machine, self_space, test_dma + size + 1, 4096).status,
             AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::dma_allocate(machine, self_space, test_dma + size, 0).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::dma_allocate(machine, self_space, test_dma + size, 100).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::dma_allocate(machine, self_space, test_dma + size, 8ull << 20).status,
             AMBER_ERR_INVALID_ARGUMENT);
    amber_handle_t reader = handle_of(amber::sys::handle_duplicate(self_space, AMBER_RIGHT_GET_STATE));
    CHECK_EQ(amber::sys::dma_allocate(machine, reader, test_dma + size, 4096).status, AMBER_ERR_ACCESS_DENIED);
    amber::sys::handle_close(reader);
    CHECK_EQ(amber::sys::memory_free(self_space, test_dma, size).status, AMBER_OK);
    listed = amber::sys::space_enumerate_memory(self_space, test_dma, ranges, 64);
    CHECK(listed.value == 0 || ranges[0].base != test_dma);
}

AMBER_TEST(freed_dma_memory_goes_back_to_the_allocator) {
    // Frames come lowest first: once freed, the same run is found again.
    constexpr uint64_t size = 4ull << 20;
    uint64_t first = 0;
    for (int round = 0; round < 3; ++round) {
        uint64_t start = amber::ticks();
        auto dma = amber::sys::dma_allocate(machine, self_space, test_dma, size);
        CHECK_EQ(dma.status, AMBER_OK);
        if (round == 0) first = dma.value;
        CHECK_EQ(dma.value, first);
        CHECK_EQ(amber::sys::memory_free(self_space, test_dma, size).status, AMBER_OK);
        amber::print("devices: 4 MiB of DMA memory at %lx allocated and freed in %lu ms\n",
                     static_cast<unsigned long>(dma.value), static_cast<unsigned long>(amber::ticks() - start));
    }
}

AMBER_TEST(pci_finds_the_virtio_disk) {
    amber::drivers::PciFunction function;
    CHECK(pci.find(VirtioBlk::vendor_id, VirtioBlk::legacy_device_id, function));
    CHECK(disk_ready()); // assigns BAR0 if the firmware did not
    CHECK(disk.function().device == function.device && disk.function().bus == function.bus);
    amber::drivers::PciBar bar;
    CHECK(pci.bar(function, 0, bar));
    CHECK(bar.io);
    CHECK(bar.address != 0);
    CHECK(!pci.find(0x1234, 0xfffe, function));
    amber::print("devices: virtio-blk at %02x:%02x.%x, I/O BAR0 %lx\n", function.bus, function.device,
                 function.function, static_cast<unsigned long>(bar.address));
    amber::drivers::Pci powerless(handle_of(amber::sys::handle_duplicate(machine, AMBER_RIGHT_GET_STATE)));
    CHECK(!powerless.find(VirtioBlk::vendor_id, VirtioBlk::legacy_device_id, function));
}

// QEMU's primary IDE channel is empty here (its CD-ROM, if any, is on the secondary one): the ATA
// driver finds nothing, at once, and then refuses every request.
AMBER_TEST(ata_finds_no_disk_on_an_empty_channel) {
    amber::drivers::AtaPio ata;
    uint64_t start = amber::ticks();
    CHECK(!ata.initialize(machine));
    CHECK(amber::ticks() - start < 1000);
    CHECK_EQ(ata.sector_count(), 0u);
    CHECK(!ata.read(0, 1, readback));
    CHECK(!ata.write(0, 1, readback));
    CHECK(!ata.flush());
}

AMBER_TEST(disk_capacity_matches_the_image) {
    CHECK(disk_ready());
    CHECK_EQ(disk.sector_count(), disk_mib * 1024 * 1024 / sector);
    CHECK(disk.has_flush());
    CHECK(!disk.read_only());
    CHECK_EQ(disk.dma_physical() % 4096, 0u);
}

AMBER_TEST(scattered_and_multi_sector_requests_read_back) {
    CHECK(disk_ready());
    block_checks::scattered_and_multi_sector_requests(test_context, disk, 300);
}

AMBER_TEST(last_sector_works_and_past_the_end_is_refused) {
    CHECK(disk_ready());
    block_checks::last_sector_and_past_the_end(test_context, disk);
}

AMBER_TEST(written_data_is_flushed_to_the_image) {
    CHECK(disk_ready());
    block_checks::write_and_flush_text(test_context, disk, disk_check_sector, disk_check_text);
}

AMBER_TEST(whole_disk_write_speed) {
    CHECK(disk_ready());
    constexpr uint32_t chunk = VirtioBlk::max_request_sectors;
    for (uint64_t i = 0; i < chunk * sector; ++i) buffer[i] = static_cast<uint8_t>(i);
    uint64_t start = amber::ticks();
    bool ok = true;
    uint64_t total = disk.sector_count() - disk_check_sector - 1; // keep the check sector
    for (uint64_t s = disk_check_sector + 1; ok && s < disk.sector_count(); s += chunk) {
        uint64_t left = disk.sector_count() - s;
        ok = disk.write(s, static_cast<uint32_t>(left < chunk ? left : chunk), buffer);
    }
    ok = ok && disk.flush();
    CHECK(ok);
    uint64_t ms = amber::ticks() - start;
    amber::print("devices: wrote %lu KiB in %lu ms (%lu KiB/s)\n", static_cast<unsigned long>(total / 2),
                 static_cast<unsigned long>(ms), static_cast<unsigned long>(total / 2 * 1000 / (ms + 1)));
    CHECK(disk.read(disk.sector_count() - 1, 1, readback));
    CHECK(same(buffer + (disk.sector_count() - 1 - disk_check_sector - 1) % chunk * sector, readback, sector));
}

namespace {

struct Reader {
    uint8_t data[64];
    volatile uint64_t got;
    volatile amber_status status;
    volatile bool done;
};

// Reads until the whole expected input is there.
void read_console(void* argument) {
    auto* reader = static_cast<Reader*>(argument);
    while (reader->got < sizeof expected_input - 1) {
        auto r = amber::sys::console_read(reader->data + reader->got, sizeof reader->data - reader->got);
        if (!r.ok()) {
            reader->status = r.status;
            break;
        }
        reader->got = reader->got + r.value;
    }
    reader->done = true;
}

uint64_t input_waiting() { return amber::sys::console_read(nullptr, 0).value; }

// Stops `thread` and checks that it waits in console_read, its registers describing that call.
void check_waits_in_console_read(amber::test::Context& test_context, amber_handle_t thread, amber_thread_state& state) {
    CHECK_EQ(stop_while_waiting(thread, state), AMBER_OK);
    CHECK((state.flags & AMBER_THREAD_WAITING) != 0);
    CHECK_EQ(state.registers.rax, AMBER_SYS_console_read);
    const auto* instruction = reinterpret_cast<const uint8_t*>(state.registers.rip);
    CHECK(instruction[0] == 0x0f && instruction[1] == 0x05); // rip is at its `syscall`
}

} // namespace

AMBER_TEST(console_read_checks_its_buffer_first) {
    CHECK_EQ(input_waiting(), 0u); // nothing typed yet
    CHECK_EQ(amber::sys::console_read(kernel_address, 16).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(amber::sys::console_read(0x1000, 1).status, AMBER_ERR_BAD_ADDRESS);
    const void* text = reinterpret_cast<const void*>(&read_console); // not writable
    CHECK_EQ(amber::sys::console_read(text, 8).status, AMBER_ERR_BAD_ADDRESS);
}

// The reader waits; it is exported, resumed, cancelled and stopped again while the input arrives:
// it gets exactly the input, once, and a bad buffer in between takes none of it.
AMBER_TEST(console_read_waits_for_the_fed_input_and_loses_none) {
    static Reader reader{};
    uint64_t waits_before = waits_in(AMBER_SYS_console_read);
    auto thread =
        static_cast<amber_handle_t>(amber::start_thread(read_console, &reader, reader_stack, sizeof reader_stack));
    CHECK(thread != 0);
    CHECK(wait_until([&] { return waits_in(AMBER_SYS_console_read) > waits_before; }));
    amber_thread_state state{};
    check_waits_in_console_read(test_context, thread, state);
    amber_handle_t refs[2] = {handle_of(amber::sys::reference_create(0)), handle_of(amber::sys::reference_create(0))};
    CHECK_EQ(amber::sys::thread_get_references(thread, refs, 2).status, AMBER_OK);
    amber_reference_state waited{};
    CHECK_EQ(get_state(refs[1], waited), AMBER_OK);
    CHECK_EQ(waited.target_type, AMBER_OBJECT_MACHINE); // it waits on the machine's console
    state.flags = 0;
    // Counts taken before the act they wait for: the thread may wait again before we look (and under
    // export stress a cancel may find it between two waits, which it then begins anew).
    waits_before = waits_in(AMBER_SYS_console_read);
    CHECK_EQ(set_state(thread, state), AMBER_OK);
    CHECK(wait_until([&] { return waits_in(AMBER_SYS_console_read) > waits_before; }));
    waits_before = waits_in(AMBER_SYS_console_read);
    CHECK_EQ(amber::sys::thread_cancel(thread).status, AMBER_OK); // it re-executes console_read
    CHECK(wait_until([&] { return waits_in(AMBER_SYS_console_read) > waits_before; }));
    check_waits_in_console_read(test_context, thread, state); // stopped while the input comes

    amber::print("@@AMBER-READY-FOR-INPUT\n");
    CHECK(wait_until([] { return input_waiting() >= sizeof expected_input - 1; }, 60000));
    CHECK_EQ(amber::sys::console_read(kernel_address, 64).status, AMBER_ERR_BAD_ADDRESS);
    CHECK_EQ(input_waiting(), sizeof expected_input - 1);
    CHECK_EQ(reader.got, 0u);
    state.flags = 0;
    CHECK_EQ(set_state(thread, state), AMBER_OK);
    CHECK(wait_until([] { return reader.done; }));
    CHECK_EQ(reader.status, AMBER_OK);
    CHECK_EQ(reader.got, sizeof expected_input - 1);
    CHECK(same(reader.data, reinterpret_cast<const uint8_t*>(expected_input), sizeof expected_input - 1));
    CHECK_EQ(input_waiting(), 0u);
    CHECK(wait_exited(thread));
    for (amber_handle_t r : refs) amber::sys::handle_close(r);
    amber::sys::handle_close(thread);
}

// The only thread left waits itself: the CPU idles until the input comes, and the waiting thread,
// still the CPU's current one, is resumed in place. Small reads take the input piece by piece.
AMBER_TEST(console_read_wakes_the_thread_the_idle_cpu_waits_for) {
    constexpr char second_input[] = "world\n";
    uint8_t got[16] = {};
    uint64_t count = 0;
    amber::print("@@AMBER-READY-FOR-INPUT\n");
    while (count < sizeof second_input - 1) {
        auto r = amber::sys::console_read(got + count, 2);
        CHECK_EQ(r.status, AMBER_OK);
        if (!r.ok()) break;
        CHECK(r.value >= 1 && r.value <= 2);
        count += r.value;
    }
    CHECK_EQ(count, sizeof second_input - 1);
    CHECK(same(got, reinterpret_cast<const uint8_t*>(second_input), sizeof second_input - 1));
    CHECK_EQ(input_waiting(), 0u);
}

int main(int argc, char** argv) {
    if (argc > 1) {
        disk_mib = 0;
        for (const char* p = argv[1]; *p >= '0' && *p <= '9'; ++p) disk_mib = disk_mib * 10 + (*p - '0');
    }
    return amber::test::run_all("devices");
}
