// Reliable IPC, call by call: reversals on a persistent connection, MORE, handles and badges,
// alerts, argument and state errors, the exported connection state, a peer's exit in every stage
// of a waiting call, and a thread moved mid-receive into a fresh thread object.
#include "reliable_support.hpp"

using namespace reliable;

namespace {

constexpr size_t stack_size = 16384;
alignas(16) uint8_t peer_stack[stack_size];
alignas(4096) uint8_t out[1 << 16];
alignas(4096) uint8_t in[1 << 16];
alignas(4096) uint8_t peer_out[1 << 16];
alignas(4096) uint8_t peer_in[1 << 16];
constexpr uint32_t client = AMBER_IPC_SIDE_CLIENT, server = AMBER_IPC_SIDE_SERVER;

Endpoint e;
volatile int script; // what the peer thread does, by test
volatile bool release, peer_done;
volatile amber_status peer_status;
volatile uint64_t peer_value;
amber_ipc_message peer_m, peer_r, peer_first; // peer_first: what its wait_receive got

// The peer: accepts one connection (script 0: nothing more), then follows `script`; holds
// (running, not waiting) until
// `release`, then disconnects.
void peer(void*) {
    peer_r = message({buffer(peer_in, sizeof peer_in)});
    peer_r.handle_count = AMBER_IPC_MAX_HANDLES; // slots offered
    auto r = amber::sys::ipc_server_wait_receive(e.set, &peer_r);
    peer_first = peer_r;
    if (script == 1) { // answer twice on the same connection
        for (int i = 0; i < 2 && r.ok(); ++i) {
            fill(peer_out, 100 + i, 50 + i);
            peer_m = message({buffer(peer_out, 100 + i)});
            peer_r = message({buffer(peer_in, sizeof peer_in)});
            r = amber::sys::ipc_side_ack_send_over_receive(server, &peer_m, &peer_r);
        }
    } else if (script == 3) { // a message of 5000 bytes, then hand the turn over
        fill(peer_out, 5000, 9);
        peer_m = message({buffer(peer_out, 5000)});
        peer_r = message({buffer(peer_in, sizeof peer_in)});
        r = amber::sys::ipc_side_ack_send_over_receive(server, &peer_m, &peer_r);
    }
    peer_status = r.status;
    peer_value = r.value;
    while (!release) amber::sys::thread_yield();
    amber::sys::ipc_side_disconnect(server);
    peer_done = true;
}

amber_handle_t start_peer(int which) {
    e = endpoint(0x5e7);
    script = which;
    release = false;
    peer_done = false;
    peer_status = AMBER_ERR_BUSY;
    return static_cast<amber_handle_t>(amber::start_thread(peer, nullptr, peer_stack, stack_size));
}

void finish_peer(amber_handle_t thread) {
    amber::sys::ipc_side_disconnect(client); // ends the peer's call if it still waits for us
    release = true;
    wait_exited(thread);
    amber::sys::handle_close(thread);
    amber::sys::handle_close(e.port);
    amber::sys::handle_close(e.set);
}

uint32_t ipc_flags_of(amber_handle_t thread) { // stops and resumes it
    amber_thread_state s{};
    get_state(thread, s);
    s.flags = 0;
    set_state(thread, s);
    return s.ipc_flags;
}

} // namespace

AMBER_TEST(a_connection_reverses_both_ways_and_ends_with_a_disconnect) {
    amber_handle_t t = start_peer(1);
    fill(out, 3000, 1);
    amber_ipc_message m = message({buffer(out, 1000), buffer(out + 1000, 2000)});
    amber_ipc_message r = message({buffer(in, sizeof in)});
    CHECK_EQ(amber::sys::ipc_connect_send_over_receive(e.port, &m, &r).status, AMBER_OK);
    CHECK_EQ(m.transferred, 3000u); // a reliable send keeps the count it delivered
    CHECK_EQ(r.transferred, 100u);
    CHECK(matches(in, 100, 50));
    CHECK_EQ(peer_first.transferred, 3000u);
    CHECK_EQ(peer_first.badge, 0x5e7u);
    CHECK(matches(peer_in, 3000, 1));
    m = message({buffer(out, 7)});
    r = message({buffer(in, sizeof in)});
    CHECK_EQ(amber::sys::ipc_side_ack_send_over_receive(client, &m, &r).status, AMBER_OK);
    CHECK_EQ(r.transferred, 101u);
    CHECK(matches(in, 101, 51));
    m = message({buffer(out, 3)}); // the peer now waits in its over stage for us to take the turn
    CHECK_EQ(amber::sys::ipc_side_send(client, &m).status, AMBER_ERR_BAD_STATE);
    finish_peer(t);
    CHECK_EQ(peer_status, AMBER_ERR_DISCONNECTED); // it waited in its over stage until we left
    CHECK_EQ(peer_value, static_cast<uint64_t>(AMBER_SYS_ipc_side_over_receive));
}

