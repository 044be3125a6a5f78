// kernel/core/connection.cpp: decoding a thread's reliable-IPC stage from its registers, the
// continuations the kernel rewrites them to, the links of a connection and their export, which
// waiting peers count as waiting for a thread, and that breaking a connection wakes only a peer
// that waits for it.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <amber/ipc.h>
#include <amber/syscall_numbers.h>

#include <optional>

#include "../../kernel/core/connection.hpp"
#include "../../kernel/core/scheduler.hpp"

namespace {

using kernel::Stage;
using kernel::Step;
using kernel::SyscallArguments;
using kernel::Thread;

constexpr uint32_t client_side = AMBER_IPC_SIDE_CLIENT, server_side = AMBER_IPC_SIDE_SERVER;

struct Pair {
    Pair() {
        client.emplace(space, 1);
        server.emplace(space, 2);
    }
    // Registers of a thread making `call` with arguments a, b, c.
    static void set_call(Thread& t, uint64_t call, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
        t.context.frame.rax = call;
        t.context.frame.rdi = a;
        t.context.frame.rsi = b;
        t.context.frame.rdx = c;
    }
    static Step step_of(Thread& t) {
        SyscallArguments registers(t.context.frame);
        return kernel::read_step(t.context.frame.rax, registers);
    }
    kernel::Space space{1000};
    std::optional<Thread> client, server;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(connection, Pair)

BOOST_AUTO_TEST_CASE(stages_are_read_from_the_registers) {
    set_call(*client, AMBER_SYS_ipc_side_send_over_receive, client_side, 0x1000, 0x2000);
    Step s = step_of(*client);
    BOOST_TEST((s.stage == Stage::Send));
    BOOST_TEST(s.side == client_side);
    BOOST_TEST(s.send == 0x1000u);
    BOOST_TEST(s.receive == 0x2000u);
    set_call(*server, AMBER_SYS_ipc_server_ack_send_wait_receive, 0x3000, 7, 0x4000);
    s = step_of(*server);
    BOOST_TEST((s.stage == Stage::Ack));
    BOOST_TEST(s.side == server_side); // the server calls name no side
    BOOST_TEST(s.send == 0x3000u);
    BOOST_TEST(s.receive == 0x4000u);
    set_call(*client, AMBER_SYS_ipc_side_over_receive, server_side, 0x5000);
    BOOST_TEST((step_of(*client).stage == Stage::Over));
    set_call(*client, AMBER_SYS_ipc_side_receive, 2, 0x5000); // no such side
    BOOST_TEST((step_of(*client).stage == Stage::None));
    for (uint64_t call : {uint64_t{AMBER_SYS_ipc_connect_send}, uint64_t{AMBER_SYS_ipc_server_wait_receive},
                          uint64_t{AMBER_SYS_ipc_side_disconnect}, uint64_t{AMBER_SYS_ipc_call}}) {
        set_call(*client, call, client_side, 0x1000);
        BOOST_TEST((step_of(*client).stage == Stage::None));
    }
}

BOOST_AUTO_TEST_CASE(continuations_rewrite_call_and_arguments) {
    set_call(*client, AMBER_SYS_ipc_side_send_over_receive, client_side, 0x1000, 0x2000);
    SyscallArguments c(client->context.frame);
    BOOST_TEST(kernel::after_send(AMBER_SYS_ipc_side_send_over_receive, c) ==
               uint64_t{AMBER_SYS_ipc_side_over_receive});
    BOOST_TEST(client->context.frame.rdi == client_side);
    BOOST_TEST(client->context.frame.rsi == 0x2000u); // the receive descriptor moves up
    set_call(*server, AMBER_SYS_ipc_server_send_wait_receive, 0x3000, 7, 0x4000);
    SyscallArguments s(server->context.frame);
    BOOST_TEST(kernel::after_send(AMBER_SYS_ipc_server_send_wait_receive, s) ==
               uint64_t{AMBER_SYS_ipc_server_wait_receive});
    BOOST_TEST(server->context.frame.rdi == 7u); // (port set, receive)
    BOOST_TEST(server->context.frame.rsi == 0x4000u);
    BOOST_TEST(kernel::after_send(AMBER_SYS_ipc_side_send, s) == 0u); // completes
    BOOST_TEST(kernel::after_turn(AMBER_SYS_ipc_side_ack_send) == uint64_t{AMBER_SYS_ipc_side_send});
    BOOST_TEST(kernel::after_turn(AMBER_SYS_ipc_side_ack_send_over_receive) ==
               uint64_t{AMBER_SYS_ipc_side_send_over_receive});
    BOOST_TEST(kernel::after_turn(AMBER_SYS_ipc_server_ack_send_wait_receive) ==
               uint64_t{AMBER_SYS_ipc_server_send_wait_receive});
    BOOST_TEST(kernel::after_turn(AMBER_SYS_ipc_side_over_receive) == uint64_t{AMBER_SYS_ipc_side_receive});
}

BOOST_AUTO_TEST_CASE(links_name_each_other_and_are_exported) {
    kernel::link(*client, *server, true);
    BOOST_TEST(client->connections[client_side].peer == &*server);
    BOOST_TEST(server->connections[server_side].peer == &*client);
    BOOST_TEST(kernel::connection_flags(*client) == (AMBER_THREAD_IPC_CLIENT | AMBER_THREAD_IPC_CLIENT_SENDER));
    server->connections[server_side].alerted = true;
    BOOST_TEST(kernel::connection_flags(*server) == (AMBER_THREAD_IPC_SERVER | AMBER_THREAD_IPC_SERVER_ALERTED));
    kernel::disconnect(*server, server_side); // from either end; neither waits: nobody is woken
    BOOST_TEST(client->connections[client_side].peer == nullptr);
    BOOST_TEST(!server->connections[server_side].alerted);
    BOOST_TEST(kernel::connection_flags(*client) == 0u);
    BOOST_TEST((client->run_state == kernel::RunState::Stopped));
}

BOOST_AUTO_TEST_CASE(only_a_linked_peer_waiting_for_us_in_a_stage_waits) {
    kernel::link(*client, *server, true);
    set_call(*server, AMBER_SYS_ipc_side_receive, server_side, 0x1000);
    Step step;
    BOOST_TEST(!kernel::peer_waits(*server, *client, client_side, step)); // stopped, not waiting
    server->run_state = kernel::RunState::Waiting;
    client->retain(); // the reference a wait holds
    server->waiting_for = &*client;
    BOOST_TEST(kernel::peer_waits(*server, *client, client_side, step));
    BOOST_TEST((step.stage == Stage::Receive));
    BOOST_TEST(!kernel::peer_waits(*server, *client, server_side, step)); // not on that connection
    server->fault_pending = true;                                         // waiting for a keeper instead
    BOOST_TEST(!kernel::peer_waits(*server, *client, client_side, step));
    server->fault_pending = false;
    set_call(*server, AMBER_SYS_ipc_side_receive, client_side, 0x1000); // its other end
    BOOST_TEST(!kernel::peer_waits(*server, *client, client_side, step));
    set_call(*server, AMBER_SYS_ipc_side_receive, server_side, 0x1000);
    kernel::disconnect(*client, client_side); // it waits for us: woken, it re-makes its call
    BOOST_TEST((server->run_state == kernel::RunState::Runnable));
    BOOST_TEST(server->waiting_for == nullptr);
    kernel::stop_thread(&*server); // out of the run queue before it goes
}

BOOST_AUTO_TEST_SUITE_END()
