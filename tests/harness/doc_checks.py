"""The docs tier: tables that docs copy by hand from `uapi/` must agree with it.

`uapi/` is the single source of the ABI. docs/abi.md and docs/ipc.md repeat parts of it for a reader:
the system-call tables (number and name), the status-code table, and the list of handle rights. Each
check here reads the header and the doc and reports every disagreement, so a renumbered call or a
new status code cannot leave the docs behind unnoticed. The same holds for docs/restart.md's list
of every field of kernel state: a field added to a kernel object without saying how user space sees
it (or why it need not) fails here.
"""
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SYSCALLS_DEF = "uapi/amber/syscalls.def"
STATUS_H = "uapi/amber/status.h"
OBJECTS_H = "uapi/amber/objects.h"
# Docs whose tables list calls as `| number | `name` | ...`.
CALL_TABLE_DOCS = ["docs/abi.md", "docs/ipc.md"]
ABI_DOC = "docs/abi.md"
RESTART_DOC = "docs/restart.md"
KERNEL_OBJECT_HEADERS = ["kernel/core/object.hpp", "kernel/core/thread.hpp", "kernel/core/objects.hpp",
                         "kernel/core/machine.hpp"]
STATE_SECTION = "## Kernel state, field by field"


def read(relative):
    with open(os.path.join(ROOT, relative), encoding="utf-8") as f:
        return f.read()


def syscalls():
    """{name: number} from the X-macro table."""
    table = {}
    for number, name in re.findall(r"^AMBER_SYSCALL\(\s*(\d+)\s*,\s*(\w+)\s*,", read(SYSCALLS_DEF), re.M):
        table[name] = int(number)
    return table


def status_codes():
    """[(value, name)] in the order of AMBER_STATUS_LIST."""
    return [(int(value), name) for name, value in re.findall(r"X\((\w+),\s*(\d+),", read(STATUS_H))]


def rights():
    """The names of the AMBER_RIGHT_* bits (without the prefix)."""
    return set(re.findall(r"^#define AMBER_RIGHT_(\w+)\s+\(1u << \d+\)", read(OBJECTS_H), re.M))


def doc_call_rows(text):
    """[(line number, number, name)] of the rows `| N | `name` |` of every table whose header begins
    `| # | call |`."""
    rows = []
    in_call_table = False
    for line_number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            in_call_table = False
            continue
        if re.match(r"^\|\s*#\s*\|\s*call\s*\|", line):
            in_call_table = True
            continue
        row = re.match(r"^\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|", line)
        if in_call_table and row:
            rows.append((line_number, int(row.group(1)), row.group(2)))
    return rows


def check_call_tables():
    """Every call is documented with its own number, in one of the call-table docs, and every
    documented row names a real call by its real number. Returns a list of problems."""
    table = syscalls()
    problems = []
    documented = {}
    for doc in CALL_TABLE_DOCS:
        for line, number, name in doc_call_rows(read(doc)):
            if name not in table:
                problems.append(f"{doc}:{line}: `{name}` ({number}) is not in {SYSCALLS_DEF}")
            elif table[name] != number:
                problems.append(f"{doc}:{line}: `{name}` is numbered {number}; {SYSCALLS_DEF} says {table[name]}")
            documented.setdefault(name, []).append(f"{doc}:{line}")
    for name, number in sorted(table.items(), key=lambda item: item[1]):
        if name not in documented:
            problems.append(f"call {number} `{name}` is in no call table of {', '.join(CALL_TABLE_DOCS)}")
    return problems


def check_status_table():
    """docs/abi.md's status table lists exactly AMBER_STATUS_LIST, in order."""
    text = read(ABI_DOC)
    section = re.search(r"^## Status codes\n(.*?)(?=^## )", text, re.M | re.S)
    if section is None:
        return [f"{ABI_DOC}: no '## Status codes' section"]
    rows = [(int(value), name) for value, name in re.findall(r"^\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|", section.group(1), re.M)]
    expected = status_codes()
    if rows == expected:
        return []
    problems = []
    for value, name in sorted(set(expected) - set(rows)):
        problems.append(f"{ABI_DOC}: status {value} `{name}` of {STATUS_H} is missing or numbered otherwise")
    for value, name in sorted(set(rows) - set(expected)):
        problems.append(f"{ABI_DOC}: status row {value} `{name}` is not in {STATUS_H}")
    if not problems:
        problems.append(f"{ABI_DOC}: status rows are not in the order of {STATUS_H}")
    return problems


