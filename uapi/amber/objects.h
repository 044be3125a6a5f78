/* Kernel object types, handle rights and the exported state of every object type. C and C++.
 *
 * Every object has a write-once 64-bit id (Fluke's "hash"): given at creation (or chosen by the
 * kernel when 0 is given) and never changed, so a checkpointer can tell which object a handle or
 * reference denotes and recreate objects with their original ids.
 *
 * State structs are plain data, versioned by AMBER_STATE_VERSION and pinned by a host golden test
 * (size and every field offset): they are the checkpoint image's view of the kernel. Reserved
 * fields must be zero when written and are zero when read.
 */
#ifndef AMBER_UAPI_OBJECTS_H
#define AMBER_UAPI_OBJECTS_H

#include <stdint.h>

#define AMBER_STATE_VERSION 3

typedef uint32_t amber_handle_t; /* index into the caller's handle table; 0 is never valid */
#define AMBER_HANDLE_NONE 0u

enum amber_object_type {
    AMBER_OBJECT_NONE = 0,
    AMBER_OBJECT_THREAD = 1,
    AMBER_OBJECT_SPACE = 2,
    AMBER_OBJECT_REGION = 3,
    AMBER_OBJECT_MAPPING = 4,
    AMBER_OBJECT_PORT = 5,
    AMBER_OBJECT_PORT_SET = 6,
    AMBER_OBJECT_MUTEX = 7,
    AMBER_OBJECT_COND = 8,
    AMBER_OBJECT_REFERENCE = 9,
    AMBER_OBJECT_MACHINE = 10, /* made by the kernel at boot only (AMBER_HANDLE_MACHINE) */
    AMBER_OBJECT_TYPE_COUNT
};

/* Rights carried by a handle, checked once when the handle is looked up. */
#define AMBER_RIGHT_GET_STATE (1u << 0) /* get_state, enumerate, read memory */
#define AMBER_RIGHT_SET_STATE (1u << 1) /* set_state, install handles, write memory */
#define AMBER_RIGHT_DESTROY (1u << 2)
#define AMBER_RIGHT_DUPLICATE (1u << 3)
#define AMBER_RIGHT_OPERATE (1u << 4) /* the object's own operations: lock, wait, signal, map, ... */
#define AMBER_RIGHTS_ALL 0x1fu

/* Flags of amber_thread_state.flags. */
#define AMBER_THREAD_STOPPED (1u << 0) /* stopped by get_state; set_state without it resumes */
#define AMBER_THREAD_WAITING (1u << 1) /* read-only: was waiting in a call when stopped */
#define AMBER_THREAD_EXITED (1u << 2)  /* read-only: the thread has exited */

/* Flags of amber_thread_state.ipc_flags: the thread's ends of reliable connections (read-only in
 * set_state; ipc_connect_threads re-establishes a connection between two stopped threads from the
 * client half of the client's flags and the server half of the server's). */
#define AMBER_THREAD_IPC_CLIENT (1u << 0)         /* connected as a client (to its server) */
#define AMBER_THREAD_IPC_CLIENT_SENDER (1u << 1)  /* ... and it holds the turn to send */
#define AMBER_THREAD_IPC_CLIENT_ALERTED (1u << 2) /* ... and an alert from its server is pending */
#define AMBER_THREAD_IPC_SERVER (1u << 4)         /* serves a client */
#define AMBER_THREAD_IPC_SERVER_SENDER (1u << 5)  /* ... and it holds the turn to send */
#define AMBER_THREAD_IPC_SERVER_ALERTED (1u << 6) /* ... and an alert from its client is pending */
#define AMBER_THREAD_IPC_CLIENT_HALF 0x07u
#define AMBER_THREAD_IPC_SERVER_HALF 0x70u

/* Memory protection bits (regions, mappings, space memory). */
#define AMBER_PROT_READ (1u << 0)
#define AMBER_PROT_WRITE (1u << 1)
#define AMBER_PROT_EXECUTE (1u << 2)

/* Every state struct begins with this header. */
struct amber_state_header {
    uint32_t version; /* AMBER_STATE_VERSION */
    uint32_t type;    /* enum amber_object_type */
    uint64_t id;      /* write-once; ignored by set_state */
};

/* User-visible registers of a thread. rip/rax/argument registers of a thread stopped in a call
 * describe that call (the `syscall` instruction at rip, possibly rewritten to its continuation):
 * resuming the thread re-executes it. */
struct amber_thread_registers {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags, fs_base, gs_base;
};

struct amber_thread_state {
    struct amber_state_header header;
    struct amber_thread_registers registers;
    uint32_t flags;         /* AMBER_THREAD_* */
    uint32_t ipc_flags;     /* read-only: AMBER_THREAD_IPC_* */
    uint64_t restarts;      /* statistics (set_state sets them too): calls of this thread restarted ... */
    uint64_t cancels;       /* ... and waits broken by thread_cancel */
    uint8_t fpu[512];       /* FXSAVE image: x87, MMX, SSE */
    uint64_t ipc_server_id; /* read-only: id of its server (AMBER_THREAD_IPC_CLIENT), else 0 */
    uint64_t ipc_client_id; /* read-only: id of its client (AMBER_THREAD_IPC_SERVER), else 0 */
};

