"""Reports: JSON next to the run, and a table for the operator."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ops.errors import OpsError
from ops.migration.results import MigrationReport, VerificationReport


def check_report_path(path: Path) -> None:
    """Refuse, before a run writes anything, a report path that cannot be written: a directory, or a
    place this user cannot create a file in."""
    if path.is_dir():
        raise OpsError(f"the report {path} is a directory: give a file name")
    parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
    if not parent.is_dir():
        raise OpsError(f"cannot write the report {path}: {parent} is not a directory")
    if not os.access(path if path.exists() else parent, os.W_OK):
        why = "read-only file system" if os.statvfs(parent).f_flag & os.ST_RDONLY else "permission denied"
        raise OpsError(f"cannot write the report {path}: {why}")


def write_report(report: dict, path: Path) -> None:
    """The JSON report; OpsError (one line) when it cannot be written, e.g. a full disk."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False) + "\n")
    except OSError as exc:
        verdict = "succeeded" if report.get("ok") else "failed"
        raise OpsError(f"the {report.get('kind', 'run')} {verdict}, but its report {path} could not be written: "
                       f"{exc.strerror or exc}") from exc


def migration_table(report: MigrationReport) -> Table:
    title = f"{report.kind}{' (dry run)' if report.dry_run else ''}: " + ("OK" if report.ok else "FAILED")
    table = Table(title=title, caption=f"server: {report.server}")
    for column in ("collection", "fate", "source", "migrated", "rejected", "copied", "dropped", "written",
                   "seconds"):
        table.add_column(column, justify="left" if column in ("collection", "fate") else "right")
    for name, row in report.collections.items():
        table.add_row(name, row["fate"], *(str(row.get(k, "")) for k in
                                           ("source", "migrated", "rejected", "copied", "dropped", "written",
                                            "seconds")))
    table.add_row("TOTAL", "", *(str(report.totals.get(k, "")) for k in
                                 ("source", "migrated", "rejected", "copied", "dropped", "written")),
                  str(report.seconds), style="bold")
    return table


def verification_table(report: VerificationReport) -> Table:
    table = Table(title="verification: " + ("OK" if report.ok else "FAILED"))
    for column in ("collection", "fate", "source", "migrated", "rejected", "copied", "problems"):
        table.add_column(column)
    for name, row in report.collections.items():
        problems = ", ".join(f"{k}: {n}" for k, n in row["problems"].items()) or "-"
        table.add_row(name, row["fate"], *(str(row.get(k, "")) for k in ("source", "migrated", "rejected",
                                                                             "copied")), problems)
    return table


def print_table(table: Table) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # a log file or pipe: do not truncate columns to 80
    console.print(table)
