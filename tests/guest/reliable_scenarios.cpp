// Fluke's IPC verification scenarios (../shared/research/fluke-scenarios.md) as guest tests, with
// real payloads from 0 bytes to 3 MiB cut over several buffers: send (connect, send, disconnect),
// cancel (connect_send without disconnect while a third thread cancels), interposer (a middle
// thread forwards each message piece by piece over a second connection), and ack (reversals).
// Each runs undisturbed, with a third thread cancelling, exporting and re-importing, or moving
// into fresh thread objects one of the threads at random; the results must be the same.
#include "reliable_support.hpp"

using namespace reliable;

namespace {

constexpr uint64_t max_payload = 3u << 20;
constexpr uint64_t capacity = 4u << 20;
alignas(4096) uint8_t client_out[capacity];
alignas(4096) uint8_t client_in[capacity];
alignas(4096) uint8_t server_in[capacity];
alignas(4096) uint8_t server_out[capacity];
constexpr size_t stack_size = 16384;
alignas(16) uint8_t stacks[max_slots][stack_size];

constexpr int messages = 12;
uint64_t sizes[messages][4];
Endpoint front, back;
volatile bool client_done, middle_done, server_done;
bool disconnect_each; // send scenario: disconnect after each message (else the next connect does)

uint64_t key(int message, int part) { return seed << 8 | static_cast<uint64_t>(message) << 2 | part; }

// Sizes from the seed: the first message is the largest, then every size class.
void choose_sizes() {
    Random random{seed * 7 + 1};
    for (int i = 0; i < messages; ++i) {
        for (int part = 0; part < 4; ++part) {
            uint64_t kind = random.below(10);
            uint64_t n = kind < 5 ? random.below(4097) : kind < 9 ? random.below(256 << 10) : random.below(1 << 20);
            sizes[i][part] = i == 0 && part == 0 ? max_payload : i == 1 ? uint64_t{1} << (part * 4) : n;
        }
    }
}

// A server that accepts one connection per message on `e` and checks the whole message arrives
// before the client disconnects.
void take_messages(Endpoint& e, uint64_t seed_offset) {
    for (int i = 0; i < messages; ++i) {
        Random random{seed + seed_offset + static_cast<uint64_t>(i)};
        amber_ipc_message in = split(server_in, capacity, random);
        auto r = amber::sys::ipc_server_wait_receive(e.set, &in);
        expect(r.status == AMBER_ERR_DISCONNECTED && r.value == AMBER_SYS_ipc_side_receive, "server: ends disconnected",
               r.status, AMBER_ERR_DISCONNECTED);
        expect(in.transferred == sizes[i][0], "server: bytes", in.transferred, sizes[i][0]);
        expect(in.badge == e.port * 1000u + 7 && in.flags == 0, "server: badge and flags", in.badge, in.flags);
        expect(matches(server_in, in.transferred, key(i, 0)), "server: payload");
        progress = progress + 1;
    }
    server_done = true;
}

void send_client(void*) {
    for (int i = 0; i < messages; ++i) {
        uint64_t n = sizes[i][0];
        fill(client_out, n, key(i, 0));
        Random random{seed + static_cast<uint64_t>(i)};
        amber_ipc_message m = split(client_out, n, random);
        auto r = amber::sys::ipc_connect_send(front.port, &m);
        expect(r.status == AMBER_OK && r.value == n && m.transferred == n, "client: connect_send", r.status, r.value);
        if (disconnect_each || i + 1 == messages) {
            expect(amber::sys::ipc_side_disconnect(AMBER_IPC_SIDE_CLIENT).ok(), "client: disconnect");
        }
        progress = progress + 1;
    }
    client_done = true;
}

void send_server(void*) { take_messages(front, 100); }

// The middle of the interposer: takes each message in 40000-byte pieces and forwards every piece
// on its own connection to the back server as soon as it has it.
void middle(void*) {
    constexpr uint64_t piece = 40000;
    for (int i = 0; i < messages; ++i) {
        Random random{seed * 5 + static_cast<uint64_t>(i)};
        amber_ipc_message in = split(client_in, piece, random);
        auto r = amber::sys::ipc_server_wait_receive(front.set, &in);
        for (bool first = true;; first = false) {
            amber_ipc_message out = message({buffer(client_in, in.transferred)});
            auto sent = first ? amber::sys::ipc_connect_send(back.port, &out)
                              : amber::sys::ipc_side_send(AMBER_IPC_SIDE_CLIENT, &out);
            expect(sent.status == AMBER_OK && sent.value == in.transferred, "middle: forward", sent.status, sent.value);
            if (r.status != AMBER_OK) break;
            expect(in.flags == AMBER_IPC_MORE, "middle: a full piece", in.flags, AMBER_IPC_MORE);
            in = split(client_in, piece, random);
            r = amber::sys::ipc_side_receive(AMBER_IPC_SIDE_SERVER, &in);
        }
        expect(r.status == AMBER_ERR_DISCONNECTED && r.value == AMBER_SYS_ipc_side_receive, "middle: end", r.status,
               r.value);
        amber::sys::ipc_side_disconnect(AMBER_IPC_SIDE_CLIENT);
        progress = progress + 1;
    }
    middle_done = true;
}

void back_server(void*) { take_messages(back, 200); }

// Ack: the client sends a, takes b, sends c after taking the turn back, takes d; the server ends
// every other conversation with ack_send + disconnect, the others with ack_send_wait_receive.
void ack_client(void*) {
    for (int i = 0; i < messages; ++i) {
        Random random{seed * 11 + static_cast<uint64_t>(i)};
        fill(client_out, sizes[i][0], key(i, 0));
        amber_ipc_message q = split(client_out, sizes[i][0], random), a = split(client_in, capacity, random);
        auto r = amber::sys::ipc_connect_send_over_receive(front.port, &q, &a);
        expect(r.ok() && a.transferred == sizes[i][1] && a.flags == 0, "ack client: reply", r.status, a.transferred);
        expect(matches(client_in, a.transferred, key(i, 1)), "ack client: reply payload");
        fill(client_out, sizes[i][2], key(i, 2));
        q = split(client_out, sizes[i][2], random);
        a = split(client_in, capacity, random);
        r = amber::sys::ipc_side_ack_send_over_receive(AMBER_IPC_SIDE_CLIENT, &q, &a);
        expect(r.status == AMBER_ERR_DISCONNECTED && r.value == AMBER_SYS_ipc_side_receive, "ack client: end", r.status,
               r.value);
        expect(a.transferred == sizes[i][3] && matches(client_in, a.transferred, key(i, 3)), "ack client: last",
               a.transferred, sizes[i][3]);
        expect(amber::sys::ipc_side_disconnect(AMBER_IPC_SIDE_CLIENT).ok(), "ack client: disconnect");
        progress = progress + 1;
    }
    client_done = true;
}

void ack_server(void*) {
    Random random{seed * 13};
    amber_ipc_message in = split(server_in, capacity, random);
    auto r = amber::sys::ipc_server_wait_receive(front.set, &in);
    for (int i = 0; i < messages; ++i) {
        expect(r.ok() && in.transferred == sizes[i][0], "ack server: request", r.status, in.transferred);
        expect(matches(server_in, in.transferred, key(i, 0)), "ack server: request payload");
        fill(server_out, sizes[i][1], key(i, 1));
        amber_ipc_message out = split(server_out, sizes[i][1], random);
        in = split(server_in, capacity, random);
        r = amber::sys::ipc_side_ack_send_over_receive(AMBER_IPC_SIDE_SERVER, &out, &in);
        expect(r.ok() && in.transferred == sizes[i][2], "ack server: second", r.status, in.transferred);
        expect(matches(server_in, in.transferred, key(i, 2)), "ack server: second payload");
        fill(server_out, sizes[i][3], key(i, 3));
        out = split(server_out, sizes[i][3], random);
        in = split(server_in, capacity, random);
        if (i % 2 == 0 || i + 1 == messages) {
            r = amber::sys::ipc_side_ack_send(AMBER_IPC_SIDE_SERVER, &out);
            expect(r.ok() && r.value == sizes[i][3], "ack server: last", r.status, r.value);
            expect(amber::sys::ipc_side_disconnect(AMBER_IPC_SIDE_SERVER).ok(), "ack server: disconnect");
            if (i + 1 < messages) r = amber::sys::ipc_server_wait_receive(front.set, &in);
        } else { // the reply, the end of this conversation and the next request in one call
            r = amber::sys::ipc_server_ack_send_wait_receive(&out, front.set, &in);
        }
        progress = progress + 1;
    }
    server_done = true;
}

enum class Scenario { Send, Cancel, Interposer, Ack };

void run(Scenario scenario, Interference kind) {
    static const char* const names[] = {"send", "cancel", "interposer", "ack"};
    choose_sizes();
    front = endpoint(0);
    back = endpoint(0);
    for (Endpoint* e : {&front, &back}) { // badges the servers check: 1000 * port handle + 7
        amber_port_state state{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, e->port * 1000u + 7, 0};
        set_state(e->port, state);
    }
    client_done = false;
    middle_done = false;
    server_done = false;
    disconnect_each = scenario == Scenario::Send;
    Cast cast{{0, 0, 0}, 2};
    if (scenario == Scenario::Ack) {
        start(cast, 0, ack_client, nullptr, stacks[0], stack_size);
        start(cast, 1, ack_server, nullptr, stacks[1], stack_size);
    } else {
        start(cast, 0, send_client, nullptr, stacks[0], stack_size);
        start(cast, 1, scenario == Scenario::Interposer ? back_server : send_server, nullptr, stacks[1], stack_size);
    }
    if (scenario == Scenario::Interposer) {
        cast.count = 3;
        start(cast, 2, middle, nullptr, stacks[2], stack_size);
    } else {
        middle_done = true;
    }
    run_scenario(names[static_cast<int>(scenario)], cast, kind,
                 [] { return client_done && middle_done && server_done; });
    for (Endpoint* e : {&front, &back}) {
        amber::sys::handle_close(e->port);
        amber::sys::handle_close(e->set);
    }
}

} // namespace

