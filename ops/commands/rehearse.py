"""`meeshy-ops rehearse`: the whole procedure on this machine, in one command."""

from __future__ import annotations

from pathlib import Path

import click

from ops.errors import OpsError
from ops.rehearsal import print_summary, rehearse


@click.command("rehearse")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Size of the legacy dataset relative to the 2026-01-25 snapshot (125,635 documents).")
@click.option("--seed", type=int, default=20260125, show_default=True, help="Seed of the synthetic dataset.")
@click.option("--rollback-drill", is_flag=True, help="After the switch, roll back and prove it.")
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
def rehearse_command(scale: float, seed: int, rollback_drill: bool, report_dir: Path) -> None:
    """Start the embedded database, write the legacy dataset, migrate, verify, and print the time of
    each phase; exit 0 only if every phase passed. The JSON summary goes to REPORT_DIR."""
    summary = rehearse(scale=scale, seed=seed, rollback_drill=rollback_drill, report_dir=report_dir,
                       echo=click.echo)
    print_summary(summary)
    if not summary.ok:
        raise OpsError(f"the rehearsal failed; see {report_dir}/rehearsal-summary.json")


commands = [rehearse_command]
