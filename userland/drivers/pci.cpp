#include "pci.hpp"

#include "../runtime/syscalls.hpp"

namespace amber::drivers {
namespace {

constexpr uint16_t address_port = 0xcf8, data_port = 0xcfc;
constexpr unsigned max_bridge_depth = 8;

} // namespace

bool Pci::select(PciFunction f, uint8_t offset) const {
    uint32_t address =
        1u << 31 | uint32_t{f.bus} << 16 | uint32_t{f.device} << 11 | uint32_t{f.function} << 8 | (offset & 0xfcu);
    return sys::io_port_write(machine_, address_port, 4, address).ok();
}

uint32_t Pci::read32(PciFunction f, uint8_t offset) const {
    if (!select(f, offset)) return 0xffffffffu;
    SyscallReturn r = sys::io_port_read(machine_, data_port, 4);
    return r.ok() ? static_cast<uint32_t>(r.value) : 0xffffffffu;
}

uint16_t Pci::read16(PciFunction f, uint8_t offset) const {
    return static_cast<uint16_t>(read32(f, offset) >> ((offset & 2) * 8));
}

uint8_t Pci::read8(PciFunction f, uint8_t offset) const {
    return static_cast<uint8_t>(read32(f, offset) >> ((offset & 3) * 8));
}

bool Pci::write32(PciFunction f, uint8_t offset, uint32_t value) const {
    return select(f, offset) && sys::io_port_write(machine_, data_port, 4, value).ok();
}

bool Pci::write16(PciFunction f, uint8_t offset, uint16_t value) const {
    return select(f, offset) && sys::io_port_write(machine_, data_port + (offset & 2), 2, value).ok();
}

template <typename Visit>
bool Pci::visit_bus(uint8_t bus, Visit& visit, unsigned depth) const {
    for (uint8_t d = 0; d < 32; ++d) {
        for (uint8_t fn = 0; fn < 8; ++fn) {
            PciFunction f{bus, d, fn};
            if (read16(f, pci_register::vendor) == 0xffff) {
                if (fn == 0) break; // no device here
                continue;
            }
            if (visit(f)) return true;
            uint8_t header = read8(f, pci_register::header_type);
            bool bridge = read32(f, pci_register::class_revision) >> 16 == 0x0604 && (header & 0x7f) == 1;
            if (bridge && depth < max_bridge_depth) {
                uint8_t secondary = read8(f, pci_register::secondary_bus);
                if (secondary > bus && visit_bus(secondary, visit, depth + 1)) return true;
            }
            if (fn == 0 && (header & 0x80) == 0) break; // single-function device
        }
    }
    return false;
}

bool Pci::find(uint16_t vendor, uint16_t device, PciFunction& found) const {
    auto matches = [&](PciFunction f) {
        if (read32(f, pci_register::vendor) != (uint32_t{device} << 16 | vendor)) return false;
        found = f;
        return true;
    };
    return visit_bus(0, matches, 0);
}

bool Pci::bar(PciFunction f, unsigned index, PciBar& out) const {
    if (index > 5) return false;
    auto offset = static_cast<uint8_t>(pci_register::bar0 + 4 * index);
    uint32_t low = read32(f, offset);
    if (low == 0xffffffffu) return false;
    if ((low & 1) != 0) {
        out = {true, low & ~uint32_t{3}};
        return true;
    }
    uint64_t address = low & ~uint32_t{0xf};
    if (((low >> 1) & 3) == 2) { // 64-bit
        if (index == 5) return false;
        address |= uint64_t{read32(f, static_cast<uint8_t>(offset + 4))} << 32;
    }
    out = {false, address};
    return true;
}

bool Pci::assign_io_bar(PciFunction f, unsigned index, PciBar& out) const {
    if (index > 5) return false;
    auto offset = static_cast<uint8_t>(pci_register::bar0 + 4 * index);
    uint32_t original = read32(f, offset);
    if (original == 0xffffffffu || (original & 1) == 0) return false;
    uint16_t command = read16(f, pci_register::command);
    write16(f, pci_register::command, static_cast<uint16_t>(command & ~pci_command::io_space));
    write32(f, offset, 0xffffffffu);
    uint32_t mask = (read32(f, offset) & ~uint32_t{3}) | 0xffff0000u; // 16-bit decoders read 0 above
    uint32_t size = ~mask + 1;
    uint32_t base = 0xc000;
    auto above = [&](PciFunction other) {
        for (unsigned i = 0; i < 6; ++i) {
            if (other.bus == f.bus && other.device == f.device && other.function == f.function && i == index) continue;
            PciBar b;
            if (bar(other, i, b) && b.io && b.address != 0 && b.address + 256 > base) base = b.address + 256;
            if (!b.io && ((read32(other, static_cast<uint8_t>(pci_register::bar0 + 4 * i)) >> 1) & 3) == 2) ++i;
        }
        return false;
    };
    visit_bus(0, above, 0);
    base = (base + size - 1) & ~(size - 1);
    bool fits = size >= 4 && size <= 256 && base + size <= 0x10000;
    write32(f, offset, fits ? base : original);
    write16(f, pci_register::command, command);
    if (!fits) return false;
    out = {true, base};
    return true;
}

bool Pci::enable(PciFunction f, uint16_t command_bits) const {
    uint16_t command = read16(f, pci_register::command);
    return write16(f, pci_register::command, static_cast<uint16_t>(command | command_bits));
}

} // namespace amber::drivers
