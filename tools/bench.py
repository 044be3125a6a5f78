#!/usr/bin/env python3
"""`make bench`: the kernel API micro-benchmarks (tests/bench/bench.cpp), written to docs/bench.md.

Besides calls and IPC round trips it times faults served by the user-level pager: a demand-zero
fault and a copy-on-write fault, each from the faulting write to its successful retry.

Runs the bench program under deterministic TCG (-icount shift=0: one TSC tick per instruction, so
figures are instructions per operation, noise-free on a shared machine) and under KVM (TSC cycles,
median and max of many samples). The restart cost boots a second time with stress=1,1000,p, which
forces a restart at every preemption point: a 1 MiB memory_read then restarts 15 times, and the
extra cost per restart is compared with the whole call.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "harness"))
import emulators  # noqa: E402

LINE = re.compile(r"@@AMBER-BENCH (\w+) samples=(\d+) median=(\d+) min=(\d+) max=(\d+)")
RESTARTS_PER_READ = 15  # 256 pages, a preemption point every 16


TSC = re.compile(r"TSC (\d+) MHz")


def run(accel, arguments, stress=None):
    cmdline = f"start=bench{':' + arguments if arguments else ''}" + (f" stress={stress}" if stress else "")
    result = emulators.run_process(emulators.qemu_command(accel, cmdline, icount=accel == "tcg"), 600, 300)
    figures = {"tsc_mhz": 0}
    for line in result.lines:
        t = TSC.search(line)
        if t:
            figures["tsc_mhz"] = int(t.group(1))
        m = LINE.search(line)
        if m:
            figures[m.group(1)] = {k: int(v) for k, v in zip(("samples", "median", "min", "max"), m.groups()[1:])}
    if "memory_read_1MiB" not in figures:
        sys.exit(f"bench under {accel} produced no figures; console:\n" + "\n".join(result.lines[-20:]))
    return figures


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="docs/bench.md")
    args = parser.parse_args()
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    sections = []
    for accel, unit in (("tcg", "instructions"), ("kvm", "TSC cycles")):
        base = run(accel, "")
        forced = run(accel, "restart", stress="1,1000,p")
        mhz = base.pop("tsc_mhz")
        forced.pop("tsc_mhz")
        with_ns = accel == "kvm" and mhz > 0

        def ns(value):
            return f" | {value * 1000 / mhz:,.0f}" if with_ns else ""

        rows = ["| operation | median | min | max | samples |" + (" median ns | max ns |" if with_ns else ""),
                "|---|---|---|---|---|" + ("---|---|" if with_ns else "")]
        for name, f in base.items():
            rows.append(f"| {name} | {f['median']} | {f['min']} | {f['max']} | {f['samples']}{ns(f['median'])}"
                        f"{ns(f['max'])} |" if with_ns else
                        f"| {name} | {f['median']} | {f['min']} | {f['max']} | {f['samples']} |")
        read = base["memory_read_1MiB"]["median"]
        read_forced = forced["memory_read_1MiB"]["median"]
        per_restart = (read_forced - read) / RESTARTS_PER_READ
        f = forced["memory_read_1MiB"]
        rows.append(f"| memory_read_1MiB with a forced restart at each of its {RESTARTS_PER_READ} preemption "
                    f"points | {f['median']} | {f['min']} | {f['max']} | {f['samples']}"
                    + (f"{ns(f['median'])}{ns(f['max'])} |" if with_ns else " |"))
        noise = base["memory_read_1MiB"]["max"] - base["memory_read_1MiB"]["min"]
        if read_forced - read <= noise and accel != "tcg":
            rows.append(f"\nThe forced restarts of memory_read (1 MiB) change its median by {read_forced - read} "
                        f"{unit}, less than the run-to-run spread of the call itself ({noise}): one restart's "
                        f"cost is not measurable here; see the TCG figure.")
        else:
            rows.append(f"\nOne forced restart of the most expensive call (memory_read of 1 MiB) costs "
                        f"{per_restart:.0f} {unit}: {100 * per_restart / read:.2f} % of the whole call "
                        f"(Fluke: 2-8 %; goal <= 2 %).")
        cow, zero, call = (base.get(n, {}).get("median") for n in
                           ("cow_fault_round_trip", "fault_to_keeper_round_trip", "ipc_round_trip_0B"))
        if cow and zero and call:
            rows.append(f"\nFaults served by the user-level pager (userland/lib/pager.hpp): a write to a "
                        f"copy-on-write page (fault, idempotent call to the keeper, memory_unshare copying "
                        f"the page, reply, retry) costs {cow} {unit}; a demand-zero fault {zero}; an empty "
                        f"IPC round trip between two spaces {call}.")
        sections.append((accel, unit, "\n".join(rows)))
        print(f"{accel}: done", flush=True)

    date = datetime.date.today().isoformat()
    text = [f"# Benchmarks\n", f"Produced by `make bench` (tools/bench.py) on {date}: host {cpu_model()}, "
            f"{os.cpu_count()} cores; {qemu}. Each figure is per operation, measured in the guest with rdtsc "
            f"around one operation (the cost of an empty rdtsc pair subtracted).\n"]
    for accel, unit, table in sections:
        title = ("Deterministic TCG (`-icount shift=0`): instructions per operation" if accel == "tcg" else
                 "KVM: TSC cycles per operation. This machine's /dev/kvm is the `kvm_pvm` software backend: "
                 "kernel code and every kernel entry are far slower than on hardware virtualisation, and "
                 "`syscall` arrives through a page fault (docs/kernel.md). Treat these as upper bounds")
        text.append(f"## {title}\n\n{table}\n")
    with open(os.path.join(emulators.ROOT, args.output), "w") as f:
        f.write("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
