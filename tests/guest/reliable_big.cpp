// Fluke's "big" scenario: two threads, a client and a server, each make a seeded random sequence of
// every reliable-IPC call (bounded length) with random payloads (0 bytes to 1.5 MiB) and random
// receive buffers. Nothing is scripted, so the checks are the invariants: every status is one the
// call may return, and DISCONNECTED/ALERTED name a stage of the call; a receive that reports MORE
// has filled its buffers; and each direction of each connection is one byte stream: every byte a
// thread receives is the next byte of what the other side sent (the sender learns how much was
// taken from `transferred`, as an ack may drop the rest of a message). No deadlock: the watchdog.
#include "reliable_support.hpp"

using namespace reliable;

namespace {

constexpr uint64_t capacity = 2u << 20;
alignas(4096) uint8_t buffers[2][2][capacity]; // [player][out, in]
constexpr size_t stack_size = 16384;
alignas(16) uint8_t stacks[2][stack_size];
constexpr int steps = 150;
Endpoint e;

struct Player {
    bool client;
    Random random;
    uint64_t connection; // the index of its current connection (both players count the same ones)
    uint64_t sent, received;
    volatile bool done, finished;
    uint64_t statuses[4]; // OK, BAD_STATE, DISCONNECTED, ALERTED
    uint64_t bytes, more;
};
Player players[2];

uint64_t stream(uint64_t connection, bool from_client) { return seed << 20 | connection << 1 | (from_client ? 0 : 1); }

uint64_t size(Random& random) {
    uint64_t kind = random.below(20);
    return kind < 8    ? random.below(65)
           : kind < 15 ? random.below(8193)
           : kind < 19 ? random.below(200000)
                       : random.below(3 << 19);
}

// The stages a call's DISCONNECTED or ALERTED may name (rdx): the call and its continuations.
bool stage_of(uint64_t call, uint64_t stage) {
    switch (call) {
    case AMBER_SYS_ipc_connect_send: return stage == AMBER_SYS_ipc_side_send;
    case AMBER_SYS_ipc_connect_send_over_receive: return stage_of(AMBER_SYS_ipc_side_send_over_receive, stage);
    case AMBER_SYS_ipc_side_over_receive: return stage == call || stage == AMBER_SYS_ipc_side_receive;
    case AMBER_SYS_ipc_side_ack_send: return stage == call || stage == AMBER_SYS_ipc_side_send;
    case AMBER_SYS_ipc_side_send_over_receive: return stage == call || stage_of(AMBER_SYS_ipc_side_over_receive, stage);
    case AMBER_SYS_ipc_side_ack_send_over_receive:
        return stage == call || stage_of(AMBER_SYS_ipc_side_send_over_receive, stage);
    case AMBER_SYS_ipc_server_wait_receive:
    case AMBER_SYS_ipc_setup_wait_receive: return stage == AMBER_SYS_ipc_side_receive;
    case AMBER_SYS_ipc_server_send_wait_receive: return stage == call || stage == AMBER_SYS_ipc_side_receive;
    case AMBER_SYS_ipc_server_ack_send_wait_receive:
        return stage == call || stage_of(AMBER_SYS_ipc_server_send_wait_receive, stage);
    default: return stage == call;
    }
}

constexpr uint64_t client_calls[] = {
    AMBER_SYS_ipc_connect_send,
    AMBER_SYS_ipc_connect_send_over_receive,
    AMBER_SYS_ipc_side_send,
    AMBER_SYS_ipc_side_send,
    AMBER_SYS_ipc_side_receive,
    AMBER_SYS_ipc_side_receive,
    AMBER_SYS_ipc_side_over_receive,
    AMBER_SYS_ipc_side_ack_send,
    AMBER_SYS_ipc_side_send_over_receive,
    AMBER_SYS_ipc_side_send_over_receive,
    AMBER_SYS_ipc_side_ack_send_over_receive,
    AMBER_SYS_ipc_side_ack_send_over_receive,
    AMBER_SYS_ipc_side_disconnect,
    AMBER_SYS_ipc_side_alert,
};
constexpr uint64_t server_calls[] = {
    AMBER_SYS_ipc_server_wait_receive,
    AMBER_SYS_ipc_setup_wait_receive,
    AMBER_SYS_ipc_server_ack_send_wait_receive,
    AMBER_SYS_ipc_server_send_wait_receive,
    AMBER_SYS_ipc_side_send,
    AMBER_SYS_ipc_side_receive,
    AMBER_SYS_ipc_side_receive,
    AMBER_SYS_ipc_side_over_receive,
    AMBER_SYS_ipc_side_ack_send,
    AMBER_SYS_ipc_side_send_over_receive,
    AMBER_SYS_ipc_side_ack_send_over_receive,
    AMBER_SYS_ipc_side_ack_send_over_receive,
    AMBER_SYS_ipc_side_disconnect,
    AMBER_SYS_ipc_side_alert,
};

bool sends(uint64_t call) {
    return call != AMBER_SYS_ipc_side_receive && call != AMBER_SYS_ipc_side_over_receive &&
           call != AMBER_SYS_ipc_server_wait_receive && call != AMBER_SYS_ipc_setup_wait_receive &&
           call != AMBER_SYS_ipc_side_disconnect && call != AMBER_SYS_ipc_side_alert;
}
bool receives(uint64_t call) {
    return call != AMBER_SYS_ipc_side_send && call != AMBER_SYS_ipc_side_ack_send &&
           call != AMBER_SYS_ipc_connect_send && call != AMBER_SYS_ipc_side_disconnect &&
           call != AMBER_SYS_ipc_side_alert;
}
bool opens(uint64_t call) {
    return call == AMBER_SYS_ipc_connect_send || call == AMBER_SYS_ipc_connect_send_over_receive ||
           call == AMBER_SYS_ipc_server_wait_receive || call == AMBER_SYS_ipc_setup_wait_receive ||
           call == AMBER_SYS_ipc_server_send_wait_receive || call == AMBER_SYS_ipc_server_ack_send_wait_receive;
}

// Makes `call` with fresh descriptors and checks what it returns.
void step(Player& p, uint64_t call, uint32_t side) {
    uint8_t* out = buffers[p.client ? 0 : 1][0];
    uint8_t* in = buffers[p.client ? 0 : 1][1];
    bool connecting = p.client && opens(call); // its data goes on the new connection
    uint64_t n = sends(call) ? size(p.random) : 0;
    fill(out, n, stream(connecting ? p.connection + 1 : p.connection, p.client), connecting ? 0 : p.sent);
    uint64_t room = receives(call) ? size(p.random) : 0;
    amber_ipc_message m = split(out, n, p.random), r = split(in, room, p.random);
    uint64_t a[3] = {side, reinterpret_cast<uint64_t>(&m), reinterpret_cast<uint64_t>(&r)};
    if (call == AMBER_SYS_ipc_connect_send || call == AMBER_SYS_ipc_connect_send_over_receive) a[0] = e.port;
    if (call == AMBER_SYS_ipc_side_receive || call == AMBER_SYS_ipc_side_over_receive) a[1] = a[2];
    if (call == AMBER_SYS_ipc_server_wait_receive || call == AMBER_SYS_ipc_setup_wait_receive) {
        a[0] = e.set;
        a[1] = a[2];
    }
    if (call == AMBER_SYS_ipc_server_send_wait_receive || call == AMBER_SYS_ipc_server_ack_send_wait_receive) {
        a[0] = reinterpret_cast<uint64_t>(&m);
        a[1] = e.set;
    }
    auto result = amber::raw_syscall(call, a[0], a[1], a[2]);
    amber_status s = result.status;
    if (side != (p.client ? AMBER_IPC_SIDE_CLIENT : AMBER_IPC_SIDE_SERVER)) { // nothing there
        bool fine =
            call == AMBER_SYS_ipc_side_disconnect ? s == AMBER_OK : s == AMBER_ERR_DISCONNECTED && result.value == call;
        expect(fine && m.transferred == 0 && r.transferred == 0, "big: the other side", s, call);
        return;
    }
    bool ended_early = s == AMBER_ERR_DISCONNECTED || s == AMBER_ERR_ALERTED;
    expect(s == AMBER_OK || s == AMBER_ERR_BAD_STATE || ended_early, "big: status", s, call);
    if (ended_early) expect(stage_of(call, result.value), "big: stage", result.value, call);
    if (s == AMBER_OK && (call == AMBER_SYS_ipc_side_send || call == AMBER_SYS_ipc_connect_send)) {
        expect(result.value == m.transferred, "big: bytes taken", result.value, m.transferred);
    }
    if (!connecting) p.sent += m.transferred; // the server's *_wait_receive sends on the old connection
    bool accepted =
        opens(call) && (p.client || s == AMBER_OK || (ended_early && result.value == AMBER_SYS_ipc_side_receive));
    if (accepted) {
        p.connection += 1;
        p.sent = connecting ? m.transferred : 0;
        p.received = 0;
    }
    expect((r.flags & ~AMBER_IPC_MORE) == 0 && r.handle_count == 0, "big: receive flags", r.flags, r.handle_count);
    if ((r.flags & AMBER_IPC_MORE) != 0) expect(r.transferred == room, "big: MORE only when full", r.transferred, room);
    expect(matches(in, r.transferred, stream(p.connection, !p.client), p.received), "big: stream");
    p.received += r.transferred;
    p.bytes += r.transferred;
    p.more += (r.flags & AMBER_IPC_MORE) != 0 ? 1 : 0;
    p.statuses[s == AMBER_OK ? 0 : s == AMBER_ERR_BAD_STATE ? 1 : s == AMBER_ERR_DISCONNECTED ? 2 : 3] += 1;
}

void play(void* argument) {
    Player& p = *static_cast<Player*>(argument);
    for (int i = 0; i < steps; ++i) {
        const uint64_t* calls = p.client ? client_calls : server_calls;
        uint64_t call = calls[p.random.below(sizeof client_calls / sizeof client_calls[0])];
        uint32_t side = p.client ? AMBER_IPC_SIDE_CLIENT : AMBER_IPC_SIDE_SERVER;
        bool elsewhere = p.random.below(16) == 0 && !opens(call); // the end it never holds
        step(p, call, elsewhere ? side ^ 1u : side);
        progress = progress + 1;
    }
    p.done = true;
    amber_ipc_message none{};
    while (!players[p.client ? 1 : 0].done) { // serve the other player until it is done too
        auto r =
            p.client ? amber::sys::ipc_connect_send(e.port, &none) : amber::sys::ipc_server_wait_receive(e.set, &none);
        if (r.status == AMBER_ERR_DESTROYED) break;
        amber::sys::ipc_side_disconnect(p.client ? AMBER_IPC_SIDE_CLIENT : AMBER_IPC_SIDE_SERVER);
    }
    p.finished = true;
}

void run(Interference kind) {
    e = endpoint(0xb16);
    Cast cast{{0, 0, 0}, 2};
    for (int i = 0; i < 2; ++i) {
        uint64_t stream_seed = seed * 31 + static_cast<uint64_t>(i) + static_cast<uint64_t>(kind) * 1000;
        players[i] = {i == 0, Random{stream_seed}, 0, 0, 0, false, false, {}, 0, 0};
        start(cast, i, play, &players[i], stacks[i], stack_size);
    }
    run_scenario("big", cast, kind, [] { return players[0].done && players[1].done; });
    amber::sys::object_destroy(e.port); // ends a last connect or wait of the serving loops
    amber::sys::object_destroy(e.set);
    wait_until([] { return players[0].finished && players[1].finished; }, 60000);
    for (const Player& p : players) {
        amber::print("  reliable: big %s: %lu connections; OK %lu, BAD_STATE %lu, DISCONNECTED %lu, ALERTED %lu; "
                     "%lu bytes received, %lu receives MORE\n",
                     p.client ? "client" : "server", static_cast<unsigned long>(p.connection),
                     static_cast<unsigned long>(p.statuses[0]), static_cast<unsigned long>(p.statuses[1]),
                     static_cast<unsigned long>(p.statuses[2]), static_cast<unsigned long>(p.statuses[3]),
                     static_cast<unsigned long>(p.bytes), static_cast<unsigned long>(p.more));
    }
    amber::sys::handle_close(e.port);
    amber::sys::handle_close(e.set);
}

} // namespace

#define BIG_TEST(name, kind)                                                                                           \
    AMBER_TEST(name) {                                                                                                 \
        uint64_t before = failures;                                                                                    \
        run(Interference::kind);                                                                                       \
        CHECK_EQ(failures, before);                                                                                    \
    }
BIG_TEST(big_scenario, None)
BIG_TEST(big_scenario_cancelled, Cancel)
BIG_TEST(big_scenario_exported_and_reimported, Export)
BIG_TEST(big_scenario_moved_into_fresh_threads, Reimport)
#undef BIG_TEST
