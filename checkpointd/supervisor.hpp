// checkpointd's operations on the processes it manages, as the shell's commands use them.
#pragma once

#include "output.hpp"
#include "processes.hpp"
#include "store.hpp"

namespace checkpointd {

class Supervisor {
  public:
    Supervisor(Store& store, amber_handle_t service_set) : store_(store), service_set_(service_set) {}

    void run(const char* program, const char* const* argv, unsigned argc, Output& out);
    void kill(uint64_t pid, Output& out);
    void checkpoint(uint64_t pid, const char* file, bool leave_running, Output& out);
    void restore(const char* file, Output& out);
    void check(uint64_t pid, Output& out); // asks a process to verify itself (zdtm)
    void state(uint64_t pid, Output& out); // one word: its state as ps shows it
    void ps(Output& out);
    void ls(Output& out);
    void rm(const char* file, Output& out);
    void verify(const char* file, Output& out); // checks an image whole and shows its header

    // A supervisor request from a managed process (its port's badge names it).
    bool serve(uint64_t badge, const void* request, uint64_t length, uint64_t& reply_value);

    Store& store() { return store_; }

  private:
    Store& store_;
    amber_handle_t service_set_;
    ProcessTable table_;
};

} // namespace checkpointd