/* References of a thread, filled by thread_get_references into reference objects. */
enum amber_thread_reference {
    AMBER_THREAD_REF_SPACE = 0,       /* the space it runs in */
    AMBER_THREAD_REF_WAITING_FOR = 1, /* the object it waits on, if any */
    AMBER_THREAD_REF_SERVER = 2,      /* its server, if it is connected as a client */
    AMBER_THREAD_REF_CLIENT = 3,      /* its client, if it serves one */
    AMBER_THREAD_REF_COUNT
};

/* What object_get_references fills, by the object's type (index into its reference array). A
 * thread's are AMBER_THREAD_REF_*; types not listed refer to nothing. */
#define AMBER_OBJECT_REF_MAX 4
#define AMBER_REGION_REF_SPACE 0     /* the space the region offers memory of */
#define AMBER_REGION_REF_KEEPER 1    /* its keeper port (region_set_keeper), if any */
#define AMBER_MAPPING_REF_SPACE 0    /* the space it maps into */
#define AMBER_MAPPING_REF_REGION 1   /* the region it maps */
#define AMBER_SPACE_REF_PARENT 0     /* the space that made it (space_create), if any: it ends with it */
#define AMBER_PORT_REF_PORT_SET 0    /* the port set it is attached to, if any */
#define AMBER_REFERENCE_REF_TARGET 0 /* what the reference points at */

#define AMBER_SPACE_NAME_MAX 32 /* bytes of amber_space_state.name, the terminating NUL included */

struct amber_space_state {
    struct amber_state_header header;
    uint32_t handle_count; /* read-only: live handles in its table */
    uint32_t thread_count; /* read-only */
    uint64_t memory_pages; /* read-only: present pages of anonymous memory */
    int64_t clock_offset;  /* added to the timer ticks its threads see (clock_ticks): a restored
                              process's clock goes on from its checkpoint, as in CRIU's time namespaces */
    uint64_t reserved0;
    /* The space's name in kernel logs: the program the kernel (or a loader) started in it, "space"
     * for space_create. NUL-terminated and NUL-padded; set_state refuses (INVALID_ARGUMENT) a name
     * without a NUL, with a byte other than NUL after the first NUL, or with a control character
     * (below 0x20, or 0x7f). */
    char name[AMBER_SPACE_NAME_MAX];
};

struct amber_region_state {
    struct amber_state_header header;
    uint64_t base; /* in the region's space */
    uint64_t size;
    uint32_t max_protection; /* AMBER_PROT_*: the most any mapping of it may have */
    uint32_t reserved0;
};

struct amber_mapping_state {
    struct amber_state_header header;
    uint64_t base; /* in the mapping's space */
    uint64_t size;
    uint64_t offset; /* into the region */
    uint32_t protection;
    uint32_t reserved0;
};

struct amber_port_state {
    struct amber_state_header header;
    uint64_t badge;       /* delivered to receivers with each message; unforgeable by senders */
    uint64_t port_set_id; /* read-only: the port set it is attached to (port_attach), 0 if none */
};

struct amber_port_set_state {
    struct amber_state_header header;
    uint32_t port_count;   /* read-only */
    uint32_t waiter_count; /* read-only */
};

struct amber_mutex_state {
    struct amber_state_header header;
    uint32_t locked;
    uint32_t waiter_count; /* read-only */
    uint64_t owner_thread; /* id of the owning thread, 0 if none */
};

struct amber_cond_state {
    struct amber_state_header header;
    uint32_t waiter_count; /* read-only */
    uint32_t reserved0;
};

struct amber_reference_state {
    struct amber_state_header header;
    uint64_t target_id;   /* id of the object referred to, 0 if null */
    uint32_t target_type; /* enum amber_object_type, AMBER_OBJECT_NONE if null */
    uint32_t rights;      /* read-only: the rights a handle made from it gets (reference_get), 0 if null */
};

/* The machine: no settable state (set_state checks the header and changes nothing). */
struct amber_machine_state {
    struct amber_state_header header;
};

/* One entry of space_enumerate_handles. */
struct amber_handle_info {
    amber_handle_t handle;
    uint32_t type; /* enum amber_object_type */
    uint32_t rights;
    uint32_t reserved0;
    uint64_t id;
};

/* One entry of space_enumerate_memory: a run of pages with the same protection. */
struct amber_memory_range {
    uint64_t base;
    uint64_t size;
    uint32_t protection; /* AMBER_PROT_* */
    uint32_t kind;       /* AMBER_MEMORY_* */
    uint64_t present_pages;
};
#define AMBER_MEMORY_ANONYMOUS 1u
#define AMBER_MEMORY_MAPPING 2u
/* Physically contiguous memory from dma_allocate: a device may read and write it at any time, so a
 * process holding it cannot be checkpointed. */
#define AMBER_MEMORY_DEVICE 3u

/* memory_page_info's result: how a page is mapped now. Bits 0-2 are the AMBER_PROT_* of the page
 * itself (a shared read-only page, e.g. after memory_clone, lacks WRITE even where its area grants
 * it); AMBER_PAGE_PRESENT is set for a present page (the result is 0 for an absent one); bits
 * 32-63 count the owners of its frame, i.e. the page-table entries of every space that map it
 * (1 = private). */
#define AMBER_PAGE_PRESENT (1u << 3)
#define AMBER_PAGE_OWNERS_SHIFT 32

/* Direction of io_port_transfer: `count` items of `width` bytes between a port and a buffer. */
#define AMBER_IO_READ 0u            /* port -> buffer (rep ins) */
#define AMBER_IO_WRITE 1u           /* buffer -> port (rep outs) */
#define AMBER_IO_TRANSFER_MAX 4096u /* bytes per call */

#endif