AMBER_TEST(a_receive_with_full_buffers_reports_more) {
    amber_handle_t t = start_peer(3);
    amber_ipc_message m{}, r = message({buffer(in, 1)});
    CHECK_EQ(amber::sys::ipc_connect_send_over_receive(e.port, &m, &r).status, AMBER_OK); // 1 of 5000 bytes
    CHECK_EQ(r.flags, AMBER_IPC_MORE);
    uint64_t got = 1;
    while (got < 5000) {
        r = message({buffer(in + got, 1700)});
        CHECK_EQ(amber::sys::ipc_side_receive(client, &r).status, AMBER_OK);
        got += r.transferred;
        CHECK_EQ(r.flags, got < 5000 ? AMBER_IPC_MORE : 0u); // the last one ends as the peer hands over
        if (r.transferred == 0) break;
    }
    CHECK_EQ(got, 5000u);
    CHECK(matches(in, 5000, 9));
    finish_peer(t);
}

AMBER_TEST(handles_end_the_receive_that_takes_them) {
    amber_handle_t t = start_peer(0);
    amber_handle_t mutex = handle_of(amber::sys::mutex_create(0));
    fill(out, 20, 3);
    amber_ipc_message m = message({buffer(out, 20)});
    CHECK_EQ(amber::sys::ipc_connect_send(e.port, &m).value, 20u); // the peer's wait_receive receives on
    m.transferred = 0;
    m.handle_count = 1;
    m.handles[0] = mutex;
    CHECK_EQ(amber::sys::ipc_side_send(client, &m).value, 20u);
    CHECK(wait_until([] { return peer_status != AMBER_ERR_BUSY; }));
    CHECK_EQ(peer_status, AMBER_OK); // the receive has room left, but ends to report the handle
    CHECK_EQ(peer_r.transferred, 40u);
    CHECK(matches(peer_in + 20, 20, 3));
    CHECK_EQ(peer_r.handle_count, 1u);
    CHECK_EQ(id_of(peer_r.handles[0]), id_of(mutex));
    amber::sys::handle_close(peer_r.handles[0]);
    amber::sys::handle_close(mutex);
    finish_peer(t);
}

AMBER_TEST(alerts_end_a_waiting_call_or_stay_pending_for_the_next) {
    amber_handle_t t = start_peer(0);
    amber_ipc_message m = message({buffer(out, 5)});
    CHECK(amber::sys::ipc_connect_send(e.port, &m).ok()); // the peer receives on (5 bytes so far)
    CHECK_EQ(amber::sys::ipc_side_alert(client).status, AMBER_OK);
    CHECK(wait_until([] { return peer_status != AMBER_ERR_BUSY; }));
    CHECK_EQ(peer_status, AMBER_ERR_ALERTED);
    CHECK_EQ(peer_value, static_cast<uint64_t>(AMBER_SYS_ipc_side_receive));
    CHECK_EQ(peer_r.transferred, 5u);                              // what it had received stays received
    CHECK_EQ(amber::sys::ipc_side_alert(client).status, AMBER_OK); // the peer holds: pending
    CHECK((ipc_flags_of(t) & AMBER_THREAD_IPC_SERVER_ALERTED) != 0);
    finish_peer(t);
    CHECK_EQ(amber::sys::ipc_side_alert(client).status, AMBER_ERR_DISCONNECTED);
}

