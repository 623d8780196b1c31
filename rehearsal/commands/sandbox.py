"""`meeshy-ops sandbox up|down|status`: local Meeshy stacks (gateway, translator, web) for the
suites and the rehearsal."""

from __future__ import annotations

from pathlib import Path

import click

from ops.errors import OpsError
from sandbox import stack
from sandbox.faults import FAULTS

_STATE_DIR = click.option("--state-dir", type=click.Path(path_type=Path), default=stack.DEFAULT_STATE_DIR,
                          show_default=True, help="Where stacks keep their state, logs and uploads.")


def _parse_ports(text: str | None) -> dict[str, int]:
    ports: dict[str, int] = {}
    for item in filter(None, (text or "").split(",")):
        service, _, port = item.partition("=")
        if service not in stack.SERVICES or not port.isdigit():
            raise OpsError(f"--ports takes gateway=P,translator=P,web=P; got {item!r}")
        ports[service] = int(port)
    return ports


@click.group("sandbox")
def sandbox() -> None:
    """Local stand-ins for the Meeshy gateway, translator and web, with faults to switch on."""


@sandbox.command("up")
@click.option("--name", required=True, help="Stack name, e.g. production or staging.")
@click.option("--mongodb-url", required=True, help="mongodb://HOST:PORT/DB of the data to serve.")
@click.option("--data", type=click.Choice(["prisma", "legacy"]), default="prisma", show_default=True,
              help="Shape of the data: migrated (prisma) or the old production (legacy).")
@click.option("--faults", default="", help="Comma list of faults: " + ", ".join(FAULTS))
@click.option("--ports", default="", help="Fixed ports, e.g. gateway=3000,translator=8000,web=3100.")
@click.option("--login-rate", default=None, help="Login limit LIMIT/WINDOW_S (real gateway: 5/900).")
@_STATE_DIR
def sandbox_up(name: str, mongodb_url: str, data: str, faults: str, ports: str, login_rate: str | None,
               state_dir: Path) -> None:
    """Start a stack, wait until all of it is healthy, print its URLs and return."""
    info = stack.up(name, mongodb_url, data=data, faults=[f for f in faults.split(",") if f],
                    state_dir=state_dir, ports=_parse_ports(ports), login_rate=login_rate)
    click.echo(f"sandbox {name} ({data} data over {info.mongodb_url}) healthy in {info.startup_s:.2f}s",
               err=True)
    for note in info.notes:
        click.echo(f"  note: {note}", err=True)
    if info.faults:
        click.echo(f"  faults: {', '.join(info.faults)}", err=True)
    click.echo(f"gateway    {info.gateway_url}")
    click.echo(f"translator {info.translator_url}")
    click.echo(f"web        {info.web_url or '-'}")
    click.echo(f"logs       {Path(info.stack_dir)}")


@sandbox.command("down")
@click.option("--name", required=True)
@_STATE_DIR
def sandbox_down(name: str, state_dir: Path) -> None:
    """Stop a stack (SIGTERM, then SIGKILL) and undo its database faults."""
    if stack.down(name, state_dir):
        click.echo(f"sandbox {name} stopped")
    else:
        click.echo(f"no sandbox stack named {name} is running")


@sandbox.command("status")
@_STATE_DIR
def sandbox_status(state_dir: Path) -> None:
    """List the stacks and the health of each service."""
    stacks = stack.status(state_dir)
    if not stacks:
        click.echo("no sandbox stack")
        return
    for s in stacks:
        faults = f" faults={','.join(s.faults)}" if s.faults else ""
        click.echo(f"{s.name}: {s.data} data over {s.mongodb_url}{faults}")
        for service, svc in s.services.items():
            health = f"HTTP {svc['health']}" if svc["health"] else "no answer"
            state = health if svc["running"] else "stopped"
            click.echo(f"  {service:<10} pid {svc['pid']:<7} {svc['url']:<24} {state}")

commands = [sandbox]
