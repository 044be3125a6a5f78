// Names of the values of uapi/amber/objects.h and uapi/amber/syscalls.def, for show.
#include <amber/objects.h>
#include <iterator>

#include "show.hpp"

namespace amber::crit {
namespace {

// Letters for bits 0, 1, 2, ... of `value`, '-' where clear, then any higher set bits in hex.
std::string letters(std::uint32_t value, const std::string& for_bits) {
    std::string out;
    for (std::size_t bit = 0; bit < for_bits.size(); ++bit) out += (value >> bit) & 1 ? for_bits[bit] : '-';
    if (std::uint32_t unknown = value >> for_bits.size() << for_bits.size()) out += "+" + hex(unknown);
    return out;
}

struct Call {
    unsigned number;
    const char* name;
};

constexpr Call calls[] = {
#define AMBER_SYSCALL(number, name, argument_count) {number, #name},
#include <amber/syscalls.def>
#undef AMBER_SYSCALL
};

} // namespace

std::string object_type_name(std::uint32_t type) {
    static const char* const names[] = {"none",     "thread", "space", "region",    "mapping", "port",
                                        "port_set", "mutex",  "cond",  "reference", "machine"};
    static_assert(std::size(names) == AMBER_OBJECT_TYPE_COUNT);
    return type < std::size(names) ? names[type] : "type " + std::to_string(type);
}

std::string rights_letters(std::uint32_t rights) {
    static_assert(AMBER_RIGHT_GET_STATE == 1 && AMBER_RIGHT_SET_STATE == 2 && AMBER_RIGHT_DESTROY == 4 &&
                  AMBER_RIGHT_DUPLICATE == 8 && AMBER_RIGHT_OPERATE == 16 && AMBER_RIGHTS_ALL == 0x1f);
    return letters(rights, "rwdco");
}

std::string protection_letters(std::uint32_t protection) {
    static_assert(AMBER_PROT_READ == 1 && AMBER_PROT_WRITE == 2 && AMBER_PROT_EXECUTE == 4);
    return letters(protection, "rwx");
}

std::string thread_flag_names(std::uint32_t flags) {
    static const std::pair<std::uint32_t, const char*> known[] = {
        {AMBER_THREAD_STOPPED, "stopped"}, {AMBER_THREAD_WAITING, "waiting"}, {AMBER_THREAD_EXITED, "exited"}};
    std::string out;
    for (auto [bit, name] : known) {
        if (flags & bit) out += (out.empty() ? "" : ",") + std::string(name);
        flags &= ~bit;
    }
    if (flags) out += (out.empty() ? "" : ",") + hex(flags);
    return out.empty() ? "-" : out;
}

const char* syscall_name(std::uint64_t number) {
    for (const Call& call : calls)
        if (call.number == number) return call.name;
    return nullptr;
}

} // namespace amber::crit
