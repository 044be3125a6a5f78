// The shell's command language, executed by checkpointd (one line in, text out).
#pragma once

#include "output.hpp"
#include "supervisor.hpp"

namespace checkpointd {

// Runs one command line. Sets `halt` when the machine should power off after the reply.
void execute_command(Supervisor& supervisor, char* line, Output& out, bool& halt);

} // namespace checkpointd
