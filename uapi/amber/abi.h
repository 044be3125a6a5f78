/* Fixed ABI constants shared by the kernel, user programs and host tools. C and C++. */
#ifndef AMBER_UAPI_ABI_H
#define AMBER_UAPI_ABI_H

/* Version of the kernel ABI; bumped on any incompatible change to uapi/. */
#define AMBER_ABI_VERSION 4

/* Frequency of the timer that clock_ticks counts and that drives preemption. */
#define AMBER_TICK_HZ 1000

/* User virtual addresses are in [AMBER_USER_MIN, AMBER_USER_MAX). */
#define AMBER_USER_MIN 0x0000000000010000ull
#define AMBER_USER_MAX 0x0000800000000000ull

/* Initial user stack of a process: its top and size. */
#define AMBER_USER_STACK_TOP 0x00007ffffff00000ull
#define AMBER_USER_STACK_SIZE (256ull * 1024)

/* Handles every process started by the kernel finds in its table. */
#define AMBER_HANDLE_SELF_SPACE 1u   /* its own space, all rights */
#define AMBER_HANDLE_FIRST_THREAD 2u /* its first thread, all rights */
/* The machine capability (port I/O, DMA memory): only in the first process the kernel starts, with
 * GET_STATE, DUPLICATE and OPERATE; its holder passes it on with space_handle_install. */
#define AMBER_HANDLE_MACHINE 3u

#endif
