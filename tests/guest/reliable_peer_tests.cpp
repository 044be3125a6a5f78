// Reliable IPC when a peer goes away or moves: a thread waiting in any stage of a call (send,
// over, receive, ack) gets DISCONNECTED, naming that stage, when its peer's thread object is
// destroyed, also if it was stopped at the time; and a server stopped in the middle of a receive
// and moved into a fresh thread object (ipc_connect_threads) receives the rest of the message
// exactly once.
#include "reliable_support.hpp"

using namespace reliable;

namespace {

constexpr size_t stack_size = 16384;
alignas(16) uint8_t server_stack[stack_size];
alignas(16) uint8_t client_stack[stack_size];
alignas(4096) uint8_t client_bytes[2][1 << 16];
alignas(4096) uint8_t server_bytes[1 << 16];

Endpoint e;
volatile int stage;
volatile bool server_holds, client_done;
volatile amber_status client_status;
volatile uint64_t client_value;
amber_ipc_message server_r, client_r;

// The server for `stage`: it brings its client into that stage, then holds (running).
void serve(void*) {
    server_r = message({buffer(server_bytes, stage == 0 ? 10 : sizeof server_bytes)});
    amber::sys::ipc_server_wait_receive(e.set, &server_r); // 0: MORE after 10 bytes; else the client's over
    if (stage >= 2) {
        fill(server_bytes, 20, 2);
        amber_ipc_message m = message({buffer(server_bytes, 20)});
        amber::sys::ipc_side_ack_send(AMBER_IPC_SIDE_SERVER, &m); // 2: the client receives on; 3: takes 5
    }
    server_holds = true;
    for (;;) amber::sys::thread_yield();
}

// The client: 0 waits in send, 1 in over, 2 in receive, 3 in ack (after a receive that was full).
void call(void*) {
    amber_ipc_message m = message({buffer(client_bytes[0], stage == 0 ? 100 : 10)});
    client_r = message({buffer(client_bytes[1], stage == 3 ? 5 : sizeof client_bytes[1])});
    auto r = stage == 0 ? amber::sys::ipc_connect_send(e.port, &m)
                        : amber::sys::ipc_connect_send_over_receive(e.port, &m, &client_r);
    if (stage == 3) r = amber::sys::ipc_side_ack_send(AMBER_IPC_SIDE_CLIENT, &m);
    client_status = r.status;
    client_value = r.value;
    client_done = true;
}

constexpr uint64_t stages[] = {AMBER_SYS_ipc_side_send, AMBER_SYS_ipc_side_over_receive, AMBER_SYS_ipc_side_receive,
                               AMBER_SYS_ipc_side_ack_send};

} // namespace

AMBER_TEST(a_peer_destroyed_in_any_stage_gives_disconnected_naming_it) {
    for (int stopped = 0; stopped < 2; ++stopped) {
        for (int s = 0; s < 4; ++s) {
            e = endpoint(1);
            stage = s;
            server_holds = false;
            client_done = false;
            auto server = static_cast<amber_handle_t>(amber::start_thread(serve, nullptr, server_stack, stack_size));
            auto client = static_cast<amber_handle_t>(amber::start_thread(call, nullptr, client_stack, stack_size));
            CHECK(wait_until([] { return server_holds; }));
            amber_thread_state state{};
            CHECK(wait_until([&] { // the client waits in the stage, connected (get_state stops it)
                bool there = get_state(client, state) == AMBER_OK && state.registers.rax == stages[s] &&
                             (state.flags & AMBER_THREAD_WAITING) != 0;
                if (!there || stopped == 0) {
                    state.flags = 0;
                    set_state(client, state);
                }
                return there;
            }));
            CHECK((state.ipc_flags & AMBER_THREAD_IPC_CLIENT) != 0);
            CHECK_EQ(amber::sys::object_destroy(server).status, AMBER_OK);
            if (stopped != 0) { // resumed after its peer is gone: it finds out then
                state.flags = 0;
                CHECK_EQ(set_state(client, state), AMBER_OK);
            }
            CHECK(wait_until([] { return client_done; }));
            CHECK_EQ(client_status, AMBER_ERR_DISCONNECTED);
            CHECK_EQ(client_value, stages[s]);
            if (s == 2) CHECK_EQ(client_r.transferred, 20u);
            CHECK(wait_exited(client));
            for (amber_handle_t h : {server, client, e.port, e.set}) amber::sys::handle_close(h);
        }
    }
}

namespace moved {

volatile bool received_all;
amber_ipc_message r;
alignas(4096) uint8_t inbox[1 << 20];
void receive_all(void*) {
    r = message({buffer(inbox, 4096), buffer(inbox + 4096, sizeof inbox - 4096)});
    amber::sys::ipc_server_wait_receive(e.set, &r);
    received_all = true;
}

} // namespace moved

