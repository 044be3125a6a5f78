/* Status codes returned to user space in rax. C and C++.
 *
 * These are the only codes user space ever sees; the kernel's internal codes (restart,
 * preempted, ...) are translated or consumed before returning (see docs/abi.md).
 * Values are ABI: append only.
 */
#ifndef AMBER_UAPI_STATUS_H
#define AMBER_UAPI_STATUS_H

#define AMBER_STATUS_LIST(X)                                                                                           \
    X(OK, 0, "success")                                                                                                \
    X(ERR_INVALID_SYSCALL, 1, "no such system call")                                                                   \
    X(ERR_INVALID_ARGUMENT, 2, "an argument is out of range")                                                          \
    X(ERR_BAD_ADDRESS, 3, "a user address is unmapped, not user-accessible or non-canonical")                          \
    X(ERR_NO_MEMORY, 4, "the kernel ran out of memory")                                                                \
    X(ERR_LIMIT, 5, "a fixed limit was reached")                                                                       \
    X(ERR_BAD_HANDLE, 6, "no object has this handle in the caller's space")                                            \
    X(ERR_WRONG_TYPE, 7, "the handle names an object of another type")                                                 \
    X(ERR_ACCESS_DENIED, 8, "the handle lacks a right the call needs")                                                 \
    X(ERR_BAD_STATE, 9, "the object is not in a state that allows the call")                                           \
    X(ERR_BUSY, 10, "the object is held by another thread (try-operations)")                                           \
    X(ERR_DESTROYED, 11, "the object has been destroyed")                                                              \
    X(ERR_EXISTS, 12, "the handle slot or address range is already in use")                                            \
    X(ERR_DISCONNECTED, 13, "the IPC peer went away")                                                                  \
    X(ERR_ALERTED, 14, "the reliable-IPC peer sent an alert")

enum amber_status {
#define AMBER_STATUS_ENUM(name, value, text) AMBER_##name = (value),
    AMBER_STATUS_LIST(AMBER_STATUS_ENUM)
#undef AMBER_STATUS_ENUM
};

#endif