AMBER_TEST(calls_check_arguments_connection_and_turn) {
    amber_ipc_message m = message({buffer(out, 8)}), r = message({buffer(in, 8)});
    CHECK_EQ(amber::sys::ipc_side_send(client, &m).status, AMBER_ERR_DISCONNECTED);
    CHECK_EQ(amber::sys::ipc_side_receive(server, &r).value, static_cast<uint64_t>(AMBER_SYS_ipc_side_receive));
    CHECK_EQ(amber::sys::ipc_side_send(2u, &m).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::ipc_side_disconnect(7u).status, AMBER_ERR_INVALID_ARGUMENT);
    CHECK_EQ(amber::sys::ipc_side_disconnect(client).status, AMBER_OK);
    CHECK_EQ(amber::sys::ipc_side_send(client, kernel_address).status, AMBER_ERR_BAD_ADDRESS);
    amber_ipc_message bad = m;
    bad.handle_count = 1;
    bad.handles[0] = 999;
    CHECK_EQ(amber::sys::ipc_side_send(client, &bad).status, AMBER_ERR_BAD_HANDLE);
    amber_handle_t t = start_peer(0);
    CHECK_EQ(amber::sys::ipc_connect_send(999u, &m).status, AMBER_ERR_BAD_HANDLE);
    CHECK_EQ(amber::sys::ipc_connect_send(e.set, &m).status, AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::ipc_server_wait_receive(e.port, &r).status, AMBER_ERR_WRONG_TYPE);
    CHECK(amber::sys::ipc_connect_send(e.port, &m).ok());
    CHECK_EQ(amber::sys::ipc_side_receive(client, &r).status, AMBER_ERR_BAD_STATE); // the client holds the turn
    CHECK_EQ(amber::sys::ipc_side_ack_send(client, &m).status, AMBER_ERR_BAD_STATE);
    amber_handle_t self = AMBER_HANDLE_FIRST_THREAD;
    CHECK_EQ(amber::sys::ipc_connect_threads(
                 self, t, AMBER_THREAD_IPC_CLIENT | AMBER_THREAD_IPC_SERVER | AMBER_THREAD_IPC_CLIENT_SENDER)
                 .status,
             AMBER_ERR_BAD_STATE); // neither is stopped, and both ends are taken
    CHECK_EQ(amber::sys::ipc_connect_threads(self, t, AMBER_THREAD_IPC_CLIENT | AMBER_THREAD_IPC_SERVER).status,
             AMBER_ERR_INVALID_ARGUMENT); // nobody would hold the turn
    CHECK_EQ(amber::sys::ipc_connect_threads(self, t, 0x100u).status, AMBER_ERR_INVALID_ARGUMENT);
    finish_peer(t);
}

AMBER_TEST(the_exported_state_names_the_peer_and_the_turn) {
    amber_handle_t t = start_peer(0);
    amber_ipc_message m = message({buffer(out, 8)});
    CHECK(amber::sys::ipc_connect_send(e.port, &m).ok());
    amber_thread_state s{};
    CHECK_EQ(stop_while_waiting(t, s), AMBER_OK);
    CHECK_EQ(s.ipc_flags, AMBER_THREAD_IPC_SERVER); // its client holds the turn
    CHECK_EQ(s.ipc_client_id, id_of(AMBER_HANDLE_FIRST_THREAD));
    CHECK_EQ(s.ipc_server_id, 0u);
    CHECK_EQ(s.registers.rax, static_cast<uint64_t>(AMBER_SYS_ipc_side_receive));
    CHECK_EQ(s.registers.rdi, static_cast<uint64_t>(server));
    amber_handle_t refs[AMBER_THREAD_REF_COUNT];
    for (amber_handle_t& h : refs) h = handle_of(amber::sys::reference_create(0));
    CHECK_EQ(amber::sys::thread_get_references(t, refs, AMBER_THREAD_REF_COUNT).status, AMBER_OK);
    amber_reference_state waited{}, client_ref{}, server_ref{};
    get_state(refs[AMBER_THREAD_REF_WAITING_FOR], waited);
    get_state(refs[AMBER_THREAD_REF_CLIENT], client_ref);
    get_state(refs[AMBER_THREAD_REF_SERVER], server_ref);
    CHECK_EQ(waited.target_id, id_of(AMBER_HANDLE_FIRST_THREAD)); // it waits for its client's data
    CHECK_EQ(client_ref.target_id, id_of(AMBER_HANDLE_FIRST_THREAD));
    CHECK_EQ(server_ref.target_type, static_cast<uint32_t>(AMBER_OBJECT_NONE));
    s.flags = 0;
    CHECK_EQ(set_state(t, s), AMBER_OK); // stopping kept the connection: the data still flows
    fill(out, 8, 4);
    m.transferred = 0;
    CHECK_EQ(amber::sys::ipc_side_send(client, &m).value, 8u);
    release = true; // the peer's receive ends with our over, then it disconnects
    auto r = amber::sys::ipc_side_over_receive(client, &m);
    CHECK_EQ(r.status, AMBER_ERR_DISCONNECTED);
    CHECK_EQ(r.value, static_cast<uint64_t>(AMBER_SYS_ipc_side_over_receive));
    CHECK_EQ(peer_r.transferred, 16u);
    CHECK(matches(peer_in + 8, 8, 4));
    for (amber_handle_t h : refs) amber::sys::handle_close(h);
    finish_peer(t);
}
