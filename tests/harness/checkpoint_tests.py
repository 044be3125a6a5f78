"""The checkpoint tier of `make test`: checkpointd with a FAT32 disk, across reboots.

Each test boots one or more fresh VMs on one disk image (made with mkfs.fat, inspected and changed
between boots with mtools and amber-crit), drives the shell with a script from the boot archive
(tests/guest/scripts/), and judges the console. A test returns a list of problems (empty: passed).
"""
import json
import os
import random
import re
import shutil
import subprocess

import emulators

ROOT = emulators.ROOT
CRIT = os.path.join(ROOT, "build", "tools", "amber-crit")
COUNTER = re.compile(r"counter: count=(\d+) checksum=([0-9a-f]{16}) (ok|MISMATCH)")


class Disk:
    def __init__(self, directory, name, mib=64):
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, name)
        emulators.make_fat32_image(self.path, mib)

    def read(self, name):
        result = subprocess.run(["mcopy", "-n", "-i", self.path, f"::{name}", "-"], capture_output=True)
        return result.stdout if result.returncode == 0 else None

    def write(self, name, data):
        local = self.path + ".upload"
        with open(local, "wb") as f:
            f.write(data)
        subprocess.run(["mcopy", "-o", "-i", self.path, local, f"::{name}"], check=True, capture_output=True)
        os.remove(local)

    def names(self):
        result = subprocess.run(["mdir", "-b", "-i", self.path, "::"], capture_output=True, text=True)
        return [line.strip().lstrip(":/").lower() for line in result.stdout.splitlines() if line.strip()]


