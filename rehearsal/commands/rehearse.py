"""`meeshy-ops rehearse`: the whole procedure on this machine, in one command."""

from __future__ import annotations

from pathlib import Path

import click

from ops.errors import OpsError
from rehearsal.run import print_summary, rehearse


@click.command("rehearse")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Size of the legacy dataset relative to the 2026-01-25 snapshot (125,635 documents).")
@click.option("--seed", type=int, default=20260125, show_default=True, help="Seed of the synthetic dataset.")
@click.option("--rollback-drill", is_flag=True, help="After the switch, roll back and prove it.")
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
def rehearse_command(scale: float, seed: int, rollback_drill: bool, report_dir: Path) -> None:
    """The whole procedure on this machine: embedded database, legacy dataset, old production (sandbox,
    legacy), deploy staging, migrate to staging, staging suite while recorded writes land on the old
    production, capture, switch (downtime measured), production suite, every write checked in the new
    production, optional rollback drill, Allure report. Prints the time of each phase and exits 0 only
    if every phase passed; the JSON summary, the writes and the suites' reports go to REPORT_DIR."""
    summary = rehearse(scale=scale, seed=seed, rollback_drill=rollback_drill, report_dir=report_dir,
                       echo=click.echo)
    print_summary(summary)
    if not summary.ok:
        raise OpsError(f"the rehearsal failed; see {report_dir}/rehearsal-summary.json")


commands = [rehearse_command]
