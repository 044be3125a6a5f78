// zdtm stream: a reliable-IPC connection between two threads carrying an endless byte stream in
// multi-MiB sends, received through a buffer of another size, so that a checkpoint finds a
// transfer in flight and a receive ending in the middle of a send. After each restore the
// connection is re-linked by checkpointd; the receiver checks every byte's place in the stream.
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
alignas(16) uint8_t stream_stacks[2][stack_size];
constexpr uint64_t receive_size = 700 * 1024;

struct Stream {
    amber_handle_t port, set;
    uint8_t* out;
    uint8_t* in;
    uint64_t send_size;
    volatile uint64_t received, errors, first_error;
    volatile amber_status failure;
    volatile bool stop;
};
Stream st;

uint8_t byte_at(uint64_t offset) { return static_cast<uint8_t>((offset * 0x9e3779b1u) >> 13 ^ (offset >> 20)); }

amber_ipc_message message(const void* data, uint64_t length) { return amber::ipc::message({{data, length}}); }

void client(void*) {
    uint64_t offset = 0;
    for (uint64_t sends = 0; !st.stop; ++sends) {
        for (uint64_t i = 0; i < st.send_size; ++i) st.out[i] = byte_at(offset + i);
        amber_ipc_message m = message(st.out, st.send_size);
        amber_status status = sends == 0 ? sys::ipc_connect_send(st.port, &m).status
                                         : sys::ipc_side_send(AMBER_IPC_SIDE_CLIENT, &m).status;
        if (status != AMBER_OK) {
            st.failure = status;
            return;
        }
        offset += st.send_size;
    }
}

void server(void*) {
    amber_ipc_message r = message(st.in, receive_size);
    amber_status status = sys::ipc_setup_wait_receive(st.set, &r).status;
    while (status == AMBER_OK && !st.stop) {
        for (uint64_t i = 0; i < r.transferred; ++i) {
            if (st.in[i] != byte_at(st.received + i)) {
                if (st.errors == 0) st.first_error = st.received + i;
                st.errors = st.errors + 1;
                break;
            }
        }
        st.received = st.received + r.transferred;
        r = message(st.in, receive_size);
        status = sys::ipc_side_receive(AMBER_IPC_SIDE_SERVER, &r).status;
    }
    if (status != AMBER_OK) st.failure = status;
}

} // namespace

Result run_stream(uint64_t mib) {
    Result r;
    constexpr uint64_t out_base = 0x0000600000000000ull, in_base = 0x0000610000000000ull;
    st.send_size = mib << 20;
    if (mib == 0 || mib > 64 ||
        !sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, out_base, st.send_size, AMBER_PROT_READ | AMBER_PROT_WRITE)
             .ok() ||
        !sys::memory_allocate(AMBER_HANDLE_SELF_SPACE, in_base, receive_size, AMBER_PROT_READ | AMBER_PROT_WRITE)
             .ok()) {
        r.failure = "cannot allocate the buffers";
        return r;
    }
    st.out = reinterpret_cast<uint8_t*>(out_base);
    st.in = reinterpret_cast<uint8_t*>(in_base);
    amber::ipc::Endpoint link = amber::ipc::endpoint(0x57);
    st.port = link.port;
    st.set = link.set;
    amber::start_thread(server, nullptr, stream_stacks[0], stack_size);
    amber::start_thread(client, nullptr, stream_stacks[1], stack_size);
    while (st.received < st.send_size && st.failure == AMBER_OK) sys::thread_yield();
    amber::supervisor::ready();
    wait_for_check();
    uint64_t seen = st.received;
    for (int i = 0; i < 100000 && st.received < seen + 2 * st.send_size && st.failure == AMBER_OK; ++i)
        sys::thread_yield();
    if (st.failure != AMBER_OK) {
        r.failure = "a reliable call failed";
    } else if (st.received < seen + 2 * st.send_size) {
        r.failure = "the stream stopped";
    }
    if (st.errors != 0) r.failure = "a byte of the stream was lost, repeated or changed";
    st.stop = true;
    lib::format_to(r.detail, sizeof r.detail, "%lu bytes in order, status %d, first bad byte %lu", st.received,
                   static_cast<int>(st.failure), st.first_error);
    return r;
}

} // namespace zdtm
