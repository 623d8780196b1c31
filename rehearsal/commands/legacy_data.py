"""`meeshy-ops legacy-data`: write the synthetic legacy Meeshy database (rehearsal.legacy_data)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from pymongo.errors import PyMongoError
from rich.console import Console
from rich.table import Table

from ops.config import redact_url
from ops.db import client, database_name
from ops.errors import OpsError
from rehearsal.embedded_db import wait_until_answers
from rehearsal.legacy_data import LEGACY_TOTAL, GenerationSummary, generate

REACH_DEADLINE_S = 5.0


def _summary_table(summary: GenerationSummary, scale: float) -> Table:
    table = Table(title=f"legacy data written in {summary.seconds:.1f}s (scale {scale:g})")
    table.add_column("collection")
    table.add_column("documents", justify="right")
    for name, count in summary.counts.items():
        table.add_row(name, f"{count:,}")
    table.add_section()
    table.add_row("total", f"{summary.total:,}", style="bold")
    if scale == 1.0:
        table.add_row("snapshot 2026-01-25", f"{LEGACY_TOTAL:,}", style="dim")
    return table


def _report(summary: GenerationSummary, scale: float, seed: int) -> dict:
    def refs(groups: dict) -> dict:
        return {name: [[coll, str(oid)] for coll, oid in items] for name, items in groups.items()}

    return {"scale": scale, "seed": seed, "seconds": round(summary.seconds, 2), "total": summary.total,
            "counts": summary.counts, "anomalies": refs(summary.anomalies), "cases": refs(summary.cases)}


@click.command("legacy-data")
@click.option("--url", required=True, help="mongodb://HOST:PORT/DB — the database to write (must be empty).")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Fraction of the snapshot's counts (1.0 = 125,635 documents).")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same documents.")
@click.option("--replace", is_flag=True, help="Drop the database first if it holds collections.")
@click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write counts, anomalies and notable cases (with their _ids) as JSON here.")
def legacy_data(url: str, scale: float, seed: int, replace: bool, report_path: Path | None) -> None:
    """Write a synthetic legacy Meeshy database with the shape of the real one: the 31 collections
    of the 2026-01-25 snapshot, legacy field names and types, the seed accounts (known passwords),
    and one of each deliberate defect the migration must reject."""
    name = database_name(url, "legacy database")
    wait_until_answers(url, REACH_DEADLINE_S)
    console = Console()
    try:
        with client(url) as c:
            db = c[name]
            existing = db.list_collection_names()
            if existing and not replace:
                raise OpsError(f"database {name!r} already holds {len(existing)} collection(s); "
                               "pass --replace to drop it and write the legacy data again")
            if existing:
                console.print(f"dropping database {name!r} ({len(existing)} collections)")
                c.drop_database(name)
            summary = generate(db, scale=scale, seed=seed, progress=True)
    except PyMongoError as exc:
        raise OpsError(f"database error while writing legacy data to {redact_url(url)}: {exc}") from exc
    console.print(_summary_table(summary, scale))
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(_report(summary, scale, seed), indent=2, ensure_ascii=False))
        console.print(f"report: {report_path}")


commands = [legacy_data]
