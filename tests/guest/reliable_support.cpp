#include "reliable_support.hpp"

#include "../../userland/runtime/syscall_names.hpp"

namespace reliable {

uint64_t seed = 1;
volatile uint64_t progress = 0;
volatile uint64_t failures = 0;

bool expect(bool ok, const char* what, uint64_t got, uint64_t wanted) {
    if (!ok) {
        failures = failures + 1;
        amber::print("  reliable: FAILED %s: got %lu (0x%lx), wanted %lu (seed %lu)\n", what,
                     static_cast<unsigned long>(got), static_cast<unsigned long>(got),
                     static_cast<unsigned long>(wanted), static_cast<unsigned long>(seed));
    }
    return ok;
}

bool matches(const uint8_t* bytes, uint64_t n, uint64_t key, uint64_t from) {
    for (uint64_t i = 0; i < n; ++i) {
        if (bytes[i] != pattern(key, from + i)) {
            amber::print("  reliable: stream %lx byte %lu is %u, expected %u (seed %lu)\n",
                         static_cast<unsigned long>(key), static_cast<unsigned long>(from + i), bytes[i],
                         pattern(key, from + i), static_cast<unsigned long>(seed));
            return false;
        }
    }
    return true;
}

amber_ipc_message split(uint8_t* bytes, uint64_t n, Random& random) {
    amber_ipc_message m{};
    uint32_t count = 1 + static_cast<uint32_t>(random.below(AMBER_IPC_MAX_BUFFERS));
    uint64_t cuts[AMBER_IPC_MAX_BUFFERS + 1] = {0};
    for (uint32_t i = 1; i < count; ++i) cuts[i] = random.below(n + 1);
    cuts[count] = n;
    for (uint32_t i = 1; i < count; ++i) { // sort the inner cuts
        for (uint32_t j = i; j > 1 && cuts[j - 1] > cuts[j]; --j) {
            uint64_t t = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = t;
        }
    }
    for (uint32_t i = 0; i < count; ++i) m.buffers[m.buffer_count++] = buffer(bytes + cuts[i], cuts[i + 1] - cuts[i]);
    return m;
}

bool run_until(const char* what, bool (*done)(), uint64_t stall, uint64_t limit) {
    uint64_t start = amber::ticks(), moved = start, seen = progress;
    while (!done()) {
        amber::sys::thread_yield();
        uint64_t now = amber::ticks();
        if (progress != seen) {
            seen = progress;
            moved = now;
        }
        if (now - moved > stall || now - start > limit) {
            amber::print("  reliable: %s stopped making progress after %lu steps (seed %lu; replay: "
                         "start=reliable_tests:%lu)\n",
                         what, static_cast<unsigned long>(seen), static_cast<unsigned long>(seed),
                         static_cast<unsigned long>(seed));
            return false;
        }
    }
    return true;
}

const char* name_of(Interference kind) {
    switch (kind) {
    case Interference::None: return "none";
    case Interference::Cancel: return "cancel";
    case Interference::Export: return "export";
    case Interference::Reimport: return "reimport";
    }
    return "?";
}

void start(Cast& cast, int slot, void (*function)(void*), void* argument, uint8_t* stack, size_t size) {
    cast.threads[slot] = static_cast<amber_handle_t>(amber::start_thread(function, argument, stack, size));
}

namespace {

struct Interferer {
    Cast* cast;
    Interference kind;
    volatile bool* stop;
    volatile uint64_t* interventions;
};
Interferer job;
alignas(16) uint8_t interferer_stack[16384];

// Stops every live thread of the cast and moves the threads in `movers` (a bit per slot) into
// fresh thread objects, as a restorer would: the old objects are destroyed (which ends their
// connections while every peer is stopped), the saved states are loaded into the fresh ones, every
// connection that touched a moved thread is re-established from the exported state (ids name the
// peers), and all are resumed.
void move_to_fresh_threads(Cast& cast, unsigned movers) {
    amber_thread_state states[max_slots];
    bool live[max_slots];
    uint64_t ids[max_slots];
    for (int pass = 0; pass < 2; ++pass) { // the second pass reads a consistent snapshot
        for (int i = 0; i < cast.count; ++i) {
            states[i] = {};
            live[i] = get_state(cast.threads[i], states[i]) == AMBER_OK && (states[i].flags & AMBER_THREAD_EXITED) == 0;
            ids[i] = states[i].header.id;
        }
    }
    amber_handle_t threads[max_slots];
    for (int i = 0; i < cast.count; ++i) {
        threads[i] = cast.threads[i];
        bool moves = live[i] && (movers & (1u << i)) != 0;
        amber_handle_t fresh = moves ? handle_of(amber::sys::thread_create(self_space, 0)) : 0;
        if (fresh == 0) {
            movers &= ~(1u << i);
            continue;
        }
        amber::sys::object_destroy(threads[i]);
        amber::sys::handle_close(threads[i]);
        set_state(fresh, states[i]); // stays stopped: the state says STOPPED
        threads[i] = fresh;
    }
    for (int i = 0; i < cast.count; ++i) { // i the client, j its server
        for (int j = 0; j < cast.count; ++j) {
            bool touched = ((movers >> i) & 1u) != 0 || ((movers >> j) & 1u) != 0;
            if (i == j || !live[i] || !live[j] || !touched || states[i].ipc_server_id != ids[j]) continue;
            amber::sys::ipc_connect_threads(threads[i], threads[j],
                                            (states[i].ipc_flags & AMBER_THREAD_IPC_CLIENT_HALF) |
                                                (states[j].ipc_flags & AMBER_THREAD_IPC_SERVER_HALF));
        }
    }
    for (int i = 0; i < cast.count; ++i) {
        cast.threads[i] = threads[i];
        if (!live[i]) continue;
        states[i].flags = 0;
        set_state(cast.threads[i], states[i]);
    }
}

void interfere(void*) {
    Random random{seed ^ 0x5ad1571cull};
    Cast& cast = *job.cast;
    while (!*job.stop) {
        int victim = static_cast<int>(random.below(static_cast<uint64_t>(cast.count)));
        amber_handle_t thread = cast.threads[victim];
        if (job.kind == Interference::Cancel) {
            amber::sys::thread_cancel(thread);
        } else if (job.kind == Interference::Export) {
            amber_thread_state state{};
            if (get_state(thread, state) == AMBER_OK && (state.flags & AMBER_THREAD_EXITED) == 0) {
                for (uint64_t n = random.below(3); n > 0; --n) amber::sys::thread_yield();
                state.flags = 0;
                set_state(thread, state);
            }
        } else { // one thread, or now and then all of them (a restore of both ends)
            move_to_fresh_threads(cast, random.below(4) == 0 ? ~0u : 1u << victim);
        }
        *job.interventions = *job.interventions + 1;
        for (uint64_t n = random.below(4); n > 0; --n) amber::sys::thread_yield();
    }
    *job.stop = false; // tells the main thread the interferer is done
}

void dump(const Cast& cast) {
    for (int i = 0; i < cast.count; ++i) {
        amber_thread_state s{};
        get_state(cast.threads[i], s); // stops it: the run is over anyway
        amber::print("  reliable: thread %d: %s(%lx, %lx, %lx) flags %x ipc_flags %x\n", i,
                     amber::syscall_name(s.registers.rax), static_cast<unsigned long>(s.registers.rdi),
                     static_cast<unsigned long>(s.registers.rsi), static_cast<unsigned long>(s.registers.rdx), s.flags,
                     s.ipc_flags);
    }
}

} // namespace

void run_scenario(const char* name, Cast& cast, Interference kind, bool (*done)()) {
    volatile bool stop = false;
    volatile uint64_t interventions = 0;
    uint64_t steps = progress;
    amber_handle_t interferer = 0;
    if (kind != Interference::None) {
        job = {&cast, kind, &stop, &interventions};
        interferer = static_cast<amber_handle_t>(
            amber::start_thread(interfere, nullptr, interferer_stack, sizeof interferer_stack));
    }
    bool moving = run_until(name, done);
    if (interferer != 0) {
        stop = true;
        wait_until([&] { return !stop; }, 60000);
        amber::sys::handle_close(interferer);
    }
    if (!moving) {
        dump(cast);
        amber::exit(3);
    }
    amber::print("  reliable: %s with %s: %lu steps, %lu interventions\n", name, name_of(kind),
                 static_cast<unsigned long>(progress - steps), static_cast<unsigned long>(interventions));
    for (int i = 0; i < cast.count; ++i) amber::sys::handle_close(cast.threads[i]);
}

} // namespace reliable
