// Regression tests for holes found in review: forged badges and use-after-free through stale IPC
// bindings, replies reaching a thread that no longer waits, write access through read-only
// mappings, and rights gained through thread references. Each test failed before its fix.
#include <amber/ipc.h>

#include "ipc_test_support.hpp"

using namespace object_tests;
using namespace ipc_tests;

namespace {

constexpr size_t stack_size = 16384;
alignas(16) uint8_t stack_a[stack_size];
alignas(16) uint8_t stack_b[stack_size];

constexpr uint64_t huge_src = 0x100000000ull, huge_dst = 0x200000000ull, huge_len = 32ull << 20;
void map_huge() {
    static bool done;
    if (done) return;
    done = true;
    amber::sys::memory_allocate(self_space, huge_src, huge_len, AMBER_PROT_READ | AMBER_PROT_WRITE);
    amber::sys::memory_allocate(self_space, huge_dst, huge_len, AMBER_PROT_READ | AMBER_PROT_WRITE);
}
amber_ipc_message huge(uint64_t base) {
    amber_ipc_message m{};
    for (int i = 0; i < 4; ++i) m.buffers[m.buffer_count++] = {base, huge_len};
    return m;
}
uint32_t waiters_of(amber_handle_t set) {
    amber_port_set_state s{};
    get_state(set, s);
    return s.waiter_count;
}
uint32_t rights_of(amber_handle_t h) {
    amber_handle_info info{};
    amber::sys::object_info(h, &info);
    return info.rights;
}

} // namespace

// 1. thread_get_references gives the waited-on object with the THREAD handle's rights.
namespace refs {
amber_handle_t mutex;
volatile bool locked;
void locker(void*) {
    amber::sys::mutex_lock(mutex);
    locked = true;
    amber::sys::mutex_unlock(mutex);
}
} // namespace refs

namespace bad_stack {
volatile uint64_t started;
// Points rsp into the kernel half (the kernel lets a thread do that; set_state would refuse it)
// and makes calls forever, each a restart point of restart stress.
[[noreturn]] void yield_forever(void*) {
    started = 1;
    asm volatile("mov %0, %%rsp\n1: mov %1, %%eax\nsyscall\njmp 1b\n"
                 :
                 : "r"(0xffff800000001000ull), "i"(AMBER_SYS_thread_yield)
                 : "rax", "rcx", "r11", "memory");
    __builtin_unreachable();
}
} // namespace bad_stack

// Regression (review of export stress): a thread whose state set_state would refuse was destroyed
// first and then found not to import, and the kernel panicked. Now it is not replaced.
AMBER_TEST(export_stress_leaves_a_thread_it_could_not_import) {
    bad_stack::started = 0;
    auto thread =
        static_cast<amber_handle_t>(amber::start_thread(bad_stack::yield_forever, nullptr, stack_a, stack_size));
    CHECK(wait_until([] { return bad_stack::started == 1; }));
    for (int i = 0; i < 2000; ++i) amber::sys::thread_yield(); // thousands of its calls meanwhile
    amber_thread_state state{};
    CHECK_EQ(get_state(thread, state), AMBER_OK);
    CHECK_EQ(state.registers.rsp, 0xffff800000001000ull);
    CHECK_EQ(amber::sys::object_destroy(thread).status, AMBER_OK);
    amber::sys::handle_close(thread);
}

