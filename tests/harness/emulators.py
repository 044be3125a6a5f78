"""Starting Amber under QEMU (TCG or KVM) and Bochs, and reading its serial console.

Every run is bounded: an overall timeout, and a silence timeout that ends a guest which stops
printing. The caller gets the console lines, the exit code and why the run ended.
"""
import os
import select
import subprocess
import time
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KERNEL = os.path.join(ROOT, "build", "amber.elf")
INITRD = os.path.join(ROOT, "build", "initrd.tar")
ISO = os.path.join(ROOT, "build", "amber.iso")


@dataclass
class Run:
    lines: list = field(default_factory=list)  # console lines, without line ends
    exit_code: int | None = None
    ended_by: str = "exit"  # exit | timeout | silence
    seconds: float = 0.0
    marks: dict = field(default_factory=dict)  # first time (s since launch) a marker line was seen
    disk_image: str | None = None  # the suite's scratch disk, for checks after the run


# A guest that wants console input prints this line; the harness then types the suite's "input".
INPUT_MARKER = "@@AMBER-READY-FOR-INPUT"
DISK_DIR = os.path.join(ROOT, "build", "test-disks")


def disk_args(image, ide=False):
    """QEMU arguments attaching a raw disk image as a virtio-blk PCI disk, or as the primary IDE master."""
    device = "ide-hd,drive=disk0,bus=ide.0,unit=0" if ide else "virtio-blk-pci,drive=disk0"
    return ["-drive", f"file={image},if=none,id=disk0,format=raw", "-device", device]


def make_fat32_image(path, mib):
    """A fresh FAT32 disk image of `mib` MiB, made by mkfs.fat (volume label AMBER)."""
    if os.path.exists(path):
        os.remove(path)
    subprocess.run(["mkfs.fat", "-F", "32", "-n", "AMBER", "-C", path, str(mib * 1024)], check=True,
                   capture_output=True)


def suite_devices(suite, tag, record_replay=False):
    """QEMU arguments for the devices a suite asks for, and the path of its disk image (or None).

    "disk": N attaches a fresh zeroed raw image of N MiB (build/test-disks/NAME-TAG.img, made anew
    for every run) as a virtio-blk PCI disk, or with "disk_interface": "ide" as the primary IDE
    master. Under record/replay the disk goes through blkreplay."""
    if not suite.get("disk"):
        return [], None
    os.makedirs(DISK_DIR, exist_ok=True)
    image = os.path.join(DISK_DIR, f"{suite['name']}-{tag}.img")
    with open(image, "wb") as f:
        f.truncate(int(suite["disk"]) << 20)
    args = disk_args(image, ide=suite.get("disk_interface") == "ide")
    if record_replay:
        args[:2] = ["-drive", f"file={image},if=none,id=disk-direct,format=raw",
                    "-drive", "driver=blkreplay,if=none,image=disk-direct,id=disk0"]
    return args, image


# Deterministic TCG: one virtual nanosecond per instruction, virtual clock, fixed RTC.
ICOUNT_ARGS = ["-icount", "shift=0,sleep=off,align=off", "-rtc", "base=2020-01-01T00:00:00,clock=vm"]


def qemu_command(accel, cmdline, memory="256M", extra=(), icount=False):
    if icount and accel != "tcg":
        raise ValueError("-icount needs TCG")
    if accel == "kvm":
        accel_args = ["-accel", "kvm", "-cpu", "host,-arch-capabilities", "-bios", "/usr/share/qemu/qboot.rom"]
    else:
        accel_args = ["-accel", "tcg", "-cpu", "qemu64"]
    return ["qemu-system-x86_64", "-machine", "pc", "-m", memory, "-no-reboot", "-display", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", *accel_args,
            "-serial", "stdio", "-monitor", "none",
            "-kernel", KERNEL, "-initrd", INITRD, "-append", cmdline, *(ICOUNT_ARGS if icount else []), *extra]


def record_replay_command(suite, cmdline, mode, rrfile, memory="256M"):
    """QEMU (TCG) recording (mode "record") or replaying ("replay") a suite's run into/from `rrfile`,
    with QEMU's record/replay: a run that depends on host timing (disk, console input) replays
    exactly. The suite's disk (one per recording) is made afresh (zeroed) for both, through blkreplay.
    Returns the command and the disk image's path (or None)."""
    devices, image = suite_devices(suite, "replay-" + os.path.basename(rrfile), record_replay=True)
    return qemu_command("tcg", cmdline, memory=memory, extra=devices) + [
        "-icount", f"shift=auto,rr={mode},rrfile={rrfile}", "-rtc", "base=2020-01-01T00:00:00,clock=vm"], image


