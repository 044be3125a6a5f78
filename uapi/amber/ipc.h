/* IPC message descriptors. C and C++.
 *
 * A message is described in the sender's memory by an amber_ipc_message: up to
 * AMBER_IPC_MAX_BUFFERS data buffers (gathered in order, any total size) and up to
 * AMBER_IPC_MAX_HANDLES handles. The receiver describes where data may go the same way. The kernel
 * never changes the buffers; it records progress in `transferred` (bytes moved so far) in both
 * descriptors, so a transfer that is preempted restarts where it stopped, and a thread stopped in
 * the middle of one shows exactly how far it got. Fields other than those marked "in" are written
 * by the kernel. One-way and idempotent sends reset `transferred` to 0 once delivered; a reliable
 * send leaves it at the number of bytes the receiver took (set it to 0 for the next message).
 */
#ifndef AMBER_UAPI_IPC_H
#define AMBER_UAPI_IPC_H

#include <stdint.h>

#include "objects.h"

#define AMBER_IPC_MAX_BUFFERS 4
#define AMBER_IPC_MAX_HANDLES 4

/* Flags of amber_ipc_message.flags (receive side), written when a receive completes. */
#define AMBER_IPC_TRUNCATED (1u << 0) /* the message was longer than the receive buffers, or handles were dropped */
#define AMBER_IPC_MORE (1u << 1)      /* reliable: the buffers are full and the sender has more of its message */

/* The two ends a thread may hold of reliable connections (argument `side` of the ipc_side_* calls):
 * the connection it opened as a client (its peer is its server), and the one it accepted as a
 * server (its peer is its client). A thread can hold both at once (an interposer). */
#define AMBER_IPC_SIDE_CLIENT 0u
#define AMBER_IPC_SIDE_SERVER 1u

struct amber_ipc_buffer {
    uint64_t address; /* in */
    uint64_t length;  /* in */
};

struct amber_ipc_message {
    uint32_t buffer_count; /* in: buffers used */
    uint32_t handle_count; /* in: send: handles to send; receive: slots offered. out (receive): handles received */
    uint64_t transferred;  /* bytes moved so far; 0 to start a new message */
    struct amber_ipc_buffer buffers[AMBER_IPC_MAX_BUFFERS];
    amber_handle_t handles[AMBER_IPC_MAX_HANDLES]; /* send, in: copied to the receiver; receive, out: new handles */
    uint64_t badge;                                /* receive, out: badge of the port the message came through */
    uint32_t flags;                                /* receive, out: AMBER_IPC_* */
    uint32_t reserved0;
};

/* What a region's keeper receives when a thread faults in the region (as an idempotent call whose
 * badge is the keeper port's). Replying (with any message) lets the thread retry the access; a
 * thread stopped while it waits for its keeper retries (and faults again) when resumed. */
struct amber_fault_message {
    uint64_t address;    /* the faulting address (CR2) */
    uint64_t error_code; /* x86 page-fault error code: AMBER_FAULT_* below */
    uint64_t rip;        /* the faulting instruction */
    uint64_t thread_id;
};

/* Bits of amber_fault_message.error_code. A fault on an absent page has PRESENT clear; a write to a
 * present page that is not writable (copy-on-write: memory_clone, memory_unshare) has PRESENT and
 * WRITE set. USER is clear for a fault the kernel met while copying on a thread's behalf
 * (memory_write, an IPC transfer), which reports the space being copied to or from. */
#define AMBER_FAULT_PRESENT (1u << 0)
#define AMBER_FAULT_WRITE (1u << 1)
#define AMBER_FAULT_USER (1u << 2)
#define AMBER_FAULT_FETCH (1u << 4)

#endif
