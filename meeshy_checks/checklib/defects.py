"""Known defects of the deployed version (meeshy_checks/known_defects.toml), as the checks meet them.

A check that sees a defect calls ``known_defects.meet(id, what_was_seen)``, goes on testing the
capability another way, and ends with ``known_defects.conclude()``: a met, listed defect makes the
test an xfail whose reason starts with ``KNOWN DEFECT`` (its own Allure category); a defect that is
not listed for the target's version (CHECK_APP_VERSION) fails the check at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

FILE = Path(__file__).resolve().parents[1] / "known_defects.toml"
MARK = "KNOWN DEFECT"


@dataclass(frozen=True)
class KnownDefect:
    id: str
    version: str
    check: str
    evidence: str
    instead: str


def load(path: Path = FILE) -> dict[str, KnownDefect]:
    raw = tomllib.loads(path.read_text())
    return {key: KnownDefect(key, **fields) for key, fields in raw.get("defect", {}).items()}


def same_version(listed: str, deployed: str) -> bool:
    """Commits compare by their common prefix (at least 7 characters)."""
    n = min(len(listed), len(deployed))
    return n >= 7 and listed[:n].lower() == deployed[:n].lower()


class Meeting:
    """The defects one check met."""

    def __init__(self, version: str, listed: dict[str, KnownDefect]) -> None:
        self.version, self.listed = version, listed
        self.met: list[tuple[KnownDefect, str]] = []
        self.concluded = False

    def meet(self, defect_id: str, seen: str) -> None:
        __tracebackhide__ = True
        known = self.listed.get(defect_id)
        if known is None or not same_version(known.version, self.version):
            pytest.fail(
                f"defect {defect_id} (not a known defect of version {self.version}): {seen}", pytrace=False
            )
        self.met.append((known, seen))

    def conclude(self) -> None:
        """Call last: the check passed, or it passed only by going around known defects."""
        self.concluded = True
        if self.met:
            pytest.xfail(
                "; ".join(
                    f"{MARK} {d.id} of {d.version}: {seen} (evidence: {d.evidence}; the check: {d.instead})"
                    for d, seen in self.met
                )
            )