AMBER_TEST(thread_references_do_not_amplify_rights) {
    amber_handle_t full = handle_of(amber::sys::mutex_create(0));
    refs::mutex = handle_of(amber::sys::handle_duplicate(full, AMBER_RIGHT_OPERATE));
    amber::sys::handle_close(full);
    CHECK_EQ(rights_of(refs::mutex), AMBER_RIGHT_OPERATE);
    CHECK_EQ(amber::sys::mutex_lock(refs::mutex).status, AMBER_OK);
    auto t = static_cast<amber_handle_t>(amber::start_thread(refs::locker, nullptr, stack_a, stack_size));
    for (int i = 0; i < 10; ++i) amber::sys::thread_yield();
    amber_handle_t ref = handle_of(amber::sys::reference_create(0));
    amber_handle_t slots[2] = {0, ref};
    CHECK_EQ(amber::sys::thread_get_references(t, slots, 2).status, AMBER_OK);
    amber_handle_t got = handle_of(amber::sys::reference_get(ref));
    CHECK(got != 0);
    CHECK_EQ(rights_of(got), 0u); // references from a thread identify objects; they grant nothing
    amber::sys::mutex_unlock(refs::mutex);
    CHECK(wait_until([] { return refs::locked; }));
    CHECK(wait_exited(t));
    for (amber_handle_t h : {got, ref, refs::mutex, t}) amber::sys::handle_close(h);
}

// 2. Destroying a port wakes a client waiting for its reply without breaking the server's link:
//    the server's later ipc_reply "completes" a thread that is running user code (rip += 2).
namespace lost {
Endpoint e;
volatile bool received, go, escaped, replied;
volatile amber_status call_status = AMBER_ERR_BUSY, reply_status = AMBER_ERR_BUSY;
uint8_t request[8], reply_buffer[64], spare[64];
amber_ipc_message spare_descriptor;
void server(void*) {
    static uint8_t in_bytes[64];
    amber_ipc_message in = message({buffer(in_bytes, sizeof in_bytes)});
    amber::sys::ipc_wait_receive(e.set, &in);
    received = true;
    while (!go) amber::sys::thread_yield();
    static const char text[] = "FROM-SERVER";
    amber_ipc_message out = message({buffer(text, sizeof text)});
    reply_status = amber::sys::ipc_reply(&out).status;
    replied = true;
}
void client(void*) {
    amber_ipc_message q = message({buffer(request, sizeof request)});
    amber_ipc_message a = message({buffer(reply_buffer, sizeof reply_buffer)});
    call_status = amber::sys::ipc_call(e.port, &q, &a).status;
    spare_descriptor = message({buffer(spare, sizeof spare)});
    // Spin forever on a 2-byte jmp with rdx pointing at a valid descriptor.
    asm volatile("mov %0, %%rdx\n1: jmp 1b\n" : : "r"(&spare_descriptor) : "rdx", "rax", "rcx", "r11", "memory");
    escaped = true;
    for (;;) amber::sys::thread_yield();
}
} // namespace lost

AMBER_TEST(a_reply_after_port_destruction_does_not_complete_a_running_thread) {
    lost::e = endpoint(3);
    auto s = static_cast<amber_handle_t>(amber::start_thread(lost::server, nullptr, stack_a, stack_size));
    for (int i = 0; i < 5; ++i) amber::sys::thread_yield();
    auto c = static_cast<amber_handle_t>(amber::start_thread(lost::client, nullptr, stack_b, stack_size));
    CHECK(wait_until([] { return lost::received; }));
    CHECK_EQ(amber::sys::object_destroy(lost::e.port).status, AMBER_OK);
    CHECK(wait_until([] { return lost::call_status != AMBER_ERR_BUSY; }));
    CHECK_EQ(lost::call_status, AMBER_ERR_DESTROYED);
    for (int i = 0; i < 20; ++i) amber::sys::thread_yield(); // the client is spinning in `jmp .`
    lost::go = true;
    CHECK(wait_until([] { return lost::replied; }));
    for (int i = 0; i < 20; ++i) amber::sys::thread_yield();
    amber::print("  security: reply status %d, client escaped its `jmp .`: %d, spare=\"%s\"\n", lost::reply_status,
                 lost::escaped ? 1 : 0, reinterpret_cast<const char*>(lost::spare));
    CHECK(!lost::escaped);
    CHECK_EQ(lost::reply_status, AMBER_ERR_DISCONNECTED);
    amber::sys::object_destroy(c);
    CHECK(wait_exited(s));
    for (amber_handle_t h : {s, c, lost::e.set}) amber::sys::handle_close(h);
}

