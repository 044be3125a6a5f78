// Guest tests of the IPC fastpath (ipc_call_short and its server calls): words and badge both
// ways, a descriptor reply refused to a short client, a short client exported while it waits for
// its reply (the request is delivered again), and the end of a server's wait with its port set.
#include "../../userland/runtime/short_ipc.hpp"
#include "ipc_test_support.hpp"

using namespace object_tests;
using namespace ipc_tests;

namespace {

alignas(16) uint8_t stack[16384];
alignas(16) uint8_t client_stack[16384];
Endpoint e;
volatile uint64_t requests;
volatile bool hold;
volatile amber_status descriptor_reply, server_end;

// Echo server: replies (w0 + 1, w1 * 2, w2 ^ badge, w3) to each request.
void serve(void*) {
    amber::ShortMessage m{};
    amber_status status = amber::wait_receive_short(e.set, m);
    while (status == AMBER_OK) {
        requests = requests + 1;
        while (hold) amber::sys::thread_yield();
        if (m.words[0] == 0xdead) { // a descriptor reply cannot answer a short client
            amber_ipc_message reply{};
            descriptor_reply = amber::sys::ipc_reply(&reply).status;
        }
        m = {{m.words[0] + 1, m.words[1] * 2, m.words[2] ^ m.badge, m.words[3]}, 0};
        status = amber::reply_wait_receive_short(e.set, m);
    }
    server_end = status;
}

} // namespace

AMBER_TEST(short_calls_carry_four_words_each_way_and_the_badge) {
    e = endpoint(0x5107);
    requests = 0;
    hold = false;
    server_end = AMBER_ERR_BUSY;
    auto server = static_cast<amber_handle_t>(amber::start_thread(serve, nullptr, stack, sizeof stack));
    bool all = true;
    for (uint64_t i = 0; i < 200; ++i) {
        amber::ShortMessage m{{i, i + 7, 0xff00, ~i}, 0};
        all = all && amber::call_short(e.port, m) == AMBER_OK && m.words[0] == i + 1 && m.words[1] == 2 * (i + 7) &&
              m.words[2] == (0xff00 ^ 0x5107) && m.words[3] == ~i && m.badge == 0;
    }
    CHECK(all);
    CHECK_DELIVERIES(requests, 200u);
    amber::ShortMessage m{{0xdead, 0, 0, 0}, 0};
    descriptor_reply = AMBER_ERR_BUSY;
    CHECK_EQ(amber::call_short(e.port, m), AMBER_OK);
    CHECK_EQ(descriptor_reply, AMBER_ERR_BAD_STATE);
    CHECK_EQ(m.words[0], 0xdeaeu);
    amber::ShortMessage bad{{0, 0, 0, 0}, 0};
    CHECK_EQ(amber::call_short(e.set, bad), AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::wait_receive_short(e.port, bad), AMBER_ERR_WRONG_TYPE);
    CHECK_EQ(amber::sys::object_destroy(e.set).status, AMBER_OK); // ends the server's wait
    CHECK(wait_until([] { return server_end != AMBER_ERR_BUSY; }));
    CHECK_EQ(server_end, AMBER_ERR_DESTROYED);
    CHECK(wait_exited(server));
    for (amber_handle_t h : {server, e.port, e.set}) amber::sys::handle_close(h);
}

namespace {
volatile amber_status client_status;
amber::ShortMessage client_message;
void call(void*) {
    client_message = {{41, 0, 0, 0}, 0};
    client_status = amber::call_short(e.port, client_message);
}
} // namespace

AMBER_TEST(a_short_client_exported_while_waiting_for_its_reply_calls_again) {
    e = endpoint(1);
    requests = 0;
    hold = true;
    client_status = AMBER_ERR_BUSY;
    auto server = static_cast<amber_handle_t>(amber::start_thread(serve, nullptr, stack, sizeof stack));
    auto client = static_cast<amber_handle_t>(amber::start_thread(call, nullptr, client_stack, sizeof client_stack));
    CHECK(wait_until([] { return requests == 1; }));
    amber_thread_state state{};
    CHECK_EQ(get_state(client, state), AMBER_OK); // stops it: the server's reply will find nobody
    CHECK_EQ(state.registers.rax, static_cast<uint64_t>(AMBER_SYS_ipc_call_short));
    CHECK_EQ(state.registers.rsi, 41u); // its request, intact in its registers
    state.flags = 0;
    CHECK_EQ(set_state(client, state), AMBER_OK); // it calls again ...
    hold = false;                                 // ... and the second request is answered
    CHECK(wait_until([] { return client_status != AMBER_ERR_BUSY; }));
    CHECK_EQ(client_status, AMBER_OK);
    CHECK_EQ(client_message.words[0], 42u);
    CHECK_DELIVERIES(requests, 2u);
    amber::sys::object_destroy(e.set);
    CHECK(wait_exited(server));
    CHECK(wait_exited(client));
    for (amber_handle_t h : {server, client, e.port, e.set}) amber::sys::handle_close(h);
}
