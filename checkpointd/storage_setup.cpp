#include "storage_setup.hpp"

#include <amber/abi.h>

#include "../userland/drivers/ata_pio.hpp"
#include "../userland/drivers/pci.hpp"
#include "../userland/drivers/virtio_blk.hpp"
#include "../userland/lib/ipc.hpp"
#include "../userland/lib/protocols.hpp"
#include "../userland/lib/spawn.hpp"
#include "../userland/runtime/runtime.hpp"
#include "remote_store.hpp"

namespace checkpointd {
namespace {

namespace sys = amber::sys;
namespace protocol = amber::protocol;

MemoryStore memory_store;
RemoteStore disk_store;

bool start_server(const char* program, const amber::SpawnHandle* handles, unsigned count) {
    const char* argv[] = {program};
    amber::Spawned spawned;
    const char* error = nullptr;
    if (amber::spawn({program, argv, 1, handles, count, 0, false}, spawned, error) != AMBER_OK) {
        amber::print("checkpointd: cannot start %s: %s\n", program, error);
        return false;
    }
    sys::handle_close(spawned.thread); // the space stays ours: the server ends with checkpointd
    return true;
}

bool machine_has_disk() {
    amber_handle_info info{};
    if (!sys::object_info(AMBER_HANDLE_MACHINE, &info).ok() || info.type != AMBER_OBJECT_MACHINE) return false;
    amber::drivers::Pci pci(AMBER_HANDLE_MACHINE);
    amber::drivers::PciFunction function;
    if (pci.find(amber::drivers::VirtioBlk::vendor_id, amber::drivers::VirtioBlk::legacy_device_id, function)) {
        return true;
    }
    amber::drivers::AtaPio ata; // blkd falls back to it too; IDENTIFY changes nothing on the disk
    return ata.initialize(AMBER_HANDLE_MACHINE);
}

// blkd gets the machine capability and its port set; fsd gets its port set and blkd's port.
const char* start_disk_servers() {
    amber::ipc::Endpoint block = amber::ipc::endpoint(0xb10c), file = amber::ipc::endpoint(0xf11e);
    constexpr uint32_t use = AMBER_RIGHT_OPERATE | AMBER_RIGHT_DUPLICATE;
    amber::SpawnHandle blkd[] = {{AMBER_HANDLE_MACHINE, AMBER_HANDLE_MACHINE, use},
                                 {protocol::service_set_handle, block.set, use}};
    amber::SpawnHandle fsd[] = {{protocol::service_set_handle, file.set, use},
                                {protocol::block_port_handle, block.port, use}};
    if (!start_server("blkd", blkd, 2) || !start_server("fsd", fsd, 2)) return "the storage servers did not start";
    uint64_t free_bytes = 0;
    const char* error = disk_store.connect(file.port, free_bytes);
    if (error == nullptr) amber::print("checkpointd: images on the FAT32 disk (%lu MiB free)\n", free_bytes >> 20);
    return error;
}

} // namespace

Store& open_storage(bool force_memory) {
    if (!force_memory && machine_has_disk()) {
        const char* error = start_disk_servers();
        if (error == nullptr) return disk_store;
        amber::print("checkpointd: the disk cannot hold images (%s)\n", error);
    }
    amber::print("checkpointd: images are kept in memory until power-off (no usable disk)\n");
    return memory_store;
}

} // namespace checkpointd
