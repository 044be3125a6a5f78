#!/usr/bin/env python3
"""`make demo`: boot Amber in QEMU, start the first user program, show it running, power off.

Narrates each step and streams the guest's serial console as it runs.
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import emulators  # noqa: E402


def say(text):
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() else f"\n==> {text}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accel", choices=["tcg", "kvm"], default="tcg")
    args = parser.parse_args()
    cmdline = "start=hello:from:the:demo"
    say(f"Booting the Amber kernel in QEMU ({args.accel.upper()}) with the boot archive of user programs")
    print(f"    kernel: build/amber.elf   archive: build/initrd.tar   command line: {cmdline}")
    say("Serial console of the guest:")
    start = time.monotonic()
    lines = []

    def echo(line):
        print(f"    | {line}", flush=True)
        lines.append(line)
        return False

    run = emulators.run_process(emulators.qemu_command(args.accel, cmdline), timeout=120, silence=60,
                                marks=("entering user mode",), stop_when=echo)
    elapsed = time.monotonic() - start
    if "entering user mode" in run.marks:
        say(f"The first user program reached user mode {run.marks['entering user mode']:.2f} s after QEMU started")
    status = [m.group(1) for m in map(re.compile(r"powering off with status (-?\d+)").search, lines) if m]
    if status and status[-1] == "0" and any("preemptive scheduling works" in line for line in lines):
        say(f"The program ran two spinning threads under preemption and exited; Amber powered off "
            f"(status 0) after {elapsed:.2f} s")
        return 0
    say(f"Demo FAILED: the run ended by {run.ended_by}, exit code {run.exit_code}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