def check_rights():
    """docs/abi.md's sentence listing the rights a handle carries names exactly the AMBER_RIGHT_* bits."""
    text = read(ABI_DOC)
    sentence = re.search(r"carries rights, checked once at lookup:(.*?)\.\s", text, re.S)
    if sentence is None:
        return [f"{ABI_DOC}: no sentence 'carries rights, checked once at lookup: ...'"]
    named = set(re.findall(r"`([A-Z_]+)`", sentence.group(1)))
    expected = rights()
    problems = [f"{ABI_DOC}: right `{name}` of {OBJECTS_H} is not listed" for name in sorted(expected - named)]
    problems += [f"{ABI_DOC}: lists right `{name}`, which {OBJECTS_H} does not define" for name in sorted(named - expected)]
    return problems


DECLARATION = re.compile(r"^(?!return\b|using\b|friend\b|static\b|enum\b|class\b|struct\b|typedef\b)"
                         r"[\w:<>\s\*&]+?[\s\*&](\w+)\s*(\[[^\]]*\])?\s*(=[^;,]*|\{[^;]*\})?\s*([,;].*)$")


def declared_names(line):
    """The names a data-member declaration line declares (`uint64_t a = 0, b = 0;` gives a and b)."""
    match = DECLARATION.match(line.strip())
    if match is None or not line.strip().endswith(";"):
        return []
    names = [match.group(1)]
    for declarator in match.group(4).strip(",; ").split(","):
        more = re.match(r"^\s*(\w+)\s*(=.*)?$", declarator)
        if declarator.strip() and more:
            names.append(more.group(1))
    return names


def class_fields(text):
    """{class: [field]} for every class or struct whose body opens on its declaration line: the data
    members declared directly in its body (not in nested types or function bodies)."""
    fields = {}
    lines = [line.split("//")[0] for line in text.splitlines()]
    index = 0
    while index < len(lines):
        opening = re.match(r"^\s*(?:class|struct)\s+(\w+)[^;{]*\{\s*$", lines[index])
        index += 1
        if opening is None:
            continue
        name, depth, members = opening.group(1), 1, []
        while index < len(lines) and depth > 0:
            line = lines[index]
            index += 1
            if depth == 1 and "(" not in line and not re.match(r"^\s*(public|private|protected):", line):
                members += declared_names(line)
            depth += line.count("{") - line.count("}")
        fields[name] = members
    return fields


def check_state_inventory():
    """docs/restart.md's table lists exactly the fields of the kernel object classes."""
    text = read(RESTART_DOC)
    section = re.search(re.escape(STATE_SECTION) + r"\n(.*?)(?=^## )", text, re.M | re.S)
    if section is None:
        return [f"{RESTART_DOC}: no '{STATE_SECTION}' section"]
    documented = set(re.findall(r"^\|\s*`(\w+::\w+)`\s*\|", section.group(1), re.M))
    actual = set()
    for header in KERNEL_OBJECT_HEADERS:
        for name, members in class_fields(read(header)).items():
            actual.update(f"{name}::{member}" for member in members)
    problems = [f"{RESTART_DOC}: kernel field `{field}` is not in '{STATE_SECTION}'" for field in sorted(actual - documented)]
    problems += [f"{RESTART_DOC}: lists `{field}`, which no kernel object has" for field in sorted(documented - actual)]
    return problems


CHECKS = [("syscall-tables", check_call_tables), ("status-codes", check_status_table), ("rights", check_rights),
          ("kernel-state-inventory", check_state_inventory)]


def tier_docs(tally):
    for name, check in CHECKS:
        problems = check()
        for problem in problems:
            print(f"  {problem}")
        tally.record(f"docs/{name}", not problems, f"{len(problems)} disagreement(s) with uapi/" if problems else "")
