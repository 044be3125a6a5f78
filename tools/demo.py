#!/usr/bin/env python3
"""`make demo`: a process survives a power-off.

Boots Amber in QEMU with a FAT32 disk; checkpointd starts `counter`, checkpoints it to
counter.img on the disk and powers the machine off. The host then inspects the disk with mtools
and the image with amber-crit. A second, fresh VM boots from the same disk, restores the image, and
the counter goes on: its count continues from where it stopped and its checksum equals what an
uninterrupted run prints at that count (recomputed here). Leaves the disk at build/demo/disk.img.
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import emulators  # noqa: E402

ROOT = emulators.ROOT
DISK = os.path.join(ROOT, "build", "demo", "disk.img")
CRIT = os.path.join(ROOT, "build", "tools", "amber-crit")
COUNTER = re.compile(r"counter: count=(\d+) checksum=([0-9a-f]{16}) (ok|MISMATCH)")
MASK = (1 << 64) - 1


def say(text):
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() else f"\n==> {text}", flush=True)


def mix(x):
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK
    return x ^ (x >> 33)


def expected_checksums(kib, up_to):
    """What userland/programs/counter.cpp prints at each multiple of 50, run without interruption."""
    count_words = kib * 1024 // 8
    words = [0] * count_words
    golden = 0x9E3779B97F4A7C15
    term = lambda i: mix(words[i] ^ ((i * golden) & MASK))  # noqa: E731
    checksum = sum(term(i) for i in range(count_words)) & MASK
    printed = {}
    for count in range(1, up_to + 1):
        index = mix(count) % count_words
        checksum = (checksum - term(index)) & MASK
        words[index] = (words[index] + count) & MASK
        checksum = (checksum + term(index)) & MASK
        if count % 50 == 0:
            printed[count] = f"{checksum:016x}"
    return printed


def boot(accel, script, title):
    say(title)
    cmdline = f"start=checkpointd:--script={script}"
    extra = emulators.disk_args(DISK)
    print(f"    qemu ({accel}) with build/demo/disk.img; kernel command line: {cmdline}")
    lines = []

    def echo(line):
        print(f"    | {line}", flush=True)
        lines.append(line)
        return False

    run = emulators.run_process(emulators.qemu_command(accel, cmdline, memory="512M", extra=extra), timeout=300,
                                silence=120, stop_when=echo)
    powered_off = any("powered the machine off with status 0" in line for line in lines)
    if not powered_off:
        raise SystemExit(f"demo FAILED: the VM ended by {run.ended_by} without powering off")
    return lines


def host(command, title):
    say(title)
    print("    $ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in command))
    result = subprocess.run(command, capture_output=True, text=True)
    for line in (result.stdout + result.stderr).splitlines():
        print(f"    {line}")
    if result.returncode != 0:
        raise SystemExit(f"demo FAILED: {command[0]} exited with {result.returncode}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accel", choices=["tcg", "kvm"], default="tcg")
    args = parser.parse_args()
    os.makedirs(os.path.dirname(DISK), exist_ok=True)
    if os.path.exists(DISK):
        os.remove(DISK)
    host(["mkfs.fat", "-F", "32", "-n", "AMBER", "-C", DISK, str(64 * 1024)], "Making a 64 MiB FAT32 disk")

    first = boot(args.accel, "demo-checkpoint.sh", "First boot: run counter, checkpoint it to the disk, power off")
    before = [m for m in map(COUNTER.search, first) if m]
    if not before or not any("checkpointed process" in line and "counter.img" in line for line in first):
        raise SystemExit("demo FAILED: counter was not checkpointed")
    last = int(before[-1].group(1))

    host(["mdir", "-i", DISK, "::"], "The machine is off. The disk, read on the host with mtools:")
    host([CRIT, "check", f"{DISK}::counter.img"], "The image, checked on the host (magic, version, CRC-32):")
    host([CRIT, "show", f"{DISK}::counter.img"], "... and summarised by amber-crit:")

    second = boot(args.accel, "demo-restore.sh", "Second boot, a fresh VM on the same disk: restore and go on")
    after = [m for m in map(COUNTER.search, second) if m]
    if not after:
        raise SystemExit("demo FAILED: the restored counter printed nothing")
    first_after = int(after[0].group(1))
    expected = expected_checksums(1024, max(int(m.group(1)) for m in after))
    good = all(m.group(3) == "ok" and expected.get(int(m.group(1))) == m.group(2) for m in before + after)
    say(f"Before the power-off the counter last printed count {last}; after the restore it printed "
        f"{first_after} next")
    if first_after != last + 50 or not good:
        raise SystemExit("demo FAILED: the restored counter did not continue where it stopped")
    print(f"    Every count and checksum ({len(before)} before, {len(after)} after) equals what an uninterrupted "
          f"counter prints: the process continued as if nothing happened.")
    print("    The disk image stays at build/demo/disk.img (try: mdir -i build/demo/disk.img ::)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