// 3. An active sender whose restarted call fails validation stays bound to the receiver; its next
//    ipc_send on ANY port (here its own, unattached, with a chosen badge) lands at that receiver.
namespace forge {
Endpoint e;
amber_handle_t send_handle, own_port;
volatile bool a_started, a_first_done, a_done, r_done;
volatile amber_status first_status = AMBER_ERR_BUSY, second_status = AMBER_ERR_BUSY, r_status;
amber_ipc_message received, big_message, small_message;
void receiver(void*) {
    received = huge(huge_dst);
    r_status = amber::sys::ipc_wait_receive(e.set, &received).status;
    r_done = true;
}
void sender(void*) {
    a_started = true;
    big_message = huge(huge_src);
    first_status = amber::sys::ipc_send(send_handle, &big_message).status;
    a_first_done = true;
    static const char text[] = "forged";
    small_message = message({buffer(text, sizeof text)});
    second_status = amber::sys::ipc_send(own_port, &small_message).status;
    a_done = true;
}
} // namespace forge

AMBER_TEST(a_failed_restart_does_not_leave_a_receiver_bound) {
    map_huge();
    forge::e = endpoint(1);
    forge::send_handle = handle_of(amber::sys::handle_duplicate(forge::e.port, AMBER_RIGHTS_ALL));
    amber_port_state own{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 0xbadull, 0};
    forge::own_port = handle_of(amber::sys::port_create(&own)); // attached to no set
    auto r = static_cast<amber_handle_t>(amber::start_thread(forge::receiver, nullptr, stack_a, stack_size));
    CHECK(wait_until([] { return waiters_of(forge::e.set) == 1; }));
    auto a = static_cast<amber_handle_t>(amber::start_thread(forge::sender, nullptr, stack_b, stack_size));
    bool window = false;
    wait_until([&] {
        if (forge::a_started && !forge::r_done && !forge::a_first_done && waiters_of(forge::e.set) == 0) {
            window = true; // the sender is preempted mid-transfer
            amber::print("  security: at the window: sender transferred %lu, receiver transferred %lu\n",
                         forge::big_message.transferred, forge::received.transferred);
            amber::sys::handle_close(forge::send_handle);
            return true;
        }
        return forge::r_done;
    });
    amber::print("  security: caught the sender mid-transfer: %d\n", window ? 1 : 0);
    CHECK(window);
    wait_until([] { return forge::a_done || forge::r_done; }, 500);
    for (int i = 0; i < 10; ++i) amber::sys::thread_yield();
    amber::print("  security: first send %d, second send %d (done %d), receiver done %d status %d badge 0x%lx "
                 "transferred %lu\n",
                 forge::first_status, forge::second_status, forge::a_done ? 1 : 0, forge::r_done ? 1 : 0,
                 forge::r_status, forge::received.badge, forge::received.transferred);
    amber::print("  security: sender's big descriptor transferred %lu; inbox starts \"%.6s\"\n",
                 forge::big_message.transferred, reinterpret_cast<const char*>(huge_dst));
    CHECK(!(forge::r_done && forge::received.badge == 0xbad)); // a message through a port not in its set
    amber::sys::object_destroy(forge::own_port);
    amber::sys::object_destroy(forge::e.set);
    CHECK(wait_exited(a));
    CHECK(wait_exited(r));
    for (amber_handle_t h : {a, r, forge::own_port, forge::e.port, forge::e.set}) amber::sys::handle_close(h);
}

// 4. A port freed while a waiting sender is bound to an active receiver: the receiver goes on
//    through sender->waiting_for (no reference) into freed/reused memory.
namespace freed {
Endpoint e;
volatile bool r_started, r_done, a_done;
volatile amber_status a_status = AMBER_ERR_BUSY;
amber_ipc_message received, big_message;
void sender(void*) {
    big_message = huge(huge_src);
    a_status = amber::sys::ipc_send(e.port, &big_message).status;
    a_done = true;
}
void receiver(void*) {
    received = huge(huge_dst);
    r_started = true;
    amber::sys::ipc_wait_receive(e.set, &received);
    r_done = true;
}
} // namespace freed

