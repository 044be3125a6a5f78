// Taking a process apart: stop every thread, export every object of its handle table and the
// layout of its memory into the image's Process record. Memory contents are streamed later by
// the image writer (image_write.hpp) while the threads stay stopped.
#pragma once

#include <amber/objects.h>

#include "amber_image.pb.h"

namespace checkpointd {

struct StoppedThreads {
    amber_handle_t handles[64]; // in checkpointd's table, all rights
    unsigned count = 0;
};

// What the capture needs to know about the process beyond its space.
struct CaptureContext {
    amber_handle_t space;        // the process's space (checkpointd holds it: it started it)
    uint64_t supervisor_port_id; // its supervisor port: recorded as the external "supervisor"
};

// Stops every thread (repeating until no new one appears). nullptr or an error message; on error
// the threads stopped so far stay in `threads` (resume them).
const char* stop_threads(amber_handle_t space, StoppedThreads& threads);
// Resumes stopped threads (each continues its call or instruction) and closes their handles.
void resume_threads(StoppedThreads& threads);
// Closes the handles without resuming (the process is about to be destroyed).
void forget_threads(StoppedThreads& threads);

// Fills `process` from the stopped process. Refuses (error message) objects it cannot recreate:
// device memory, mappings, regions, nested spaces, the machine, handles to other processes.
const char* export_process(const CaptureContext& context, const StoppedThreads& threads, amber_image_Process& process);

} // namespace checkpointd
