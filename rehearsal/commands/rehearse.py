"""`meeshy-ops rehearse`: the whole procedure on this machine, in one command."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ops.errors import OpsError
from rehearsal.replica import server_replica
from rehearsal.run import print_summary, rehearse


@click.command("rehearse")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Size of the legacy dataset relative to the 2026-01-25 snapshot (125,635 documents).")
@click.option("--seed", type=int, default=20260125, show_default=True, help="Seed of the synthetic dataset.")
@click.option("--rollback-drill", is_flag=True, help="After the switch, roll back and prove it.")
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@click.option("--keep", is_flag=True, help="Leave the replica up at the end (inspect it; `replica down` later).")
def rehearse_command(scale: float, seed: int, rollback_drill: bool, report_dir: Path, keep: bool) -> None:
    """The whole procedure on a replica of the server: dockerd, Compose and sshd here, old production on
    the legacy dataset; then the ops steps over SSH in the runbook's order (deploy staging, migrate to
    staging, staging suite while recorded writes land on the old production, capture, switch with the
    downtime measured, production suite, every write checked, optional rollback drill, Allure report).
    Prints the time of each phase and exits 0 only if every phase passed."""
    summary = rehearse(scale=scale, seed=seed, rollback_drill=rollback_drill, report_dir=report_dir,
                       echo=click.echo, keep=keep)
    print_summary(summary)
    if not summary.ok:
        raise OpsError(f"the rehearsal failed; see {report_dir}/rehearsal-summary.json")


@click.group("replica")
def replica_group() -> None:
    """A copy of the meeshy.me server on this machine (dockerd, Compose, sshd on 127.0.0.1)."""


@replica_group.command("up")
@click.option("--scale", type=float, default=0.05, show_default=True, help="Size of the legacy dataset.")
@click.option("--seed", type=int, default=20260125, show_default=True)
def replica_up(scale: float, seed: int) -> None:
    """Build what is missing, start old production on the legacy dataset, write the site file."""
    replica = server_replica.up(scale, seed, echo=click.echo, detached=True)
    click.echo(f"--site {replica.site_file}")


@replica_group.command("down")
def replica_down() -> None:
    """Stop and remove everything `replica up` started (containers, volumes, networks, sshd, dockerd)."""
    server_replica.down(echo=click.echo)


@replica_group.command("status")
def replica_status() -> None:
    """What runs: the SSH target and each project's services with their health."""
    click.echo(json.dumps(server_replica.status(), indent=2))


commands = [rehearse_command, replica_group]
