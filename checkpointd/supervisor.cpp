#include "supervisor.hpp"

#include <amber/abi.h>

#include "../userland/lib/protocols.hpp"
#include "../userland/lib/spawn.hpp"
#include "../userland/runtime/runtime.hpp"
#include "capture.hpp"
#include "clock.hpp"
#include "image_format.hpp"
#include "image_write.hpp"
#include "restore.hpp"

namespace checkpointd {
namespace {

namespace sys = amber::sys;
using amber::protocol::supervisor_handle;

amber_image_Image image; // large: the process record of the checkpoint being written

uint64_t space_id(amber_handle_t space) {
    amber_handle_info info{};
    return sys::object_info(space, &info).ok() ? info.id : 0;
}

void join_arguments(char (&to)[128], const char* const* argv, unsigned argc) {
    size_t used = 0;
    for (unsigned i = 1; i < argc; ++i) {
        for (const char* c = argv[i]; *c != '\0' && used + 2 < sizeof to; ++c) to[used++] = *c;
        if (i + 1 < argc && used + 2 < sizeof to) to[used++] = ' ';
    }
    to[used] = '\0';
}

// Microseconds as "M.UUU ms" for the messages.
struct Milliseconds {
    unsigned long whole, fraction;
};
Milliseconds ms(uint64_t us) { return {us / 1000, us % 1000}; }

} // namespace

void Supervisor::run(const char* program, const char* const* argv, unsigned argc, Output& out) {
    Process* p = table_.allocate(service_set_);
    if (p == nullptr) return out.fail("run: too many processes (at most %u)\n", ProcessTable::capacity);
    amber::SpawnHandle handles[] = {{supervisor_handle, p->supervisor, AMBER_RIGHT_OPERATE | AMBER_RIGHT_DUPLICATE}};
    amber::Spawned spawned;
    const char* error = nullptr;
    amber::SpawnRequest request{program, argv, argc, handles, 1, 0, false};
    if (amber::spawn(request, spawned, error) != AMBER_OK) {
        table_.release(*p);
        return out.fail("run: cannot start %s: %s\n", program, error);
    }
    sys::handle_close(spawned.thread);
    p->space = spawned.space;
    p->pid = space_id(spawned.space);
    ProcessTable::name(*p);
    join_arguments(p->arguments, argv, argc);
    out.print("started %s as process %lu\n", program, p->pid);
}

void Supervisor::kill(uint64_t pid, Output& out) {
    Process* p = table_.by_pid(pid);
    if (p == nullptr) return out.fail("kill: no process %lu\n", pid);
    table_.release(*p);
    out.print("killed process %lu\n", pid);
}

void Supervisor::checkpoint(uint64_t pid, const char* file, bool leave_running, Output& out) {
    Process* p = table_.by_pid(pid);
    if (p == nullptr) return out.fail("checkpoint: no process %lu (see ps; only processes checkpointd started)\n", pid);
    if (ProcessTable::thread_count(*p) == 0) return out.fail("checkpoint: process %lu has exited\n", pid);
    char temporary[72];
    lib::format_to(temporary, sizeof temporary, "%s~", file);
    uint64_t started = amber::ticks(), started_us = now_us();
    static StoppedThreads threads;
    threads = {};
    const char* error = stop_threads(p->space, threads);
    if (error == nullptr) error = export_process({p->space, p->supervisor_id}, threads, image.process);
    if (error != nullptr) {
        resume_threads(threads);
        return out.fail("checkpoint: %s; process %lu left running\n", error, pid);
    }
    image.has_header = image.has_process = true;
    // The process's own clock when it stopped: its restored copy's clock goes on from there.
    amber_space_state space_state{};
    sys::object_get_state(p->space, &space_state, sizeof space_state);
    uint64_t process_clock = started + static_cast<uint64_t>(space_state.clock_offset);
    image.header = {image_magic, image_format_version, 0,        AMBER_ABI_VERSION, AMBER_STATE_VERSION, {},
                    {},          process_clock,        page_size};
    static_assert(sizeof image.header.program == AMBER_SPACE_NAME_MAX);
    copy_name(image.header.program, sizeof image.header.program, ProcessTable::name(*p)); // restore names the space
    copy_name(image.header.arguments, sizeof image.header.arguments, p->arguments);
    image.stats = {};
    image.stats.dump_time_us = now_us() - started_us;
    WriteResult result;
    error = write_image(store_, temporary, p->space, image, started_us, result);
    if (error == nullptr) error = store_.replace(temporary, file);
    if (error == nullptr) error = store_.flush();
    if (error != nullptr) {
        store_.remove(temporary);
        resume_threads(threads);
        return out.fail("checkpoint: cannot write %s: %s; process %lu left running\n", file, error, pid);
    }
    Milliseconds frozen = ms(now_us() - started_us);
    if (leave_running) {
        resume_threads(threads);
    } else {
        forget_threads(threads);
        table_.release(*p);
    }
    out.print("checkpointed process %lu (%s) to %s: %u threads, %lu pages written (%lu zero skipped), %lu bytes, "
              "frozen %lu.%03lu ms; %s\n",
              pid, image.header.program, file, static_cast<unsigned>(image.process.threads_count), result.pages_written,
              result.pages_zero, result.bytes, frozen.whole, frozen.fraction,
              leave_running ? "left running" : "process ended");
}

void Supervisor::restore(const char* file, Output& out) {
    Process* p = table_.allocate(service_set_);
    if (p == nullptr) return out.fail("restore: too many processes (at most %u)\n", ProcessTable::capacity);
    uint64_t started_us = now_us();
    Restored restored;
    const char* error = restore_image(store_, file, {p->supervisor}, restored);
    if (error != nullptr) {
        table_.release(*p);
        return out.fail("restore: %s: %s; nothing was started\n", file, error);
    }
    p->space = restored.space;
    p->pid = restored.space_id;
    p->restored = true;
    copy_name(p->arguments, sizeof p->arguments, restored.arguments);
    Milliseconds took = ms(now_us() - started_us);
    out.print("restored %s from %s as process %lu: %lu pages in %lu.%03lu ms\n", ProcessTable::name(*p), file, p->pid,
              restored.pages, took.whole, took.fraction);
}

void Supervisor::check(uint64_t pid, Output& out) {
    Process* p = table_.by_pid(pid);
    if (p == nullptr) return out.fail("check: no process %lu\n", pid);
    p->phase = ProcessPhase::CheckRequested;
    out.print("asked process %lu to check itself\n", pid);
}

void Supervisor::state(uint64_t pid, Output& out) {
    Process* p = table_.by_pid(pid);
    if (p == nullptr) return out.fail("gone\n");
    out.print("%s\n", ProcessTable::state_name(*p));
}

void Supervisor::ps(Output& out) {
    out.print("%5s  %-12s %-9s %7s  %s\n", "PID", "PROGRAM", "STATE", "THREADS", "ARGUMENTS");
    for (unsigned slot = 0; slot < ProcessTable::capacity; ++slot) {
        Process& p = table_.at(slot);
        if (!p.used) continue;
        uint32_t threads = ProcessTable::thread_count(p);
        out.print("%5lu  %-12s %-9s %7u  %s%s\n", p.pid, ProcessTable::name(p), ProcessTable::state_name(p), threads,
                  p.arguments, p.restored ? " (restored)" : "");
    }
}

void Supervisor::ls(Output& out) {
    struct Lister {
        Output& out;
        unsigned count;
    } lister{out, 0};
    const char* error = store_.list(
        [](void* context, const char* name, uint64_t size) {
            auto& l = *static_cast<Lister*>(context);
            l.out.print("%10lu  %s\n", size, name);
            ++l.count;
            return true;
        },
        &lister);
    if (error != nullptr) return out.fail("ls: %s\n", error);
    out.print("%u files on %s\n", lister.count, store_.kind());
}

void Supervisor::rm(const char* file, Output& out) {
    const char* error = store_.remove(file);
    if (error == nullptr) error = store_.flush();
    if (error != nullptr) return out.fail("rm: %s: %s\n", file, error);
    out.print("removed %s\n", file);
}

void Supervisor::verify(const char* file, Output& out) {
    uint64_t size = 0;
    const amber_image_Header* header = nullptr;
    const char* error = verify_image(store_, file, size, header);
    if (error != nullptr) return out.fail("verify: %s: %s\n", file, error);
    out.print("%s: image of %lu bytes, checksum good: %s %s (format %u, ABI %u)\n", file, size, header->program,
              header->arguments, header->format_version, header->abi_version);
}

bool Supervisor::serve(uint64_t badge, const void* request, uint64_t length, uint64_t& reply_value) {
    reply_value = 0;
    Process* p = table_.by_badge(badge);
    if (p == nullptr || length < sizeof(amber::protocol::SupervisorRequest)) return false;
    amber::protocol::SupervisorRequest r;
    __builtin_memcpy(&r, request, sizeof r);
    switch (r.op) {
    case amber::protocol::SupervisorOp::Ready:
        if (p->phase == ProcessPhase::Running) p->phase = ProcessPhase::Ready;
        return true;
    case amber::protocol::SupervisorOp::Poll: reply_value = p->phase == ProcessPhase::CheckRequested; return true;
    case amber::protocol::SupervisorOp::Report:
        p->phase = r.argument != 0 ? ProcessPhase::Passed : ProcessPhase::Failed;
        amber::print("checkpointd: process %lu (%s) reports its self-check %s\n", p->pid, ProcessTable::name(*p),
                     r.argument != 0 ? "passed" : "FAILED");
        return true;
    }
    return false;
}

} // namespace checkpointd
