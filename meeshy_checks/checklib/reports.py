"""Reading the migration, dry-run and verification reports the ops steps write (JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FIELDS = ("source", "migrated", "copied", "rejected", "dropped")


@dataclass(frozen=True)
class CollectionCounts:
    name: str  # the collection in the target database
    source: int
    migrated: int
    copied: int
    rejected: int
    dropped: int

    @property
    def expected_in_target(self) -> int:
        return self.migrated + self.copied

    @property
    def accounted(self) -> int:
        return self.migrated + self.copied + self.rejected + self.dropped


def load_report(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def collection_counts(report: dict) -> list[CollectionCounts]:
    """Per-collection counts, from ``{"collections": {name: {...}}}`` or ``{"collections": [{...}]}``."""
    raw = report.get("collections", report)
    items = raw.items() if isinstance(raw, dict) else ((r.get("collection") or r.get("name"), r) for r in raw)
    counts = []
    for name, row in items:
        if not isinstance(row, dict) or "source" not in row:
            continue
        counts.append(CollectionCounts(row.get("target") or name, *(int(row.get(f) or 0) for f in FIELDS)))
    return counts


def report_time(report: dict, path: Path) -> datetime:
    """When the migration finished: the report's own time, else the file's modification time."""
    for key in ("finished_at", "finishedAt", "finished", "ended_at", "generated_at", "created_at"):
        value = report.get(key)
        if isinstance(value, str):
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)


def passed(report: dict) -> bool:
    """A verification report passes when it says so (``ok`` or ``passed``) and lists no failure."""
    flag = report.get("ok", report.get("passed"))
    return flag is True and not report.get("failures")
