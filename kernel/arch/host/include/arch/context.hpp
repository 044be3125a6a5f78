// Host fake of <arch/context.hpp>: a ThreadContext holds the same data as on x86_64; the context
// functions only record into it (no switch happens) and enter_user() throws host::EnteredUser.
#pragma once

#include <stdint.h>

#include <stdexcept>

#include <arch/frame.hpp>

namespace arch {

namespace host {
// Thrown by enter_user(): on the host, "entering user mode" ends the kernel path under test.
struct EnteredUser : std::runtime_error {
    explicit EnteredUser(const ThreadContext& entered)
        : std::runtime_error("arch::enter_user called on the host"), context(&entered) {}
    const ThreadContext* context;
};
} // namespace host

inline void switch_context(ThreadContext*, ThreadContext&) {}

inline void save_user_state(ThreadContext&) {}

inline void set_current_fs_base(ThreadContext& current, uint64_t base) { current.fs_base = base; }

[[noreturn]] inline void enter_user(ThreadContext& current) { throw host::EnteredUser(current); }

} // namespace arch