AMBER_TEST(a_port_freed_during_a_transfer_is_not_used_afterwards) {
    map_huge();
    freed::e = endpoint(1);
    auto a = static_cast<amber_handle_t>(amber::start_thread(freed::sender, nullptr, stack_a, stack_size));
    for (int i = 0; i < 10; ++i) amber::sys::thread_yield(); // it waits on the port
    auto r = static_cast<amber_handle_t>(amber::start_thread(freed::receiver, nullptr, stack_b, stack_size));
    bool window = false;
    amber_handle_t reuse = 0;
    wait_until([&] {
        if (freed::r_started && !freed::r_done && !freed::a_done) {
            for (int i = 0; i < 3 && !freed::r_done; ++i) amber::sys::null();
            window = true;
            amber::sys::handle_close(freed::e.port); // the last reference: the port is freed
            amber_port_state st{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 0x5157ull, 0};
            reuse = handle_of(amber::sys::port_create(&st)); // same heap block, LIFO
            return true;
        }
        return freed::r_done;
    });
    CHECK(window);
    wait_until([] { return freed::r_done; }, 1000);
    amber::print("  security: receiver done %d, badge 0x%lx (the freed port had 0x1; 0x5157 is the new port)\n",
                 freed::r_done ? 1 : 0, freed::received.badge);
    CHECK(freed::received.badge != 0x5157);
    amber::sys::object_destroy(freed::e.set);
    wait_exited(a);
    wait_exited(r);
    for (amber_handle_t h : {a, r, reuse, freed::e.set}) amber::sys::handle_close(h);
}

// 6. The mirror image: an active receiver whose restart fails stays bound to the waiting sender;
//    its next ipc_send writes INTO the sender's outgoing buffers and completes the sender's call.
namespace reverse {
Endpoint e;
amber_handle_t receive_handle, own_port;
volatile bool r_started, r_first_done, s_done, r_done;
volatile amber_status s_status = AMBER_ERR_BUSY, r_first = AMBER_ERR_BUSY, r_second = AMBER_ERR_BUSY;
amber_ipc_message received, big_message, evil;
void sender(void*) {
    big_message = huge(huge_src);
    s_status = amber::sys::ipc_send(e.port, &big_message).status;
    s_done = true;
}
void receiver(void*) {
    received = huge(huge_dst);
    r_started = true;
    r_first = amber::sys::ipc_wait_receive(receive_handle, &received).status;
    r_first_done = true;
    static const char text[] = "EVIL";
    evil = message({buffer(text, 4)});
    r_second = amber::sys::ipc_send(own_port, &evil).status;
    r_done = true;
}
} // namespace reverse

AMBER_TEST(a_failed_receive_restart_cannot_write_into_the_sender) {
    map_huge();
    __builtin_memset(reinterpret_cast<void*>(huge_src), 'S', 16);
    reverse::e = endpoint(1);
    reverse::receive_handle = handle_of(amber::sys::handle_duplicate(reverse::e.set, AMBER_RIGHTS_ALL));
    amber_port_state own{{AMBER_STATE_VERSION, AMBER_OBJECT_PORT, 0}, 0, 0};
    reverse::own_port = handle_of(amber::sys::port_create(&own));
    auto s = static_cast<amber_handle_t>(amber::start_thread(reverse::sender, nullptr, stack_a, stack_size));
    for (int i = 0; i < 10; ++i) amber::sys::thread_yield(); // the sender waits on the port
    auto r = static_cast<amber_handle_t>(amber::start_thread(reverse::receiver, nullptr, stack_b, stack_size));
    bool window = false;
    wait_until([&] {
        if (reverse::r_started && !reverse::r_first_done && !reverse::s_done && reverse::received.transferred > 0) {
            window = true;
            amber::sys::handle_close(reverse::receive_handle);
            return true;
        }
        return reverse::s_done;
    });
    CHECK(window);
    wait_until([] { return reverse::r_done || reverse::s_done; }, 500);
    for (int i = 0; i < 10; ++i) amber::sys::thread_yield();
    amber::print("  security: receiver first %d, its ipc_send %d; sender done %d status %d; sender's buffer "
                 "starts \"%.4s\"\n",
                 reverse::r_first, reverse::r_second, reverse::s_done ? 1 : 0, reverse::s_status,
                 reinterpret_cast<const char*>(huge_src));
    CHECK(__builtin_memcmp(reinterpret_cast<const void*>(huge_src), "EVIL", 4) != 0);
    amber::sys::object_destroy(reverse::own_port);
    amber::sys::object_destroy(reverse::e.port);
    wait_exited(s);
    wait_exited(r);
    for (amber_handle_t h : {s, r, reverse::own_port, reverse::e.port, reverse::e.set}) amber::sys::handle_close(h);
}

