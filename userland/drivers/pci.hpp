// PCI configuration space for user-level drivers, through the machine capability's port I/O
// (configuration mechanism #1: address at 0xCF8, data at 0xCFC).
//
// Usage: Pci pci(AMBER_HANDLE_MACHINE); PciFunction f; if (pci.find(0x1af4, 0x1001, f)) ...
// Every access is two system calls; a failed one (no machine capability) reads as all ones, so a
// search finds nothing.
#pragma once

#include <amber/objects.h>
#include <stdint.h>

namespace amber::drivers {

struct PciFunction {
    uint8_t bus = 0, device = 0, function = 0;
};

struct PciBar {
    bool io = false;      // an I/O port range (else memory)
    uint64_t address = 0; // port number or physical address; 0 if unassigned
};

namespace pci_register {
constexpr uint8_t vendor = 0x00, device = 0x02, command = 0x04, class_revision = 0x08;
constexpr uint8_t header_type = 0x0e, bar0 = 0x10, secondary_bus = 0x19;
} // namespace pci_register

namespace pci_command {
constexpr uint16_t io_space = 1u << 0, memory_space = 1u << 1, bus_master = 1u << 2;
} // namespace pci_command

class Pci {
  public:
    explicit Pci(amber_handle_t machine) : machine_(machine) {}

    uint32_t read32(PciFunction f, uint8_t offset) const;
    uint16_t read16(PciFunction f, uint8_t offset) const;
    uint8_t read8(PciFunction f, uint8_t offset) const;
    bool write32(PciFunction f, uint8_t offset, uint32_t value) const;
    bool write16(PciFunction f, uint8_t offset, uint16_t value) const;

    // The first function (in bus, device, function order, following PCI-to-PCI bridges from bus 0)
    // with this vendor and device id.
    bool find(uint16_t vendor, uint16_t device, PciFunction& found) const;
    // Base address register `index` (0..5) of a type 0 header; a 64-bit memory BAR takes two.
    bool bar(PciFunction f, unsigned index, PciBar& out) const;
    // Gives an I/O BAR that firmware left unassigned (address 0; qboot does that) a port range: the
    // lowest one from 0xc000 up, aligned to its size, above every I/O BAR already assigned (taken
    // to span at most 256 bytes, the most PCI lets an I/O BAR ask for). I/O decoding is off while
    // the BAR is sized.
    bool assign_io_bar(PciFunction f, unsigned index, PciBar& out) const;
    // Sets bits in the command register (pci_command::*).
    bool enable(PciFunction f, uint16_t command_bits) const;

    amber_handle_t machine() const { return machine_; }

  private:
    bool select(PciFunction f, uint8_t offset) const;
    // Calls visit(function) for every function present, from bus 0 through bridges, until it
    // returns true; true if one did.
    template <typename Visit>
    bool visit_bus(uint8_t bus, Visit& visit, unsigned depth) const;

    amber_handle_t machine_;
};

} // namespace amber::drivers
