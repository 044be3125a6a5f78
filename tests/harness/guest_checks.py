"""Judging a guest run: the @@AMBER-TEST protocol, expected lines, panics and power-off status."""
import re

POWEROFF = re.compile(r"\[amber\] (?:all processes have exited; powering off|.* powered the machine off) "
                      r"with status (-?\d+)")
PANIC = "KERNEL PANIC"
TEST_LINE = re.compile(r"@@AMBER-TEST (\S+)(?: (.*))?$")


def qemu_exit_code(status):
    """QEMU's isa-debug-exit turns a written value v into the exit code (v << 1) | 1."""
    return ((status << 1) | 1) & 0xFF


def check_run(suite, run, emulator):
    """Returns (results, problems): results is [(test name, passed, detail)] for each guest test
    reported; problems lists what is wrong with the run as a whole (empty if nothing)."""
    problems = []
    lines = run.lines
    panic_lines = [line for line in lines if PANIC in line]
    expected_panic = suite.get("panic")
    if run.ended_by == "timeout":
        problems.append(f"timed out after {run.seconds:.0f} s")
    elif run.ended_by == "silence":
        problems.append(f"the guest fell silent (no output for a while) after {run.seconds:.0f} s")

    if expected_panic is not None:
        if not any(expected_panic in line for line in panic_lines):
            problems.append(f"expected the kernel panic '{expected_panic}', saw: {panic_lines or 'none'}")
    else:
        if panic_lines:
            problems.append(f"kernel panic: {panic_lines[0]}")
        statuses = [int(m.group(1)) for m in map(POWEROFF.search, lines) if m]
        if not statuses:
            if run.ended_by == "exit" and not panic_lines:
                problems.append("the emulator exited without a kernel power-off (triple fault or reset?)")
        elif statuses[-1] != suite.get("status", 0):
            problems.append(f"power-off status {statuses[-1]}, expected {suite.get('status', 0)}")
        elif emulator == "qemu" and run.exit_code != qemu_exit_code(statuses[-1]):
            problems.append(f"QEMU exit code {run.exit_code}, expected {qemu_exit_code(statuses[-1])}")

    position = 0
    for pattern in suite.get("expect", []):
        regex = re.compile(pattern)
        for i in range(position, len(lines)):
            if regex.search(lines[i]):
                position = i + 1
                break
        else:
            problems.append(f"no line (after line {position}) matches /{pattern}/")
    for pattern in suite.get("expect_any_order", []):
        if not any(re.search(pattern, line) for line in lines):
            problems.append(f"no line matches /{pattern}/")
    for pattern in suite.get("reject", []):
        bad = [line for line in lines if re.search(pattern, line)]
        if bad:
            problems.append(f"line matches forbidden /{pattern}/: {bad[0]}")

    for check in suite.get("disk_expect", []):
        problems.extend(check_disk(run.disk_image, check["sector"], check["text"]))

    results = []
    if suite.get("tests"):
        results, protocol_problems = check_test_protocol(lines)
        problems.extend(protocol_problems)
    return results, problems


def check_disk(image, sector, text):
    """The suite's disk image must hold `text` at the start of `sector` (512-byte sectors)."""
    if image is None:
        return ['disk_expect needs a disk (the suite has no "disk")']
    with open(image, "rb") as f:
        f.seek(sector * 512)
        found = f.read(len(text.encode()))
    if found != text.encode():
        return [f"the disk image has {found!r} at sector {sector}, expected {text!r}"]
    return []


def check_test_protocol(lines):
    registered = None
    done = None
    order = []
    outcome = {}
    details = {}
    problems = []
    for line in lines:
        m = TEST_LINE.search(line)
        if not m:
            continue
        verb, rest = m.group(1), m.group(2) or ""
        if verb.startswith("suite=") and "registered=" in line:
            registered = int(re.search(r"registered=(\d+)", line).group(1))
        elif verb == "begin":
            order.append(rest)
            outcome.setdefault(rest, None)
        elif verb == "pass":
            if outcome.get(rest) is None:
                outcome[rest] = True
        elif verb == "fail":
            name = rest.split(":", 1)[0]
            outcome[name] = False
            details.setdefault(name, []).append(rest.split(":", 1)[1].strip() if ":" in rest else "")
        elif verb == "done":
            done = dict(re.findall(r"(\w+)=(\d+)", rest))
    if registered is None:
        problems.append("the test program never reported how many tests it registered")
    elif len(order) != registered:
        problems.append(f"{registered} tests registered but {len(order)} ran")
    if done is None:
        problems.append("the test program never reported that it was done")
    results = []
    for name in order:
        passed = outcome.get(name)
        if passed is None:
            results.append((name, False, "started but reported no result"))
        else:
            results.append((name, passed, "; ".join(details.get(name, []))))
    if done is not None:
        passed_count = sum(1 for _, ok, _ in results if ok)
        if int(done.get("passed", -1)) != passed_count:
            problems.append(f"the program says {done.get('passed')} passed, the harness counted {passed_count}")
    return results, problems
