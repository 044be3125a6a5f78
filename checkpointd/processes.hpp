// The processes checkpointd manages: it started (or restored) each one, so it holds the
// capability to its space and serves the supervisor port the process talks to it through.
#pragma once

#include <amber/objects.h>

namespace checkpointd {

enum class ProcessPhase : uint8_t {
    Running,        // started or restored, has not said it is ready
    Ready,          // told the supervisor its state is built (zdtm: test_daemon)
    CheckRequested, // `check PID`: its next poll tells it to verify itself
    Passed,         // reported a successful self-check
    Failed,         // reported a failed self-check
};

struct Process {
    bool used = false;
    uint64_t pid = 0;              // its space's id
    amber_handle_t space = 0;      // all rights
    amber_handle_t supervisor = 0; // the port installed in it (badge = supervisor_badge(slot))
    uint64_t supervisor_id = 0;
    char name[AMBER_SPACE_NAME_MAX] = {}; // its space's name when last read (ProcessTable::name)
    char arguments[128] = {};
    ProcessPhase phase = ProcessPhase::Running;
    bool restored = false;
};

class ProcessTable {
  public:
    static constexpr unsigned capacity = 16;
    static constexpr uint64_t badge_base = 0x5550000000000000ull; // supervisor ports: badge_base + slot

    // A free slot with a fresh supervisor port attached to `service_set`; nullptr if full.
    Process* allocate(amber_handle_t service_set);
    // Releases a slot: destroys the space (ends the process) and the port.
    void release(Process& process);
    Process* by_pid(uint64_t pid);
    Process* by_badge(uint64_t badge);
    Process& at(unsigned slot) { return processes_[slot]; }
    static const char* phase_name(ProcessPhase phase);
    // What ps shows: the phase, "exited" once no thread is left (a reported result stays).
    static const char* state_name(const Process& process);
    // Its name as the kernel has it (its space's: the program `run` started, the name a restore gave it
    // from its image, or one it chose), or the last one read once the space has ended.
    static const char* name(Process& process);
    // Live threads of a process (0 once it has exited).
    static uint32_t thread_count(const Process& process);

  private:
    Process processes_[capacity];
};

} // namespace checkpointd
