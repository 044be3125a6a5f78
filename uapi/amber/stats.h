/* Kernel statistics read with system_stats: restart counters per system call, and the kernel's
 * memory in use (for leak checks: both return to their values once what a test made is gone). C and C++. */
#ifndef AMBER_UAPI_STATS_H
#define AMBER_UAPI_STATS_H

#include <stdint.h>

#define AMBER_STATS_MAX_CALLS 128

struct amber_stats {
    uint32_t version;                      /* AMBER_STATE_VERSION */
    uint32_t call_count;                   /* entries used in the arrays below */
    uint64_t stress_seed;                  /* 0 when restart stress is off */
    uint32_t stress_rate;                  /* per mille */
    uint32_t stress_points;                /* kinds of restart point stress forces, bit (1 << kind): entry, preemption,
                                              commit, wake-up, copy fault, export (kernel/core/stress.hpp); 0 when off */
    uint64_t calls[AMBER_STATS_MAX_CALLS]; /* calls made, by number */
    uint64_t restarts[AMBER_STATS_MAX_CALLS];        /* restarts of any cause, by call */
    uint64_t forced_restarts[AMBER_STATS_MAX_CALLS]; /* restarts forced by stress, by call */
    uint64_t heap_blocks;                            /* kernel heap blocks in use (objects, tables) */
    uint64_t free_frames;                            /* physical frames free */
    uint64_t heap_frames;                            /* frames the kernel heap holds (it keeps them) */
    uint64_t exports[AMBER_STATS_MAX_CALLS];         /* threads that export stress replaced by an imported copy, by the
                                                        call they were restarting or waiting in */
    uint64_t reclaim_pending;                        /* destroyed spaces whose handles and memory the kernel is still
                                                        releasing (in slices, outside calls); heap_blocks and free_frames
                                                        reach their final values once this is 0 */
    uint64_t reclaim_slices;                         /* slices of that work done since boot */
};

#endif
