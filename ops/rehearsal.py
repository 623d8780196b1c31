"""The whole procedure on this machine: embedded database, legacy dataset, migration, verification.

Every phase is timed; the summary is printed as a table and written as JSON into the report dir.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pymongo
from rich.console import Console
from rich.table import Table

from ops.embedded_db import ROOT, start_server

WORK_DIR = ROOT / "var" / "rehearsal"


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    ok: bool = True
    detail: str = ""


@dataclass
class Summary:
    started_at: str
    database: str = ""
    scale: float = 1.0
    seed: int = 0
    phases: list[Phase] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)
    ok: bool = False

    @contextmanager
    def phase(self, name: str) -> Iterator[Phase]:
        phase = Phase(name)
        self.phases.append(phase)
        started = time.monotonic()
        try:
            yield phase
        except BaseException as exc:
            phase.ok = False
            phase.detail = phase.detail or f"{type(exc).__name__}: {exc}"[:300]
            raise
        finally:
            phase.seconds = round(time.monotonic() - started, 2)


def _count(url: str, name: str) -> int:
    with pymongo.MongoClient(url, serverSelectionTimeoutMS=10_000) as client:
        db = client[name]
        return sum(db[c].estimated_document_count() for c in db.list_collection_names())


def _report_get(report: object, key: str, default: object = None) -> object:
    if isinstance(report, dict):
        return report.get(key, default)
    return getattr(report, key, default)


def rehearse(scale: float = 1.0, seed: int = 20260125, rollback_drill: bool = False,
             report_dir: Path = Path("reports"), work_dir: Path = WORK_DIR,
             echo: Callable[[str], None] = print) -> Summary:
    """Run the rehearsal; return its summary (``summary.ok`` is the verdict)."""
    from ops.legacy_data import generate
    from ops.migration.engine import migrate
    from ops.migration.verify import verify

    report_dir = Path(report_dir).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    summary = Summary(started_at=datetime.now(UTC).isoformat(), scale=scale, seed=seed)
    server = None
    try:
        with summary.phase("start the embedded database") as p:
            server = start_server(work_dir / "db")
            summary.database = server.describe()
            p.detail = summary.database
        legacy_url, staging_url = server.db_url("meeshy"), server.db_url("meeshy_staging")
        with summary.phase("write the legacy dataset") as p, pymongo.MongoClient(server.url) as client:
            generate(client["meeshy"], scale, seed)
            summary.documents["legacy"] = _count(server.url, "meeshy")
            p.detail = f"{summary.documents['legacy']} documents"
        with summary.phase("migrate") as p:
            report = migrate(legacy_url, staging_url, report_path=report_dir / "migration-report.json")
            summary.documents["migrated"] = _count(server.url, "meeshy_staging")
            p.detail = f"{summary.documents['migrated']} documents in the target"
        with summary.phase("verify") as p:
            result = verify(legacy_url, staging_url, report_path=report_dir / "verify-report.json")
            p.ok = bool(_report_get(result, "ok", False))
            p.detail = "every document accounted for" if p.ok else "FAILED: see verify-report.json"
        for key in ("rejected", "dropped"):
            value = _report_get(report, key)
            if isinstance(value, int | list | dict):
                summary.documents[key] = value if isinstance(value, int) else len(value)
        summary.ok = all(p.ok for p in summary.phases)
    finally:
        if server is not None:
            server.stop()
        (report_dir / "rehearsal-summary.json").write_text(json.dumps(asdict(summary), indent=2, default=str))
    return summary


def print_summary(summary: Summary, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"Rehearsal (scale {summary.scale}, seed {summary.seed}, {summary.database})")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    table.add_column("detail")
    for p in summary.phases:
        table.add_row(p.name, f"{p.seconds:.1f}", "ok" if p.ok else "FAILED", p.detail)
    console.print(table)
    for key, value in {**summary.documents, **summary.figures}.items():
        console.print(f"  {key}: {value}")
    console.print("[bold green]REHEARSAL PASSED[/]" if summary.ok else "[bold red]REHEARSAL FAILED[/]")
