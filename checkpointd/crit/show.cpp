// amber-crit show: the summary of a checked image (names of values in names.cpp).
#include "show.hpp"

#include <algorithm>
#include <amber/objects.h>
#include <cstdarg>
#include <cstdio>

namespace amber::crit {
namespace {

using namespace amber::image;

[[gnu::format(printf, 2, 3)]] void print(std::ostream& out, const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    va_list again;
    va_copy(again, arguments);
    std::string line(static_cast<std::size_t>(std::max(0, std::vsnprintf(nullptr, 0, format, arguments))), '\0');
    std::vsnprintf(line.data(), line.size() + 1, format, again);
    va_end(again);
    va_end(arguments);
    out << line;
}

unsigned long long u(std::uint64_t value) { return value; }
double milliseconds(std::uint64_t microseconds) { return static_cast<double>(microseconds) / 1000.0; }

void show_header(std::ostream& out, const std::string& name, const CheckedImage& checked) {
    const Header& header = checked.image.header();
    print(out, "%s: Amber checkpoint image, format %u, %llu bytes, checksum %s ok\n", name.c_str(),
          header.format_version(), u(checked.file_bytes), hex(checked.image.checksum()).c_str());
    print(out, "program: %s%s%s\n", header.program().c_str(), header.arguments().empty() ? "" : " ",
          header.arguments().c_str());
    print(out, "abi %u, object state version %u, page size %u, features %s\n", header.abi_version(),
          header.state_version(), header.page_size(), hex(header.features()).c_str());
    print(out, "checkpointed at tick %llu; space id %llu\n", u(header.checkpoint_ticks()),
          u(checked.image.process().space_id()));
}

void show_threads(std::ostream& out, const Process& process) {
    print(out, "threads (%d):\n", process.threads_size());
    for (const Thread& thread : process.threads()) {
        const Registers& registers = thread.registers();
        print(out, "  id %llu  rip %s  rsp %s  flags %s", u(thread.id()), hex(registers.rip()).c_str(),
              hex(registers.rsp()).c_str(), thread_flag_names(thread.flags()).c_str());
        if (const char* call = syscall_name(registers.rax()))
            print(out, "  %s %s (rax %llu)", thread.flags() & AMBER_THREAD_WAITING ? "waiting in" : "call", call,
                  u(registers.rax()));
        else
            print(out, "  rax %s", hex(registers.rax()).c_str());
        if (thread.waiting_for_id() != 0) print(out, "  waiting for object %llu", u(thread.waiting_for_id()));
        out << "\n";
    }
}

void show_objects(std::ostream& out, const Process& process) {
    print(out,
          "objects: %d threads, %d mutexes, %d conds, %d ports, %d port sets, %d references, %d regions, "
          "%d mappings\n",
          process.threads_size(), process.mutexes_size(), process.conds_size(), process.ports_size(),
          process.port_sets_size(), process.references_size(), process.regions_size(), process.mappings_size());
    for (const Mutex& mutex : process.mutexes()) {
        print(out, "  mutex %llu  %s", u(mutex.id()), mutex.locked() ? "locked" : "unlocked");
        if (mutex.owner_thread_id() != 0) print(out, " by thread %llu", u(mutex.owner_thread_id()));
        out << "\n";
    }
    for (const Cond& cond : process.conds()) print(out, "  cond %llu\n", u(cond.id()));
    for (const Port& port : process.ports())
        print(out, "  port %llu  badge %s  port set %llu\n", u(port.id()), hex(port.badge()).c_str(),
              u(port.port_set_id()));
    for (const PortSet& set : process.port_sets()) print(out, "  port set %llu\n", u(set.id()));
    for (const Reference& reference : process.references())
        print(out, "  reference %llu  -> %s %llu  rights %s\n", u(reference.id()),
              object_type_name(reference.target_type()).c_str(), u(reference.target_id()),
              rights_letters(reference.rights()).c_str());
    for (const Region& region : process.regions())
        print(out, "  region %llu  base %s  size %s  max %s  keeper port %llu\n", u(region.id()),
              hex(region.base()).c_str(), hex(region.size()).c_str(),
              protection_letters(region.max_protection()).c_str(), u(region.keeper_port_id()));
    for (const Mapping& mapping : process.mappings())
        print(out, "  mapping %llu  region %llu  base %s  size %s  offset %s  %s\n", u(mapping.id()),
              u(mapping.region_id()), hex(mapping.base()).c_str(), hex(mapping.size()).c_str(),
              hex(mapping.offset()).c_str(), protection_letters(mapping.protection()).c_str());
}

void show_handles(std::ostream& out, const Process& process) {
    print(out, "handles (%d):\n", process.handles_size());
    for (const Handle& handle : process.handles()) {
        print(out, "  %-4u %-10s %s  object %llu", handle.value(), object_type_name(handle.type()).c_str(),
              rights_letters(handle.rights()).c_str(), u(handle.object_id()));
        if (!handle.external().empty()) print(out, "  external %s", handle.external().c_str());
        out << "\n";
    }
}

void show_memory(std::ostream& out, const Image& image) {
    const Process& process = image.process();
    print(out, "memory (%d ranges):\n", process.memory_size());
    for (const MemoryRange& range : process.memory()) {
        const char* kind = range.kind() == AMBER_MEMORY_ANONYMOUS ? "anonymous"
                           : range.kind() == AMBER_MEMORY_MAPPING ? "mapping"
                                                                  : "kind?";
        print(out, "  %#018llx  size %s  %s  %-9s  %llu present pages\n", u(range.base()), hex(range.size()).c_str(),
              protection_letters(range.protection()).c_str(), kind, u(range.present_pages()));
    }
}

void show_pages_and_stats(std::ostream& out, const CheckedImage& checked) {
    print(out, "page runs: %d runs, %llu pages (%llu bytes)\n", checked.image.page_runs_size(), u(checked.pages),
          u(checked.pages * image_page_size));
    const Stats& stats = checked.image.stats();
    print(out,
          "stats: frozen %.3f ms, dump %.3f ms, write %.3f ms; pages scanned %llu, zero %llu, written %llu; "
          "image %llu bytes\n",
          milliseconds(stats.frozen_time_us()), milliseconds(stats.dump_time_us()), milliseconds(stats.write_time_us()),
          u(stats.pages_scanned()), u(stats.pages_zero()), u(stats.pages_written()), u(stats.image_bytes()));
}

} // namespace

void show_image(std::ostream& out, const std::string& name, const CheckedImage& checked) {
    show_header(out, name, checked);
    show_threads(out, checked.image.process());
    show_objects(out, checked.image.process());
    show_handles(out, checked.image.process());
    show_memory(out, checked.image);
    show_pages_and_stats(out, checked);
}

} // namespace amber::crit
