#!/usr/bin/env python3
"""`make replay`: record one guest suite with QEMU's record/replay, then replay it exactly.

The recording (-icount shift=auto,rr=record) goes to build/replay/SUITE.rr; the replay runs the
same command with rr=replay and must print the same console (--replay-only --rrfile F: replay a
recording made by `make stress ICOUNT=1`). With --gdb the replay waits for gdb
on :1234 (gdb is started with tools/gdb/amber.gdb), so a failure found by `make stress` can be
stepped through deterministically.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import emulators  # noqa: E402
import run_tests  # noqa: E402


def command(suite, stress, mode, rrfile):
    cmdline = run_tests.suite_cmdline(suite, stress)
    return emulators.record_replay_command(suite, cmdline, mode, rrfile, memory=suite.get("memory", "256M"))[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--stress", help="SEED,RATE")
    parser.add_argument("--gdb", action="store_true")
    parser.add_argument("--replay-only", action="store_true")
    parser.add_argument("--rrfile", help="the recording (default build/replay/SUITE.rr); make stress ICOUNT=1 "
                        "records the suites that -icount cannot make deterministic and names theirs")
    args = parser.parse_args()
    suites = run_tests.load_suites([args.suite])
    if not suites:
        sys.exit(f"no guest suite named {args.suite} (see tests/guest/suites.json)")
    suite = suites[0]
    directory = os.path.join(emulators.ROOT, "build", "replay")
    os.makedirs(directory, exist_ok=True)
    rrfile = args.rrfile or os.path.join(directory, f"{suite['name']}.rr")
    timeout = suite.get("timeout", 120) * 10
    if not args.replay_only:
        print(f"recording {suite['name']} into {os.path.relpath(rrfile, emulators.ROOT)} ...", flush=True)
        recorded = emulators.run_process(command(suite, args.stress, "record", rrfile), timeout, timeout,
                                         input_text=suite.get("input"))
        with open(rrfile + ".console", "w") as f:
            f.write("\n".join(recorded.lines) + "\n")
        print(f"  recorded {len(recorded.lines)} console lines in {recorded.seconds:.1f} s")
    with open(rrfile + ".console") as f:
        expected = f.read().splitlines()
    replay = command(suite, args.stress, "replay", rrfile)
    if args.gdb:
        print("replaying; QEMU waits for gdb on :1234", flush=True)
        qemu = subprocess.Popen(replay + ["-s", "-S"], cwd=emulators.ROOT)
        subprocess.run(["gdb", "-q", "-x", "tools/gdb/amber.gdb"], cwd=emulators.ROOT)
        qemu.kill()
        return 0
    print("replaying ...", flush=True)
    replayed = emulators.run_process(replay, timeout, timeout)
    same = replayed.lines == expected
    print(f"  replayed {len(replayed.lines)} console lines in {replayed.seconds:.1f} s: "
          f"{'identical to the recording' if same else 'DIFFERENT from the recording'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
