"""The server side of the checks: the compose host (SSH with Fabric, or this machine) and its logs.

The Docker engine is reached only through ``docker`` commands on the host, so a check reads
exactly what an operator would see with ``docker compose ps`` on the server.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ops.config import Target
from ops.host import Host, LocalHost, SshHost

COMMAND_TIMEOUT_S = 30.0


def parse_ssh_host(spec: str) -> tuple[str | None, str, int]:
    """``user@host:port`` → (user, host, port)."""
    user, _, rest = spec.rpartition("@")
    host, _, port = rest.partition(":")
    return (user or None), host, int(port or 22)


def open_host(target: Target) -> Host:
    spec = target.get("CHECK_SSH_HOST")
    secrets = tuple(target.secrets())
    if spec == "local":
        return LocalHost(secrets)
    user, hostname, port = parse_ssh_host(spec)
    key = target.get("CHECK_SSH_KEY_FILE")
    return SshHost(hostname, user=user, port=port, key_file=Path(key) if key else None, secrets=secrets)


@dataclass(frozen=True)
class Container:
    service: str
    name: str
    image: str
    state: str
    health: str
    exit_code: int


class Compose:
    """``docker compose`` of one project on a host."""

    def __init__(self, host: Host, project: str, directory: str | None) -> None:
        self.host, self.project, self.directory = host, project, directory

    def _run(self, args: str) -> str:
        prefix = f"cd {shlex.quote(self.directory)} && " if self.directory else ""
        return self.host.check_output(
            f"{prefix}docker compose -p {shlex.quote(self.project)} {args}", timeout=COMMAND_TIMEOUT_S
        )

    def containers(self) -> list[Container]:
        out = self._run("ps --all --format json")
        rows = (
            json.loads(out)
            if out.startswith("[")
            else [json.loads(line) for line in out.splitlines() if line]
        )
        return [
            Container(
                r.get("Service", ""),
                r.get("Name", ""),
                r.get("Image", ""),
                r.get("State", ""),
                r.get("Health", ""),
                int(r.get("ExitCode") or 0),
            )
            for r in rows
        ]

    def volumes(self) -> set[str]:
        out = self.host.check_output("docker volume ls --format '{{.Name}}'", timeout=COMMAND_TIMEOUT_S)
        return {line.strip() for line in out.splitlines() if line.strip()}

    def logs_since(self, minutes: int) -> dict[str, list[str]]:
        out = self._run(f"logs --since {int(minutes)}m --no-color --timestamps")
        by_service: dict[str, list[str]] = {}
        for line in out.splitlines():
            service, sep, text = line.partition("|")
            key = service.strip() if sep else "compose"
            by_service.setdefault(key, []).append(text.strip() if sep else line)
        return by_service


_TIMESTAMP = re.compile(r"^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)")


def _line_time(line: str) -> datetime | None:
    match = _TIMESTAMP.match(line)
    if not match:
        return None
    text = match.group(1).replace(" ", "T").replace("Z", "+00:00")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def local_logs_since(directory: Path, minutes: int) -> dict[str, list[str]]:
    """Lines of ``<service>.log`` files from the last ``minutes``.

    A line with a leading ISO timestamp counts by that time; lines without one count when their
    file changed within the window.
    """
    since = datetime.now(UTC) - timedelta(minutes=minutes)
    by_service: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.log")):
        recent_file = path.stat().st_mtime >= time.time() - minutes * 60
        kept = []
        for line in path.read_text(errors="replace").splitlines():
            stamp = _line_time(line)
            if (stamp is not None and stamp >= since) or (stamp is None and recent_file):
                kept.append(line)
        by_service[path.stem] = kept
    return by_service


@contextmanager
def mongodb_url(target: Target) -> Iterator[str]:
    """The MongoDB URL of the target: the given one, or a Fabric tunnel through the SSH host."""
    url = target.get("CHECK_MONGODB_URL")
    if url is not None:
        yield url.reveal()
        return
    from fabric import Connection

    user, hostname, port = parse_ssh_host(target.get("CHECK_SSH_HOST"))
    remote_host, _, remote_port = target.get("CHECK_MONGODB_TUNNEL").partition(":")
    key = target.get("CHECK_SSH_KEY_FILE")
    connection = Connection(
        hostname,
        user=user,
        port=port,
        connect_timeout=10,
        connect_kwargs={"key_filename": key} if key else {},
    )
    from ops.host.ports import free_port

    local_port = free_port()
    with connection, connection.forward_local(local_port, int(remote_port or 27017), remote_host):
        yield f"mongodb://127.0.0.1:{local_port}/?directConnection=true"