def run_process(command, timeout, silence, marks=(), stop_when=None, input_text=None):
    """Runs `command`, collecting stdout lines; kills it on timeout or silence. With `input_text`
    (a string, or a list of them), types it on the process's stdin (the guest's serial console)
    when a line shows INPUT_MARKER: the first string at the first such line, and so on."""
    run = Run()
    pending_input = [input_text] if isinstance(input_text, str) else list(input_text or [])
    start = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.PIPE if input_text else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    buffer = b""
    last_output = start
    try:
        while True:
            now = time.monotonic()
            if now - start > timeout:
                run.ended_by = "timeout"
                break
            if now - last_output > silence:
                run.ended_by = "silence"
                break
            ready, _, _ = select.select([process.stdout], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            last_output = time.monotonic()
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode("utf-8", "replace").rstrip("\r")
                run.lines.append(text)
                for mark in marks:
                    if mark in text and mark not in run.marks:
                        run.marks[mark] = last_output - start
                if pending_input and INPUT_MARKER in text:
                    process.stdin.write(pending_input.pop(0).encode())
                    process.stdin.flush()
                if stop_when is not None and stop_when(text):
                    run.ended_by = "stopped"
                    break
            if run.ended_by == "stopped":
                break
    finally:
        if buffer:
            run.lines.append(buffer.decode("utf-8", "replace").rstrip("\r"))
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdin is not None:
            process.stdin.close()
        run.exit_code = process.returncode
        run.seconds = time.monotonic() - start
    return run


def run_qemu(accel, cmdline, timeout=120, silence=60, marks=(), icount=False, extra=(), input_text=None,
             memory="256M"):
    return run_process(qemu_command(accel, cmdline, memory=memory, extra=extra, icount=icount), timeout, silence,
                       marks, input_text=input_text)


BOCHSRC = """\
megs: 128
cpu: count=1, ips=20000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
{drives}boot: cdrom
com1: enabled=1, mode=file, dev={serial}
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
clock: sync=none, time0=local
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
"""


def bochs_drives(disk):
    """The CD-ROM on the primary master, or with a raw `disk` image that as the primary master and
    the CD-ROM on the secondary one (GRUB's menu then boots its disk entry)."""
    if disk is None:
        return f"ata0-master: type=cdrom, path={ISO}, status=inserted\n"
    return (f"ata0-master: type=disk, path={disk}, mode=flat\n"
            "ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15\n"
            f"ata1-master: type=cdrom, path={ISO}, status=inserted\n")


def run_bochs(workdir, timeout=180, marks=(), disk=None):
    """Boots the GRUB ISO in Bochs (headless through its RFB display); console from COM1's file."""
    os.makedirs(workdir, exist_ok=True)
    serial = os.path.join(workdir, "com1.txt")
    rc = os.path.join(workdir, "bochsrc")
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(drives=bochs_drives(disk), serial=serial, log=os.path.join(workdir, "bochs.log")))
    with open(os.path.join(workdir, "continue.rc"), "w") as f:
        f.write("c\nq\n")
    if os.path.exists(serial):
        os.remove(serial)
    command = ["bochs", "-q", "-f", rc, "-rc", os.path.join(workdir, "continue.rc")]
    run = Run()
    start = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=workdir)
    seen = 0

    def read_console(elapsed):
        nonlocal seen
        if not os.path.exists(serial):
            return
        with open(serial, "rb") as f:
            text = f.read().decode("utf-8", "replace").replace("\r", "")
        lines = text.split("\n")
        for line in lines[seen:-1]:
            for mark in marks:
                if mark in line and mark not in run.marks:
                    run.marks[mark] = elapsed
        seen = max(seen, len(lines) - 1)
        run.lines = lines[:-1] + ([lines[-1]] if lines[-1] else [])

    try:
        while True:
            elapsed = time.monotonic() - start
            read_console(elapsed)
            if process.poll() is not None:
                read_console(time.monotonic() - start)
                break
            if elapsed > timeout:
                run.ended_by = "timeout"
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        run.exit_code = process.returncode
        run.seconds = time.monotonic() - start
    return run