AMBER_TEST(a_server_moved_mid_receive_into_a_fresh_thread_gets_the_rest_once) {
    e = endpoint(2);
    moved::received_all = false;
    auto old = static_cast<amber_handle_t>(amber::start_thread(moved::receive_all, nullptr, server_stack, stack_size));
    static uint8_t data[300000];
    fill(data, sizeof data, 77);
    amber_ipc_message m = message({buffer(data, 100000)});
    CHECK_EQ(amber::sys::ipc_connect_send(e.port, &m).value, 100000u); // the server waits for more
    amber_thread_state state{};
    CHECK_EQ(get_state(old, state), AMBER_OK);
    CHECK_EQ(state.ipc_flags, AMBER_THREAD_IPC_SERVER);
    CHECK_EQ(moved::r.transferred, 100000u);
    amber_handle_t fresh = handle_of(amber::sys::thread_create(self_space, 0));
    CHECK_EQ(amber::sys::object_destroy(old).status, AMBER_OK); // our end is free again
    CHECK_EQ(set_state(fresh, state), AMBER_OK);
    CHECK_EQ(amber::sys::ipc_connect_threads(AMBER_HANDLE_FIRST_THREAD, fresh,
                                             AMBER_THREAD_IPC_CLIENT | AMBER_THREAD_IPC_CLIENT_SENDER |
                                                 AMBER_THREAD_IPC_SERVER)
                 .status,
             AMBER_ERR_BAD_STATE); // both ends must be stopped, and this thread runs
    // So a helper reconnects the fresh server to this thread while this thread is stopped.
    static amber_handle_t helper_target, helper_fresh;
    static volatile amber_status connected;
    helper_target = AMBER_HANDLE_FIRST_THREAD;
    helper_fresh = fresh;
    connected = AMBER_ERR_BUSY;
    static amber_thread_state me;
    auto helper = static_cast<amber_handle_t>(amber::start_thread(
        [](void*) {
            get_state(helper_target, me); // stops the main thread (between two instructions of its spin)
            connected = amber::sys::ipc_connect_threads(helper_target, helper_fresh,
                                                        AMBER_THREAD_IPC_CLIENT | AMBER_THREAD_IPC_CLIENT_SENDER |
                                                            AMBER_THREAD_IPC_SERVER)
                            .status;
            me.flags = 0;
            set_state(helper_target, me);
        },
        nullptr, client_stack, stack_size));
    while (connected == AMBER_ERR_BUSY) {} // spins in user mode: stopped and resumed meanwhile
    CHECK_EQ(connected, AMBER_OK);
    state.flags = 0;
    CHECK_EQ(set_state(fresh, state), AMBER_OK); // resumes in its side_receive
    m = message({buffer(data + 100000, 200000)});
    CHECK_EQ(amber::sys::ipc_side_send(AMBER_IPC_SIDE_CLIENT, &m).value, 200000u);
    CHECK_EQ(amber::sys::ipc_side_disconnect(AMBER_IPC_SIDE_CLIENT).status, AMBER_OK);
    CHECK(wait_until([] { return moved::received_all; }));
    CHECK_EQ(moved::r.transferred, 300000u);
    CHECK(matches(moved::inbox, 300000, 77));
    CHECK(wait_exited(fresh));
    CHECK(wait_exited(helper));
    for (amber_handle_t h : {fresh, helper, e.port, e.set}) amber::sys::handle_close(h);
}

namespace kept {

constexpr uint64_t base = 0x71000000, pages = 8;
Endpoint keeper;
volatile uint64_t faults;
volatile bool received;
amber_ipc_message r;

// A demand-zero pager: maps each faulting page, then replies (the faulting call restarts).
void pager(void*) {
    amber_fault_message report{};
    amber_ipc_message in = message({buffer(&report, sizeof report)}), out{};
    auto result = amber::sys::ipc_wait_receive(keeper.set, &in);
    while (result.ok()) {
        amber::sys::memory_allocate(self_space, report.address & ~uint64_t{4095}, 4096,
                                    AMBER_PROT_READ | AMBER_PROT_WRITE);
        faults = faults + 1;
        in = message({buffer(&report, sizeof report)});
        result = amber::sys::ipc_reply_wait_receive(&out, keeper.set, &in);
    }
}

void receive(void*) {
    r = message({buffer(reinterpret_cast<void*>(base + 100), pages * 4096 - 100)});
    amber::sys::ipc_server_wait_receive(e.set, &r);
    received = true;
}

} // namespace kept

AMBER_TEST(a_transfer_into_pages_a_keeper_provides_continues_after_each_fault) {
    kept::keeper = endpoint(0xfa);
    e = endpoint(3);
    kept::faults = 0;
    kept::received = false;
    amber_region_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0},
                             kept::base,
                             kept::pages * 4096,
                             AMBER_PROT_READ | AMBER_PROT_WRITE,
                             0};
    amber_handle_t region = handle_of(amber::sys::region_create(self_space, &state));
    CHECK_EQ(amber::sys::region_set_keeper(region, kept::keeper.port).status, AMBER_OK);
    auto pager = static_cast<amber_handle_t>(amber::start_thread(kept::pager, nullptr, client_stack, stack_size));
    auto server = static_cast<amber_handle_t>(amber::start_thread(kept::receive, nullptr, server_stack, stack_size));
    static uint8_t data[5 * 4096];
    fill(data, sizeof data, 5);
    amber_ipc_message m = message({buffer(data, sizeof data)});
    CHECK_EQ(amber::sys::ipc_connect_send(e.port, &m).value, sizeof data); // through 6 missing pages
    CHECK_EQ(amber::sys::ipc_side_disconnect(AMBER_IPC_SIDE_CLIENT).status, AMBER_OK);
    CHECK(wait_until([] { return kept::received; }));
    CHECK_EQ(kept::r.transferred, sizeof data);
    CHECK(matches(reinterpret_cast<const uint8_t*>(kept::base + 100), sizeof data, 5));
    CHECK_FAULTS(kept::faults, 6u);
    CHECK(wait_exited(server));
    amber::sys::object_destroy(kept::keeper.set); // ends the pager's wait
    CHECK(wait_exited(pager));
    for (amber_handle_t h : {server, pager, region, e.port, e.set, kept::keeper.port, kept::keeper.set}) {
        amber::sys::handle_close(h);
    }
}