def boot(accel, disk, script, log_name, timeout=300, kill_when=None):
    """Boots checkpointd with the shell running `script`; returns the console lines and the run."""
    cmdline = f"start=checkpointd:--script={script}"
    extra = emulators.disk_args(disk.path)
    lines = []

    def watch(line):
        lines.append(line)
        return kill_when is not None and kill_when(line)

    scale = 2 if accel == "kvm" else 1
    run = emulators.run_process(emulators.qemu_command(accel, cmdline, memory="768M", extra=extra),
                                timeout=timeout * scale, silence=120 * scale, stop_when=watch)
    log_dir = os.path.join(ROOT, "build", "test-logs", f"checkpoint-{accel}")
    os.makedirs(log_dir, exist_ok=True)
    with open(os.path.join(log_dir, f"{log_name}.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines, run


def powered_off(lines):
    return any("powered the machine off with status 0" in line for line in lines)


def common_problems(lines, step):
    problems = []
    if not powered_off(lines):
        problems.append(f"{step}: the VM did not power off cleanly")
    for bad in ("MISMATCH", "FAIL", "panic", "thread \\d+ killed", "wait: failed", "usage:"):
        if any(re.search(bad, line) for line in lines):
            problems.append(f"{step}: console shows '{bad}'")
    return problems


def crit(*arguments):
    return subprocess.run([CRIT, *arguments], capture_output=True, text=True)


def test_reboot(accel, work):
    """Counter and zdtm programs checkpointed to the disk, the VM powered off, a fresh VM restores
    them (the counter twice at once); protoc and amber-crit read the guest's images on the host."""
    disk = Disk(work, "reboot.img")
    first, _ = boot(accel, disk, "cr-disk-1.sh", "reboot-1")
    problems = common_problems(first, "first boot")
    names = disk.names()
    for name in ("counter.img", "blocked.img", "threads.img", "transfer.img"):
        if name not in names:
            problems.append(f"{name} is not on the disk after the first boot ({names})")
    checked = crit("check", f"{disk.path}::counter.img")
    if checked.returncode != 0:
        problems.append(f"amber-crit check: {checked.stdout.strip()} {checked.stderr.strip()}")
    image = disk.read("counter.img")
    decoded = subprocess.run(["protoc", "--decode=amber.image.Image", "-Iimages", "images/amber_image.proto"],
                             input=image or b"", capture_output=True, cwd=ROOT)
    if decoded.returncode != 0 or b"magic: 1380794945" not in decoded.stdout:
        problems.append("protoc --decode cannot read the guest's image")
    second, _ = boot(accel, disk, "cr-disk-2.sh", "reboot-2")
    problems += common_problems(second, "second boot")
    before = [int(m.group(1)) for m in map(COUNTER.search, first) if m]
    after = [int(m.group(1)) for m in map(COUNTER.search, second) if m]
    if not before or not after or after[0] != before[-1] + 50:
        problems.append(f"the counter did not continue across the reboot (last {before[-1:]}, then {after[:1]})")
    for mode in ("blocked", "threads", "transfer"):
        if sum(f"zdtm {mode}: PASS" in line for line in second) != 1:
            problems.append(f"zdtm {mode} did not pass after the reboot")
    return problems


def damaged_images(good):
    """Images refused on restore, each with the words the refusal must contain."""
    truncated = good[: len(good) // 2]
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0x10
    return {
        "trunc.img": (truncated, "truncated|checksum"),
        "flipped.img": (bytes(flipped), "checksum mismatch"),
        "empty.img": (b"", "too short"),
        "text.img": (b"this is not an image at all, just some text on the disk\n" * 4, "truncated|checksum"),
    }


def edited(image, change, work, name):
    """`image` decoded by amber-crit, changed by `change(decoded JSON)` and encoded again (with a
    correct checksum)."""
    source, json_path, out = (os.path.join(work, f"{name}.{ext}") for ext in ("in.img", "json", "img"))
    with open(source, "wb") as f:
        f.write(image)
    decoded = json.loads(crit("decode", source, "--pages").stdout)
    change(decoded)
    with open(json_path, "w") as f:
        json.dump(decoded, f)
    encoded = crit("encode", json_path, out)
    if encoded.returncode != 0:
        raise RuntimeError(f"amber-crit encode: {encoded.stderr}")
    with open(out, "rb") as f:
        return f.read()


def with_version(good, version, work):
    """The good image with another format version."""
    return edited(good, lambda image: image["header"].update(format_version=version), work, "version")


def with_rights(image, old, new, work, name):
    """The image with every reference of rights `old` given rights `new`."""
    def change(decoded):
        references = [r for r in decoded["process"].get("references", []) if r.get("rights", 0) == old]
        if not references:
            raise RuntimeError(f"the image has no reference with rights {old:#x}")
        for reference in references:
            reference["rights"] = new
    return edited(image, change, work, name)


def test_bad_images(accel, work):
    """Truncated, bit-flipped, empty, non-image and wrong-version images are refused with a clear
    message while a counter keeps running, and so is an image whose reference has rights no kernel
    gives; an image whose references have fewer rights restores with exactly those; a process
    checkpointd did not start cannot be checkpointed; then the good image restores."""
    disk = Disk(work, "bad.img")
    first, _ = boot(accel, disk, "cr-disk-make-good.sh", "bad-1")
    problems = common_problems(first, "first boot")
    good = disk.read("good.img")
    if not good:
        return problems + ["the first boot wrote no good.img"]
    expectations = damaged_images(good)
    expectations["version.img"] = (with_version(good, 2, work), "unsupported image format version")
    refs = disk.read("refs.img")
    if not refs:
        return problems + ["the first boot wrote no refs.img"]
    read_only = with_rights(refs, 0x9, 0x1, work, "forged")  # GET_STATE without DUPLICATE: no reference has it
    expectations["forged.img"] = (read_only, "a reference with rights no kernel gives")
    disk.write("lowered.img", with_rights(refs, 0x1f, 0x9, work, "lowered"))
    for name, (data, _) in expectations.items():
        disk.write(name, data)
    second, _ = boot(accel, disk, "cr-disk-bad.sh", "bad-2")
    if not powered_off(second):
        problems.append("second boot: the VM did not power off cleanly")
    for name, (_, words) in expectations.items():
        if not any(re.search(rf"restore: {re.escape(name)}: .*({words}).*nothing was started", line)
                   for line in second):
            problems.append(f"{name} was not refused with a message matching '{words}'")
    if not any(re.search(r"zdtm: reference to object \d+ has rights 0x9, made with 0x1f", line) for line in second):
        problems.append("lowered.img's references were not restored with the image's fewer rights")
    if not any(re.search(r"checkpoint: no process 1\b", line) for line in second):
        problems.append("checkpointing a process checkpointd did not start was not refused")
    if not any("zdtm threads: PASS" in line for line in second):
        problems.append("the good image did not restore and pass after the refusals")
    if not any(COUNTER.search(line) for line in second[-40:]):
        problems.append("the counter stopped running during the refusals")
    return problems


def test_power_cut(accel, work, seed):
    """Power cuts while a new image replaces counter.img: after each, a fresh VM restores
    counter.img (the old or the new one) and it passes its own checksum."""
    rng = random.Random(seed)
    disk = Disk(work, "cut.img")
    first, _ = boot(accel, disk, "cr-disk-cut-1.sh", "cut-0")
    problems = common_problems(first, "first boot")
    for attempt in range(1, 4):
        delay = rng.randint(0, 12)
        seen = {"n": 0}

        def cut(line):
            if "checkpointing again" in line or seen["n"] > 0:
                seen["n"] += 1
            return seen["n"] > delay

        lines, run = boot(accel, disk, "cr-disk-cut-2.sh", f"cut-{attempt}", kill_when=cut)
        if powered_off(lines):
            problems.append(f"cut {attempt}: the VM was not cut (it powered off first)")
        check, _ = boot(accel, disk, "cr-disk-cut-3.sh", f"cut-{attempt}-check")
        problems += common_problems(check, f"after cut {attempt} (seed {seed}, delay {delay} lines)")
        if not any(re.search(r"restored counter from counter.img", line) for line in check):
            problems.append(f"after cut {attempt} (seed {seed}): counter.img did not restore")
    return problems


def run_all(tally, accel, seed=1):
    work = os.path.join(ROOT, "build", "checkpoint-disks", accel)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    tests = [("reboot", lambda: test_reboot(accel, work)), ("bad-images", lambda: test_bad_images(accel, work)),
             ("power-cut", lambda: test_power_cut(accel, work, seed))]
    for name, test in tests:
        problems = test()
        tally.record(f"checkpoint-{accel}/{name}", not problems, "; ".join(problems))