#define SCENARIO_TEST(name, scenario, kind)                                                                            \
    AMBER_TEST(name) {                                                                                                 \
        uint64_t before = failures;                                                                                    \
        run(Scenario::scenario, Interference::kind);                                                                   \
        CHECK_EQ(failures, before);                                                                                    \
    }
SCENARIO_TEST(send_scenario, Send, None)
SCENARIO_TEST(send_scenario_exported_and_reimported, Send, Export)
SCENARIO_TEST(send_scenario_moved_into_fresh_threads, Send, Reimport)
SCENARIO_TEST(cancel_scenario_with_a_sadistic_cancel_thread, Cancel, Cancel)
SCENARIO_TEST(cancel_scenario_exported_and_reimported, Cancel, Export)
SCENARIO_TEST(interposer_scenario, Interposer, None)
SCENARIO_TEST(interposer_scenario_cancelled, Interposer, Cancel)
SCENARIO_TEST(interposer_scenario_exported_and_reimported, Interposer, Export)
SCENARIO_TEST(interposer_scenario_moved_into_fresh_threads, Interposer, Reimport)
SCENARIO_TEST(ack_scenario, Ack, None)
SCENARIO_TEST(ack_scenario_cancelled, Ack, Cancel)
SCENARIO_TEST(ack_scenario_exported_and_reimported, Ack, Export)
SCENARIO_TEST(ack_scenario_moved_into_fresh_threads, Ack, Reimport)
#undef SCENARIO_TEST
