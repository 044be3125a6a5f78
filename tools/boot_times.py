#!/usr/bin/env python3
"""`make bench-boot`: time from emulator launch to the first user-mode instruction.

The kernel prints "entering user mode" immediately before its first return to user mode; the time
is taken on the host when that line arrives, so it includes the emulator's own start-up. Each
configuration runs several times; the table (median, min, max) is printed as Markdown for
docs/boot.md together with the host CPU and accelerator.
"""
import os
import platform
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import emulators  # noqa: E402

MARK = "entering user mode"
RUNS = int(os.environ.get("RUNS", "5"))


def qemu_iso_command(accel):
    """Boots the GRUB ISO; qboot cannot boot from CD, so this always uses QEMU's SeaBIOS."""
    command = emulators.qemu_command(accel, "unused")
    if "-bios" in command:
        at = command.index("-bios")
        del command[at:at + 2]
    at = command.index("-kernel")
    return command[:at] + ["-cdrom", emulators.ISO]


def measure(name, start):
    times = []
    for _ in range(RUNS):
        run = start()
        if MARK not in run.marks:
            print(f"{name}: did not reach user mode (ended by {run.ended_by})", file=sys.stderr)
            return name, None
        times.append(run.marks[MARK])
    return name, times


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    def qemu(accel, command):
        return lambda: emulators.run_process(command, timeout=120, silence=90, marks=(MARK,),
                                             stop_when=lambda line: MARK in line)

    configurations = [
        ("QEMU TCG, -kernel (PVH)", qemu("tcg", emulators.qemu_command("tcg", "start=hello"))),
        ("QEMU TCG, GRUB ISO", qemu("tcg", qemu_iso_command("tcg"))),
        ("QEMU KVM (pvm), -kernel (PVH) with qboot", qemu("kvm", emulators.qemu_command("kvm", "start=hello"))),
        ("QEMU KVM (pvm), GRUB ISO with SeaBIOS", qemu("kvm", qemu_iso_command("kvm"))),
        ("Bochs 2.7, GRUB ISO", lambda: emulators.run_bochs(os.path.join(emulators.ROOT, "build", "bochs-bench"),
                                                            timeout=300, marks=(MARK,))),
    ]
    qemu_version = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"Host: {cpu_model()}, {os.cpu_count()} cores; {qemu_version}; {RUNS} runs each\n")
    print("| Configuration | median | min | max |")
    print("|---|---|---|---|")
    for name, start in configurations:
        _, times = measure(name, start)
        if times is None:
            print(f"| {name} | failed | | |")
        else:
            print(f"| {name} | {statistics.median(times):.2f} s | {min(times):.2f} s | {max(times):.2f} s |", flush=True)


if __name__ == "__main__":
    main()
