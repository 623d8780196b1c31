"""The operator's ``.env``: read it, and set the keys a step owns while keeping every other byte.

Compose reads ``KEY=VALUE`` lines (an optional ``export``, the last assignment wins). A merge rewrites
the value of the last assignment of each owned key in place and appends the keys the file lacks, so
comments, order, blank lines and every other key stay exactly as the operator wrote them.
"""

from __future__ import annotations

import re

from ops.errors import OpsError

ASSIGNMENT = re.compile(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*?)(\r?)$")
APPENDED_HEADER = "# set by meeshy-ops"


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse_env(text: str, strict: str = "") -> dict[str, str]:
    """Key → value, as compose reads them (surrounding quotes removed; the last assignment wins). With
    ``strict`` (the file's name), a line that is neither blank, a comment nor an assignment is an error."""
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = ASSIGNMENT.match(line)
        if match:
            values[match.group(2)] = _unquote(match.group(4))
        elif strict:
            raise OpsError(f"{strict}:{number}: not a KEY=value line")
    return values


def merge_env(text: str, updates: dict[str, str]) -> str:
    """``text`` with ``updates`` applied: the other lines byte for byte, missing keys appended."""
    lines = text.splitlines(keepends=True)
    last: dict[str, int] = {}
    for n, line in enumerate(lines):
        match = ASSIGNMENT.match(line.rstrip("\n"))
        if match and match.group(2) in updates:
            last[match.group(2)] = n
    for key, n in last.items():
        match = ASSIGNMENT.match(lines[n].rstrip("\n"))
        ending = lines[n][len(lines[n].rstrip("\n")):]
        lines[n] = f"{match.group(1)}{key}{match.group(3)}{updates[key]}{match.group(5)}{ending}"
    missing = [key for key in updates if key not in last]
    if missing:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        if APPENDED_HEADER + "\n" not in lines:
            lines.append(APPENDED_HEADER + "\n")
        lines += [f"{key}={updates[key]}\n" for key in missing]
    return "".join(lines)
