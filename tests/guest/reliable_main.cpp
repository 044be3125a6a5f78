// The reliable-IPC guest tests (suite "reliable"). Usage: reliable_tests [SEED]. Without a seed the
// kernel's stress seed is used (so a stress run replays from its seed alone), else 1.
#include <amber/stats.h>

#include "reliable_support.hpp"

int main(int argc, char** argv) {
    amber_stats stats{};
    if (amber::sys::system_stats(&stats, sizeof stats).ok() && stats.stress_seed != 0)
        reliable::seed = stats.stress_seed;
    if (argc > 1) {
        uint64_t v = 0;
        for (const char* p = argv[1]; *p >= '0' && *p <= '9'; ++p) v = v * 10 + static_cast<uint64_t>(*p - '0');
        reliable::seed = v;
    }
    amber::print("reliable: seed %lu (replay: start=reliable_tests:%lu)\n", static_cast<unsigned long>(reliable::seed),
                 static_cast<unsigned long>(reliable::seed));
    return amber::test::run_all("reliable");
}
