"""What `migrate`, `verify` and `delta` return (and write as JSON): typed, with ``.ok`` and ``.to_json()``.

A failed verification is an exception, ``VerificationFailed``, that carries its report; a migration
with failures returns its report, and ``ensure_ok()`` turns them into a ``RunFailed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ops.errors import OpsError
from ops.results import Result

LISTED_FAILURES = 10


@dataclass
class RunReport(Result):
    """A run of the migration engine. ``ok`` when it lists no failure (written in its JSON)."""

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "ok": self.ok}

    def ensure_ok(self) -> None:
        if not self.ok:
            raise RunFailed(self)


class RunFailed(OpsError):
    """A run whose report lists failures; ``report`` holds them all."""

    def __init__(self, report: RunReport) -> None:
        more = len(report.failures) - LISTED_FAILURES
        super().__init__(f"{report.kind} failed: " + "; ".join(report.failures[:LISTED_FAILURES])
                         + (f" (and {more} more in the report)" if more > 0 else ""))
        self.report = report


class VerificationFailed(RunFailed):
    """The target is not what the migration must make of the source; ``report`` says where."""


@dataclass(kw_only=True)
class MigrationReport(RunReport):
    kind: str = "migration"
    dry_run: bool
    server: str
    source: str | None = None  # URLs, redacted
    target: str | None = None
    started_at: str
    t0: str | None = None
    schema: dict[str, Any]
    plan: dict[str, str]
    targets: dict[str, str]
    unplanned: list[str]
    models_without_collection: list[str]
    plan_report: dict[str, Any]
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)  # a row per source collection
    rejects: list[dict[str, str]] = field(default_factory=list)
    indexes: dict[str, str] = field(default_factory=dict)  # "collection.index" → "ok" or the error
    totals: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    finished_at: str = ""
    seconds: float = 0.0


@dataclass(kw_only=True)
class BetweenDatabases(RunReport):
    """A run that read a source and a target: the server it ran on, their URLs (redacted)."""

    server: str
    source: str
    target: str


@dataclass(kw_only=True)
class VerificationReport(BetweenDatabases):
    kind: str = "verification"
    checked_at: str
    migration_status: str | None
    collections: dict[str, dict[str, Any]]
    content_hashes: dict[str, str]
    discrepancies: dict[str, dict[str, list[str]]]  # collection → kind → examples
    seconds: float
    failures: list[str]

    def ensure_ok(self) -> None:
        if not self.ok:
            raise VerificationFailed(self)


@dataclass(kw_only=True)
class DeltaReport(BetweenDatabases):
    kind: str = "delta"
    mode: str
    since: str
    started_at: str
    examined_collections: list[str]
    found_by: str  # how the changes were found: "oplog (N entries)", "scans" or "every document"
    collections: dict[str, dict[str, Any]]  # a row per collection that changed
    totals: dict[str, int]
    seconds: float
    failures: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class CountsReport(RunReport):
    """The switch's count check: per collection, source = target + quarantined rejects."""

    kind: str = "switch-counts"
    collections: dict[str, dict[str, Any]]
    failures: list[str]
    finished_at: str