// 5. A read-only mapping of another space's memory can be written: through memory_write on one's
//    own space, and by re-offering the mapped range as a new region with a larger max protection.
AMBER_TEST(a_read_only_mapping_cannot_be_written) {
    constexpr uint64_t x = 0x40000000, y = 0x50000000, z = 0x60000000;
    amber_handle_t other = handle_of(amber::sys::space_create(0));
    CHECK_EQ(amber::sys::memory_allocate(other, x, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE).status, AMBER_OK);
    char secret[8] = "AAAAAAA";
    CHECK_EQ(amber::sys::memory_write(other, x, secret, 8).status, AMBER_OK);
    amber_region_state rs{{AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, x, 4096, AMBER_PROT_READ, 0};
    amber_handle_t full = handle_of(amber::sys::region_create(other, &rs));
    amber_handle_t region = handle_of(amber::sys::handle_duplicate(full, AMBER_RIGHT_OPERATE));
    amber::sys::handle_close(full);
    amber_mapping_state ms{{AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, y, 4096, 0, AMBER_PROT_READ, 0};
    amber_handle_t mapping = handle_of(amber::sys::mapping_create(self_space, region, &ms));
    CHECK(mapping != 0);
    CHECK_EQ(*reinterpret_cast<volatile char*>(y), 'A');
    // (a) memory_write through the read-only mapping
    char b = 'B';
    amber_status st = amber::sys::memory_write(self_space, y, &b, 1).status;
    char seen = 0;
    amber::sys::memory_read(other, x, &seen, 1);
    CHECK_EQ(st, AMBER_ERR_ACCESS_DENIED);
    CHECK(seen == 'A');
    // (b) re-offer the read-only range as a region with max RW, map it RW
    amber_region_state rs2{
        {AMBER_STATE_VERSION, AMBER_OBJECT_REGION, 0}, y, 4096, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    amber_handle_t region2 = handle_of(amber::sys::region_create(self_space, &rs2));
    amber_mapping_state ms2{
        {AMBER_STATE_VERSION, AMBER_OBJECT_MAPPING, 0}, z, 4096, 0, AMBER_PROT_READ | AMBER_PROT_WRITE, 0};
    auto mr = amber::sys::mapping_create(self_space, region2, &ms2);
    if (mr.ok()) { // allowed, but its pages get no more access than the source pages have
        char c = 'C';
        CHECK_EQ(amber::sys::memory_write(self_space, z + 1, &c, 1).status, AMBER_ERR_ACCESS_DENIED);
        amber::sys::memory_read(other, x + 1, &seen, 1);
        CHECK(seen == 'A');
        amber::sys::object_destroy(static_cast<amber_handle_t>(mr.value));
        amber::sys::handle_close(static_cast<amber_handle_t>(mr.value));
    }
    for (amber_handle_t h : {region2, mapping, region}) {
        amber::sys::object_destroy(h);
        amber::sys::handle_close(h);
    }
    amber::sys::object_destroy(other);
    amber::sys::handle_close(other);
}

int main(int, char**) { return amber::test::run_all("security"); }
