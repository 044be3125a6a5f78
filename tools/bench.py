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


CHECKPOINTED = re.compile(r"checkpointed process \d+ \(([\w-]+)\) to (\w+)\.img: .* (\d+) pages written .* (\d+) bytes, "
                          r"frozen ([\d.]+) ms")
RESTORED = re.compile(r"restored ([\w-]+) from (\w+)\.img as process \d+: (\d+) pages in ([\d.]+) ms")


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else 0


def checkpoint_bench(accel):
    """checkpointd with a 1 GiB FAT32 disk: a 1 MiB and a 256 MiB process (zdtm bigmem; 64 MiB under KVM)."""
    disk = os.path.join(emulators.ROOT, "build", "bench-disk.img")
    emulators.make_fat32_image(disk, 1024)
    extra = emulators.disk_args(disk)
    # This machine's /dev/kvm (pvm) runs guests ~1000x slower than TCG: 64 MiB instead of 256 there.
    big = 64 if accel == "kvm" else 256
    lines = []
    for script in ("bench-checkpoint.sh", f"bench-checkpoint-{big}.sh"):
        command = emulators.qemu_command(accel, f"start=checkpointd:--script={script}", memory="1536M", extra=extra)
        lines += emulators.run_process(command, 1800, 900).lines
    dumps = {"small": [], "big": []}
    loads = {"small": [], "big": []}
    for line in lines:
        c = CHECKPOINTED.search(line)
        if c:
            dumps[c.group(2)].append((float(c.group(5)), int(c.group(4)), int(c.group(3))))
        r = RESTORED.search(line)
        if r:
            loads[r.group(2)].append(float(r.group(4)))
    os.remove(disk)
    if not dumps["small"] or not dumps["big"] or not loads["small"] or not loads["big"]:
        sys.exit(f"checkpoint bench under {accel} is incomplete; console:\n" + "\n".join(lines[-30:]))
    rows = ["| process | checkpoint (frozen) ms, median | max | restore ms, median | max | image bytes | "
            "pages written | write rate MB/s | samples |", "|---|---|---|---|---|---|---|---|---|"]
    for name, label in (("small", "zdtm bigmem, 1 MiB"), ("big", f"zdtm bigmem, {big} MiB")):
        times = [d[0] for d in dumps[name][1:] or dumps[name]]  # the first one warms up the code paths
        restore = loads[name][1:] or loads[name]
        size, pages = dumps[name][-1][1], dumps[name][-1][2]
        rate = size / (median(times) / 1000) / 1e6 if median(times) else 0
        rows.append(f"| {label} | {median(times):.1f} | {max(times):.1f} | {median(restore):.1f} | "
                    f"{max(restore):.1f} | {size:,} | {pages:,} | {rate:,.0f} | {len(times)}/{len(restore)} |")
    return "\n".join(rows)


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def checkpoint_main(output, qemu):
    """Checkpoint and restore of a 1 MiB and a 256 MiB process, TCG and KVM, into `output`."""
    checkpoint_tables = []
    for accel in ("tcg", "kvm"):
        checkpoint_tables.append((accel, checkpoint_bench(accel)))
        print(f"checkpoint {accel}: done", flush=True)
    date = datetime.date.today().isoformat()
    text = [f"# Benchmarks: checkpointd\n", f"Produced by `make bench` (tools/bench.py --part checkpoint) on "
            f"{date}: host {cpu_model()}, {os.cpu_count()} cores; {qemu}.\n"]
    text.append("## Checkpoint and restore through the FAT32 disk\n\nThe shell script "
                "`userland/scripts/bench-checkpoint.sh` checkpoints a process six times (`--leave-running`, then "
                "ending it) and restores it five times; times are checkpointd's own, from the TSC: *frozen* is "
                "from stopping the threads until the image is durable on the disk (written to `FILE~`, renamed "
                "over `FILE`, flushed); *restore* from reading the image (checksum pass included) until the "
                "threads run. The first checkpoint and restore warm up the code paths and are left out. The "
                "disk is a raw file on the host (virtio-blk, one request of up to 1 MiB in flight, polled). "
                "CRIU's anchors: a small process dumps in 10-20 ms and restores in 50-70 ms; the goal is <= 5 "
                "ms each, and >= 1 GB/s for the large one. These are wall-clock times inside an emulator on "
                "a shared 2-core machine: other load on the host shows in them.\n")
    for accel, table in checkpoint_tables:
        text.append(f"## {'QEMU TCG' if accel == 'tcg' else 'KVM (kvm_pvm software backend)'}\n\n{table}\n")
    with open(os.path.join(emulators.ROOT, output), "w") as f:
        f.write("\n".join(text))
    print("\n".join(text))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="docs/bench.md")
    parser.add_argument("--checkpoint-output", default="docs/bench-checkpoint.md")
    parser.add_argument("--part", choices=["all", "kernel", "checkpoint"], default="all")
    args = parser.parse_args()
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    if args.part in ("all", "checkpoint"):
        checkpoint_main(args.checkpoint_output, qemu)
    if args.part == "checkpoint":
        return
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
                           ("cow_fault_round_trip", "demand_zero_fault_round_trip", "ipc_round_trip_0B"))
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
            f"around one operation (the cost of an empty rdtsc pair subtracted).\n",
            "Rows: `ipc_round_trip_*` is an idempotent `ipc_call` to an echo server in another space "
            "(`ipc_reply_wait_receive`); `ipc_short_round_trip_32B` the same through the fastpath "
            "(`ipc_call_short` against `ipc_reply_wait_receive_short`: four words in registers each way); "
            "`reliable_rpc_*` a reliable RPC to a server in another space: "
            "`ipc_connect_send_over_receive` against `ipc_server_ack_send_wait_receive` (a connection per "
            "call, ended by the server); `reliable_turn_round_trip_*` one round trip on an open connection: "
            "`ipc_side_ack_send_over_receive` on both sides; `fault_to_keeper_round_trip` a write to a missing "
            "page of a kept region of the bench's space, served by a keeper thread in another space that "
            "maps the page (`memory_allocate`) and replies, until the write has completed.\n"]
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
