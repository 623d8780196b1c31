"""`meeshy-ops db`: start, show and stop the embedded database the project's migration tests use."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import click

from ops.errors import OpsError
from rehearsal.embedded_db import RUNGS, available_rungs, start_server, wait_until_answers


@click.group("db")
def db() -> None:
    """The embedded MongoDB wire-protocol server (mongod, FerretDB or nx-27017, most faithful first)."""


def _state_file(state_dir: Path) -> Path:
    return state_dir / "server.json"


@db.command("start")
@click.option("--state-dir", type=click.Path(path_type=Path), default=Path("var/db"), show_default=True,
              help="Where the server keeps its data, log and state file.")
@click.option("--kind", type=click.Choice(RUNGS), default=None, help="Force one rung of the ladder.")
def db_start(state_dir: Path, kind: str | None) -> None:
    """Start the most faithful server this machine offers on a free loopback port, wait until it
    answers, print its URL and return (the server keeps running; `db stop` ends it)."""
    state = _state_file(state_dir)
    if state.exists():
        info = json.loads(state.read_text())
        try:
            wait_until_answers(info["url"], 2)
            click.echo(info["url"])
            return
        except OpsError:
            state.unlink()
    server = start_server(state_dir, kind)
    info = {"kind": server.kind, "url": server.url, "version": server.version,
            "pid": server.process.pid if server.process else None}
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(info))
    click.echo(f"{server.describe()} answering at {server.url}", err=True)
    click.echo(server.url)


@db.command("stop")
@click.option("--state-dir", type=click.Path(path_type=Path), default=Path("var/db"), show_default=True)
def db_stop(state_dir: Path) -> None:
    """Stop the server `db start` started (its data directory is kept)."""
    state = _state_file(state_dir)
    if not state.exists():
        click.echo("no embedded database is running")
        return
    info = json.loads(state.read_text())
    if info.get("pid"):
        try:
            os.kill(info["pid"], signal.SIGTERM)
        except ProcessLookupError:
            pass
    state.unlink()
    click.echo(f"stopped {info['kind']} at {info['url']}")


@db.command("rungs")
def db_rungs() -> None:
    """List the rungs of the database ladder this machine offers."""
    for rung in available_rungs():
        click.echo(rung)


commands = [db]
