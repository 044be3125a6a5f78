#!/usr/bin/env python3
"""`make test`: every test tier, one verdict.

Tiers: format (clang-format), docs (tables in docs/ agree with uapi/, tests/harness/doc_checks.py), host (Boost.Test: kernel unit tests and amber-crit tests), fuzz (a
short bounded libFuzzer run of the image checker), guest (suites in tests/guest/suites.json under
QEMU with --accel), checkpoint (checkpointd with a FAT32 disk across reboots,
tests/harness/checkpoint_tests.py), bochs (the GRUB ISO boots to user mode in Bochs; with a FAT32
disk as its primary ATA master, checkpointd writes an image there). Prints one line per test, logs
under build/test-logs/, and ends with the line `N passed, M failed`; exits non-zero on any failure.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import emulators  # noqa: E402
import checkpoint_tests  # noqa: E402
import guest_checks  # noqa: E402
import doc_checks  # noqa: E402

ROOT = emulators.ROOT
SOURCE_DIRS = ["kernel", "uapi", "userland", "tests", "checkpointd", "migrated"]
SOURCE_EXTENSIONS = (".cpp", ".hpp", ".h", ".cc")


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def record(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)


def tier_format(tally):
    files = sorted(path for d in SOURCE_DIRS for path in glob.glob(os.path.join(ROOT, d, "**", "*"), recursive=True)
                   if path.endswith(SOURCE_EXTENSIONS))
    result = subprocess.run(["clang-format", "--dry-run", "--Werror", *files], cwd=ROOT,
                            capture_output=True, text=True)
    offenders = sorted(set(re.findall(r"^(\S+?):\d+:\d+: error", result.stderr, re.M)))
    detail = ""
    if result.returncode != 0:
        shown = ", ".join(os.path.relpath(f, ROOT) for f in offenders[:10])
        detail = f"not clang-formatted: {shown or result.stderr.strip()[:300]} (run `make format`)"
    tally.record(f"format/clang-format ({len(files)} files)", result.returncode == 0, detail)


def run_boost(tally, name, binary, environment):
    """Runs one Boost.Test binary and counts each of its test cases."""
    if not os.path.exists(binary):
        tally.record(f"host/{name}", False, f"{os.path.relpath(binary, ROOT)} is not built (make)")
        return
    result = subprocess.run([binary, "--report_level=short", "--color_output=no", "--log_level=error"],
                            cwd=ROOT, capture_output=True, text=True, env=environment)
    output = result.stdout + result.stderr
    sys.stdout.write("".join(line + "\n" for line in output.splitlines() if "error" in line.lower()))
    passed = re.search(r"(\d+) test cases? out of (\d+) passed", output)
    failed = re.search(r"(\d+) test cases? out of (\d+) failed", output)
    if passed is None and failed is None:
        tally.record(f"host/{name}", False, f"no Boost.Test summary (exit {result.returncode})")
        return
    total = int((passed or failed).group(2))
    failed_count = int(failed.group(1)) if failed else total - int(passed.group(1))
    print(f"host: {name}: {total - failed_count} of {total} Boost.Test cases passed", flush=True)
    tally.passed += total - failed_count
    tally.failed += failed_count
    if failed_count or result.returncode != 0:
        tally.failures.append(f"host/{name}")
        if failed_count == 0:
            tally.record(f"host/{name} exit status", False, f"exit {result.returncode}")


def tier_host(tally):
    build = os.path.join(ROOT, "build")
    environment = dict(os.environ, AMBER_USER_BIN_DIR=os.path.join(build, "user", "bin"),
                       AMBER_CRIT=os.path.join(build, "tools", "amber-crit"))
    run_boost(tally, "unit_tests", os.path.join(build, "host", "unit_tests"), environment)
    run_boost(tally, "crit_tests", os.path.join(build, "host", "crit_tests"), environment)


def tier_fuzz(tally, runs=20000):
    """A short, bounded, reproducible libFuzzer run of the image checker from the seed corpus (in a
    fresh corpus directory); a crash, sanitizer report or timeout fails it. `make fuzz` runs long."""
    fuzz = os.path.join(ROOT, "build", "fuzz")
    if not os.path.exists(os.path.join(fuzz, "image_fuzzer")):
        tally.record("fuzz/image_fuzzer", False, "build/fuzz/image_fuzzer is not built (make test builds it)")
        return
    corpus = os.path.join(fuzz, "test-corpus")
    shutil.rmtree(corpus, ignore_errors=True)
    os.makedirs(corpus)
    os.makedirs(os.path.join(fuzz, "artifacts"), exist_ok=True)
    command = [os.path.join(fuzz, "image_fuzzer"), "-seed=1", f"-runs={runs}", "-max_total_time=120",
               "-print_final_stats=1", f"-artifact_prefix={os.path.join(fuzz, 'artifacts')}/", corpus,
               os.path.join(fuzz, "seeds")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    log = os.path.join(ROOT, "build", "test-logs", "fuzz", "image_fuzzer.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "w") as f:
        f.write(result.stdout + result.stderr)
    executed = re.search(r"stat::number_of_executed_units: (\d+)", result.stderr)
    ok = result.returncode == 0 and executed is not None and int(executed.group(1)) >= runs
    detail = "" if ok else f"exit {result.returncode} [log: {os.path.relpath(log, ROOT)}]"
    tally.record(f"fuzz/image_fuzzer ({executed.group(1) if executed else 0} runs)", ok, detail)


def write_log(kind, name, run):
    directory = os.path.join(ROOT, "build", "test-logs", kind)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{name}.log")
    with open(path, "w") as f:
        f.write("\n".join(run.lines) + "\n")
    return os.path.relpath(path, ROOT)


def report_guest(tally, prefix, suite, run, emulator):
    results, problems = guest_checks.check_run(suite, run, emulator)
    log = write_log(prefix.replace("/", "-"), suite["name"], run)
    for test, ok, detail in results:
        tally.record(f"{prefix}/{suite['name']}/{test}", ok, detail)
    name = f"{prefix}/{suite['name']}" + (" (boot, protocol and power-off)" if suite.get("tests") else "")
    tally.record(name, not problems, "; ".join(problems) + (f" [log: {log}]" if problems else ""))
    if problems or any(not ok for _, ok, _ in results):
        print("  last console lines:\n    " + "\n    ".join(run.lines[-25:]), flush=True)


def load_suites(only=None):
    with open(os.path.join(ROOT, "tests", "guest", "suites.json")) as f:
        suites = json.load(f)["suites"]
    return [s for s in suites if not only or s["name"] in only]


def for_accel(suite, accel):
    """The suite with its settings for this accelerator (a suite's "kvm" entry overrides keys)."""
    return {**suite, **suite.get(accel, {})}


def deterministic_under_icount(suite):
    """False for suites whose run depends on host timing even under -icount: disk I/O completes and
    typed console input arrives in host time. `make stress ICOUNT=1` records those instead."""
    return not suite.get("disk") and not suite.get("input")


def suite_cmdline(suite, stress=None):
    """The kernel command line of a suite's run (one spelling: a recording replays only with the same)."""
    return " ".join(part for part in (f"start={suite['start']}", suite.get("cmdline", ""),
                                      f"stress={stress}" if stress else "") if part)


def run_suite(suite, accel, stress=None, icount=False, record=None):
    """Boots one suite; `stress` is "SEED,RATE" or None; `record`: record the run into that file
    with QEMU record/replay (TCG; its console goes to FILE.console), for an exact replay."""
    suite = for_accel(suite, accel)
    cmdline = suite_cmdline(suite, stress)
    scale = (2 if accel == "kvm" else 1) * (3 if stress else 1)
    tag = accel + (f"-stress{stress.replace(',', '-')}" if stress else "") + ("-icount" if icount else "")
    if record is not None:
        command, disk_image = emulators.record_replay_command(suite, cmdline.strip(), "record", record,
                                                              memory=suite.get("memory", "256M"))
        run = emulators.run_process(command, suite.get("timeout", 120) * scale * 5, 60 * scale * 5,
                                    input_text=suite.get("input"))
        run.disk_image = disk_image
        with open(record + ".console", "w") as f:
            f.write("\n".join(run.lines) + "\n")
        return run
    devices, disk_image = emulators.suite_devices(suite, tag)
    run = emulators.run_qemu(accel, cmdline.strip(), timeout=suite.get("timeout", 120) * scale,
                             silence=60 * scale, icount=icount, extra=devices, input_text=suite.get("input"),
                             memory=suite.get("memory", "256M"))
    run.disk_image = disk_image
    return run


def tier_guest(tally, accel, only, jobs, stress_seed, stress=None, icount=False):
    """Every suite; then the suites marked "stress" again under forced restarts (seed printed).
    With `stress` ("SEED,RATE"), only that: the selected suites under that stress."""
    suites = load_suites(only)
    if stress:
        runs = [(suite, stress) for suite in suites]
    else:
        runs = [(suite, None) for suite in suites]
        runs += [(suite, f"{stress_seed},200") for suite in suites if for_accel(suite, accel).get("stress")]
    if any(stress for _, stress in runs):
        print(f"guest stress runs use stress={stress_seed},200 (replay one: make test-guest SUITE=NAME "
              f"STRESS={stress_seed},200)", flush=True)

    def run(item):
        suite, stress = item
        return suite, stress, run_suite(suite, accel, stress, icount)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for suite, stress, result in pool.map(run, runs):
            prefix = f"guest-{accel}" + (f"-stress{stress.split(',')[0]}" if stress else "")
            report_guest(tally, prefix, for_accel(suite, accel), result, "qemu")


def tier_bochs(tally):
    suite = {"name": "boot-to-user-mode", "status": 0,
             "expect": ["booted by multiboot2", "entering user mode", "hello from user mode",
                        "preemptive scheduling works"]}
    run = emulators.run_bochs(os.path.join(ROOT, "build", "bochs-test"), timeout=300)
    report_guest(tally, "bochs", suite, run, "bochs")
    # With a FAT32 disk as the primary ATA master, GRUB boots checkpointd, whose blkd drives it.
    workdir = os.path.join(ROOT, "build", "bochs-ata")
    disk = checkpoint_tests.Disk(workdir, "disk.img")
    suite = {"name": "checkpointd-ata-disk", "status": 0,
             "expect": ["blkd: ATA disk of 64 MiB", "checkpointd: images on the FAT32 disk",
                        r"checkpointed process \d+ \(counter\) to bochs.img", r"\d+  bochs.img"]}
    run = emulators.run_bochs(workdir, timeout=900, disk=disk.path)
    report_guest(tally, "bochs", suite, run, "bochs")
    tally.record("bochs/checkpointd-ata-disk/image-on-the-disk", "bochs.img" in disk.names(), "mdir lacks bochs.img")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accel", choices=["tcg", "kvm"], default="tcg")
    parser.add_argument("--tiers", default="format,docs,host,fuzz,guest,checkpoint,bochs")
    parser.add_argument("--suite", action="append", help="run only this guest suite (repeatable)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--stress-seed", type=int, default=1, help="seed of the guest stress runs")
    parser.add_argument("--stress", help="SEED,RATE: run the selected guest suites only under this stress")
    parser.add_argument("--icount", action="store_true", help="deterministic TCG (-icount)")
    args = parser.parse_args()
    tally = Tally()
    tiers = args.tiers.split(",")
    if "format" in tiers:
        tier_format(tally)
    if "docs" in tiers:
        doc_checks.tier_docs(tally)
    if "host" in tiers:
        tier_host(tally)
    if "fuzz" in tiers:
        tier_fuzz(tally)
    if "guest" in tiers:
        tier_guest(tally, args.accel, args.suite, args.jobs, args.stress_seed, args.stress, args.icount)
    if "checkpoint" in tiers:
        checkpoint_tests.run_all(tally, args.accel, args.stress_seed)
    if "bochs" in tiers:
        tier_bochs(tally)
    if tally.failures:
        print("failed: " + ", ".join(tally.failures))
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
