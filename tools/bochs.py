#!/usr/bin/env python3
"""`make bochs`: boot the GRUB ISO in Bochs 2.7 (headless) and print its serial console.

Bochs's RFB display keeps it headless; the console is COM1 written to build/bochs/com1.txt. Bochs
ends when the kernel powers off (its shutdown port), or after the timeout.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import emulators  # noqa: E402

workdir = os.path.join(emulators.ROOT, "build", "bochs")
print(f"Booting build/amber.iso in Bochs (serial console: {os.path.relpath(workdir, emulators.ROOT)}/com1.txt)")
run = emulators.run_bochs(workdir, timeout=300, marks=("entering user mode",))
for line in run.lines:
    print(f"    | {line}")
print(f"Bochs ended ({run.ended_by}) after {run.seconds:.1f} s" +
      (f"; user mode reached at {run.marks['entering user mode']:.2f} s" if "entering user mode" in run.marks else ""))
sys.exit(0 if any("powering off with status 0" in line for line in run.lines) else 1)
