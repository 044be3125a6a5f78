// zdtm modes with threads inside kernel calls: blocked (one thread in each kind of waiting call)
// and transfer (a multi-MiB IPC transfer always in flight).
#include <amber/abi.h>
#include <amber/ipc.h>

#include "../../kernel/lib/format.hpp"
#include "../../userland/lib/ipc.hpp"
#include "../../userland/lib/supervisor_client.hpp"
#include "../../userland/runtime/runtime.hpp"
#include "zdtm_support.hpp"

namespace zdtm {
namespace {

namespace sys = amber::sys;

constexpr uint64_t stack_size = 16384;
alignas(16) uint8_t blocked_stacks[6][stack_size];

amber_handle_t handle_of(amber::SyscallReturn r) { return r.ok() ? static_cast<amber_handle_t>(r.value) : 0; }

using amber::ipc::Endpoint;
using amber::ipc::endpoint;

amber_ipc_message message(const void* data, uint64_t length) { return amber::ipc::message({{data, length}}); }

// --- blocked ---
struct Blocked {
    amber_handle_t held, cond, cond_mutex;
    Endpoint receive_here, send_here, call_here;
    volatile amber_status status[5];
    volatile bool done[5];
    volatile bool cond_flag;
    char received[32], reply[32];
};
Blocked b;

void lock_held(void*) {
    b.status[0] = sys::mutex_lock(b.held).status;
    sys::mutex_unlock(b.held);
    b.done[0] = true;
}
// Waits for cond_flag as condition-variable code must: a stop (checkpoint) may wake it spuriously.
void wait_cond(void*) {
    sys::mutex_lock(b.cond_mutex);
    while (!b.cond_flag) {
        b.status[1] = sys::cond_wait(b.cond, b.cond_mutex).status;
        if (b.status[1] != AMBER_OK) break;
    }
    sys::mutex_unlock(b.cond_mutex);
    b.done[1] = true;
}
void receive(void*) {
    amber_ipc_message m = message(b.received, sizeof b.received);
    b.status[2] = sys::ipc_wait_receive(b.receive_here.set, &m).status;
    b.done[2] = true;
}
void send(void*) {
    static char text[] = "sent by a blocked thread";
    amber_ipc_message m = message(text, sizeof text);
    b.status[3] = sys::ipc_send(b.send_here.port, &m).status;
    b.done[3] = true;
}
void call(void*) {
    static char text[] = "a call";
    amber_ipc_message m = message(text, sizeof text), r = message(b.reply, sizeof b.reply);
    b.status[4] = sys::ipc_call(b.call_here.port, &m, &r).status;
    b.done[4] = true;
}

bool waiting(amber_handle_t thread) {
    amber_thread_state s{};
    if (!sys::object_get_state(thread, &s, sizeof s).ok()) return false;
    bool in_call = (s.flags & AMBER_THREAD_WAITING) != 0;
    s.flags = 0;
    sys::object_set_state(thread, &s, sizeof s);
    return in_call;
}

bool eventually(volatile bool& flag) {
    for (int i = 0; i < 20000 && !flag; ++i) sys::thread_yield();
    return flag;
}

// --- transfer ---
struct Transfer {
    Endpoint link;
    uint8_t* out;
    uint8_t* in;
    uint64_t size;
    volatile uint64_t sent, received, corrupt, skipped;
    volatile bool stop;
};
Transfer t;

void fill(uint8_t* data, uint64_t size, uint64_t sequence) {
    auto* words = reinterpret_cast<uint64_t*>(data);
    for (uint64_t i = 0; i < size / 8; ++i) words[i] = (sequence << 40) ^ (i * 0x9e3779b97f4a7c15ull);
}

void sender(void*) {
    for (uint64_t sequence = 1; !t.stop; ++sequence) {
        fill(t.out, t.size, sequence);
        amber_ipc_message m = message(t.out, t.size);
        if (sys::ipc_send(t.link.port, &m).ok()) t.sent = sequence;
    }
}

void receiver(void*) {
    uint64_t expected = 1;
    while (!t.stop) {
        amber_ipc_message m = message(t.in, t.size);
        if (!sys::ipc_wait_receive(t.link.set, &m).ok()) continue;
        auto* words = reinterpret_cast<const uint64_t*>(t.in);
        uint64_t sequence = words[0] >> 40;
        if (sequence < expected) t.corrupt = t.corrupt + 1; // one-way IPC delivers at most once
        if (sequence > expected) t.skipped = t.skipped + (sequence - expected);
        for (uint64_t i = 0; i < t.size / 8; ++i) {
            if (words[i] != ((sequence << 40) ^ (i * 0x9e3779b97f4a7c15ull))) {
                t.corrupt = t.corrupt + 1;
                break;
            }
        }
        expected = sequence + 1;
        t.received = sequence;
    }
}

} // namespace

Result run_blocked() {
    Result r;
    b.held = handle_of(sys::mutex_create(0ull));
    b.cond = handle_of(sys::cond_create(0ull));
    b.cond_mutex = handle_of(sys::mutex_create(0ull));
    b.receive_here = endpoint(0xaa), b.send_here = endpoint(0xbb), b.call_here = endpoint(0xcc);
    // A reference to its own space: restored, it must name the new space.
    amber_handle_t self_reference = handle_of(sys::reference_create(0ull));
    sys::reference_set(self_reference, AMBER_HANDLE_SELF_SPACE);
    make_references();
    sys::mutex_lock(b.held);
    void (*bodies[5])(void*) = {lock_held, wait_cond, receive, send, call};
    amber_handle_t threads[5];
    for (int i = 0; i < 5; ++i)
        threads[i] =
            static_cast<amber_handle_t>(amber::start_thread(bodies[i], nullptr, blocked_stacks[i], stack_size));
    for (int i = 0; i < 5; ++i) {
        for (int tries = 0; tries < 20000 && !waiting(threads[i]); ++tries) sys::thread_yield();
    }
    amber::supervisor::ready();
    wait_for_check();
    const char* names[5] = {"mutex_lock", "cond_wait", "ipc_wait_receive", "ipc_send", "ipc_call"};
    for (int i = 0; i < 5; ++i) {
        if (b.done[i]) r.failure = "a blocked thread woke up before it was released";
    }
    // Release each in turn and check what it got.
    sys::mutex_unlock(b.held);
    if (!eventually(b.done[0]) || b.status[0] != AMBER_OK) r.failure = names[0];
    sys::mutex_lock(b.cond_mutex);
    b.cond_flag = true;
    sys::cond_signal(b.cond);
    sys::mutex_unlock(b.cond_mutex);
    if (!eventually(b.done[1]) || b.status[1] != AMBER_OK) r.failure = names[1];
    char text[] = "released";
    amber_ipc_message m = message(text, sizeof text);
    if (!sys::ipc_send(b.receive_here.port, &m).ok() || !eventually(b.done[2]) || b.status[2] != AMBER_OK ||
        __builtin_strcmp(b.received, text) != 0)
        r.failure = names[2];
    char got[32] = {};
    amber_ipc_message in = message(got, sizeof got);
    if (!sys::ipc_wait_receive(b.send_here.set, &in).ok() || !eventually(b.done[3]) || b.status[3] != AMBER_OK ||
        __builtin_strcmp(got, "sent by a blocked thread") != 0)
        r.failure = names[3];
    char answer[] = "the reply";
    amber_ipc_message reply = message(answer, sizeof answer);
    // As every server must: a reply that finds no client (DISCONNECTED: the client was stopped, by a
    // checkpoint or by export stress, and calls again) is followed by receiving the call again.
    bool replied = false, good_call = true;
    for (int attempt = 0; attempt < 16 && good_call && !replied; ++attempt) {
        in = message(got, sizeof got);
        amber::SyscallReturn call = sys::ipc_wait_receive(b.call_here.set, &in);
        good_call = call.ok() && call.value == 1 && __builtin_strcmp(got, "a call") == 0;
        amber_status status = good_call ? sys::ipc_reply(&reply).status : AMBER_ERR_BAD_STATE;
        replied = status == AMBER_OK;
        good_call = good_call && (replied || status == AMBER_ERR_DISCONNECTED);
    }
    if (!replied || !eventually(b.done[4]) || b.status[4] != AMBER_OK || __builtin_strcmp(b.reply, answer) != 0)
        r.failure = names[4];
    amber_handle_info own{}, named{};
    amber::SyscallReturn target = sys::reference_get(self_reference);
    if (!target.ok() || !sys::object_info(static_cast<amber_handle_t>(target.value), &named).ok() ||
        !sys::object_info(AMBER_HANDLE_SELF_SPACE, &own).ok() || named.id != own.id)
        r.failure = "a reference to the process's own space does not name it";
    if (const char* failure = check_references()) r.failure = failure;
    lib::format_to(r.detail, sizeof r.detail, "5 threads released from their calls; 5 references checked");
    return r;
}

Result run_transfer(uint64_t mib) {
    Result r;
    constexpr uint64_t out_base = 0x0000400000000000ull, in_base = 0x0000500000000000ull;
    t.size = mib << 20;
    if (mib == 0 || mib > 64 ||
        !sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, out_base, t.size, AMBER_PROT_READ | AMBER_PROT_WRITE).ok() ||
        !sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, in_base, t.size, AMBER_PROT_READ | AMBER_PROT_WRITE).ok()) {
        r.failure = "cannot allocate the buffers";
        return r;
    }
    t.out = reinterpret_cast<uint8_t*>(out_base);
    t.in = reinterpret_cast<uint8_t*>(in_base);
    t.link = endpoint(0x7e);
    amber::start_thread(receiver, nullptr, blocked_stacks[0], stack_size);
    amber::start_thread(sender, nullptr, blocked_stacks[1], stack_size);
    while (t.received < 1) sys::thread_yield();
    amber::supervisor::ready();
    wait_for_check();
    uint64_t seen = t.received;
    for (int i = 0; i < 100000 && t.received < seen + 2; ++i) sys::thread_yield();
    if (t.received < seen + 2) r.failure = "the transfers stopped";
    if (t.corrupt != 0) r.failure = "a message arrived damaged or twice";
    t.stop = true;
    lib::format_to(r.detail, sizeof r.detail, "%lu messages of %lu MiB, %lu dropped by one-way semantics", t.received,
                   mib, t.skipped);
    return r;
}

} // namespace zdtm
