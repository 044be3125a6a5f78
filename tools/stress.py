#!/usr/bin/env python3
"""`make stress`: a restart-stress campaign over the guest suites marked "stress".

Iteration i boots every such suite with stress=SEED+i,RATE, so every restart point of the kernel
forces rollback and restart with probability RATE/1000. Each run is judged like a test (panics,
hangs, failed tests, power-off status) and its kernel restart counters (@@AMBER-STATS) are summed.
The summary gives the seeds, forced restarts per call kind and the failures, each with the command
that replays it. With --icount (ICOUNT=1) runs are deterministic: the same seed gives the same
summary for every suite -icount can make deterministic; the others (disk I/O, typed console input
complete in host time) are recorded with QEMU record/replay instead, and a failure among them is
replayed exactly from its recording (`make replay ... RRFILE=...`). --fuzzer-calls N (FUZZ_CALLS=N) makes the syscall fuzzer's runs N calls each, fuzzed with
the iteration's seed (ITER=10 FUZZ_CALLS=100000: a campaign of 10^6 fuzzed calls).
"""
import argparse
import collections
import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import guest_checks  # noqa: E402
import run_tests  # noqa: E402

STATS = re.compile(r"@@AMBER-STATS call=(\w+) calls=(\d+) restarts=(\d+) forced=(\d+)(?: exports=(\d+))?")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--rate", type=int, default=200, help="per mille, 1..1000")
    parser.add_argument("--accel", choices=["tcg", "kvm"], default="tcg")
    parser.add_argument("--icount", action="store_true", help="deterministic TCG (-icount)")
    parser.add_argument("--suite", action="append")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--fuzzer-calls", type=int, help="calls per run of the fuzzer suite, seeded per iteration")
    args = parser.parse_args()
    suites = [s for s in run_tests.load_suites(args.suite) if s.get("stress")]
    work = [(seed, suite) for seed in range(args.seed, args.seed + args.iterations) for suite in suites]
    print(f"stress campaign: seeds {args.seed}..{args.seed + args.iterations - 1}, rate {args.rate}/1000, "
          f"suites {', '.join(s['name'] for s in suites)}, {args.accel}{' -icount' if args.icount else ''}",
          flush=True)
    if args.icount:
        undetermined = [s["name"] for s in suites if not run_tests.deterministic_under_icount(s)]
        if undetermined:
            print(f"not deterministic under -icount (disk or console input in host time): {', '.join(undetermined)}; "
                  + ("recorded with QEMU record/replay for exact replays, and left out of the summary"
                     if args.accel == "tcg" else "KVM cannot record them"), flush=True)

    forced = collections.Counter()
    recorded_forced = 0
    restarts = collections.Counter()
    exports = collections.Counter()
    failures = []

    def for_seed(suite, seed):
        """The fuzzer suite with its own seed and length, when asked for; other suites as they are."""
        if suite["name"] != "fuzzer" or not args.fuzzer_calls:
            return suite
        # 20,000 calls take well under a minute under TCG; allow ten times that rate's time.
        return dict(suite, start=f"fuzzer:{seed}:{args.fuzzer_calls}",
                    timeout=max(suite.get("timeout", 300), args.fuzzer_calls // 200))

    recorded = args.icount and args.accel == "tcg"
    record_dir = os.path.join(os.path.dirname(__file__), "..", "build", "stress", "recordings")

    def recording(suite, seed):
        if not recorded or run_tests.deterministic_under_icount(suite):
            return None
        os.makedirs(record_dir, exist_ok=True)
        return os.path.abspath(os.path.join(record_dir, f"{suite['name']}-{seed}.rr"))

    def replay_command(suite, seed):
        if recording(suite, seed):
            return (f"make replay SUITE={suite['name']} STRESS={seed},{args.rate} "
                    f"RRFILE={os.path.relpath(recording(suite, seed))}")
        if suite["name"] == "fuzzer" and args.fuzzer_calls:
            return (f"make run CMDLINE='start={for_seed(suite, seed)['start']} stress={seed},{args.rate}' "
                    f"ACCEL={args.accel}")
        return (f"make test-guest SUITE={suite['name']} STRESS={seed},{args.rate} ACCEL={args.accel}"
                + (" ICOUNT=1" if args.icount else ""))

    def run(item):
        seed, suite = item
        suite = for_seed(suite, seed)
        return seed, suite, run_tests.run_suite(suite, args.accel, f"{seed},{args.rate}", icount=args.icount,
                                                record=recording(suite, seed))

    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for seed, suite, result in pool.map(run, work):
            done += 1
            results, problems = guest_checks.check_run(suite, result, "qemu")
            failed_tests = [name for name, ok, _ in results if not ok]
            record = recording(suite, seed)
            for line in result.lines:
                m = STATS.search(line)
                if m and record:
                    recorded_forced += int(m.group(4))  # not deterministic: outside the summary
                elif m:
                    restarts[m.group(1)] += int(m.group(3))
                    forced[m.group(1)] += int(m.group(4))
                    exports[m.group(1)] += int(m.group(5) or 0)
            if record and not (problems or failed_tests):
                for leftover in (record, record + ".console"):
                    if os.path.exists(leftover):
                        os.remove(leftover) # only failures keep their recordings
            if problems or failed_tests:
                replay = replay_command(suite, seed)
                failures.append((seed, suite["name"], "; ".join(problems + failed_tests), replay))
                log = run_tests.write_log("stress", f"{suite['name']}-{seed}", result)
                print(f"FAIL seed {seed} {suite['name']}: {failures[-1][2]} [log: {log}]\n  replay: {replay}",
                      flush=True)
            if done % 10 == 0 or done == len(work):
                print(f"  {done}/{len(work)} runs, {sum(forced.values())} forced restarts so far", flush=True)

    print("\nforced restarts by call (all restarts in parentheses; threads replaced by export stress after them):")
    for call, count in sorted(forced.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {call:<24} {count:>8} ({restarts[call]})" + (f" exports {exports[call]}" if exports[call] else ""))
    print(f"seeds {args.seed}..{args.seed + args.iterations - 1}, rate {args.rate}/1000: {len(work)} runs, "
          f"{sum(forced.values())} forced restarts, {sum(restarts.values())} restarts in all, "
          f"{sum(exports.values())} threads replaced by export stress, "
          f"{len(failures)} failures"
          + (f" (and {recorded_forced} forced restarts in the recorded suites)" if recorded_forced else ""))
    for seed, name, what, replay in failures:
        print(f"  failed: seed {seed} {name}: {what}\n    replay: {replay}")
    print(f"stress: {len(work) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
