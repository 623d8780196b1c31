"""Reports: JSON next to the run, and a table for the operator."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table


def write_report(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False) + "\n")


def migration_table(report: dict) -> Table:
    title = f"{report['kind']}{' (dry run)' if report.get('dry_run') else ''}: " + \
        ("OK" if report["ok"] else "FAILED")
    table = Table(title=title, caption=f"server: {report.get('server', '?')}")
    for column in ("collection", "fate", "source", "migrated", "rejected", "copied", "dropped", "written",
                   "seconds"):
        table.add_column(column, justify="left" if column in ("collection", "fate") else "right")
    for name, row in report["collections"].items():
        table.add_row(name, row["fate"], *(str(row.get(k, "")) for k in
                                           ("source", "migrated", "rejected", "copied", "dropped", "written",
                                            "seconds")))
    totals = report["totals"]
    table.add_row("TOTAL", "", *(str(totals.get(k, "")) for k in
                                 ("source", "migrated", "rejected", "copied", "dropped", "written")),
                  str(report["seconds"]), style="bold")
    return table


def print_table(table: Table) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # a log file or pipe: do not truncate columns to 80
    console.print(table)
