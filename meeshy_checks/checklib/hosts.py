"""The server side of the checks: the compose host (SSH with Fabric, or this machine) and its logs.

The Docker engine is reached only through ``docker`` commands on the host, so a check reads
exactly what an operator would see with ``docker compose ps`` on the server.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ops.config import Target
from ops.config.site import make_host
from ops.db import MONGODB_PORT
from ops.host import Host
from ops.stack import ComposeEngine, Environment
from ops.stack.compose import Container


def open_host(target: Target) -> Host:
    """The compose host of CHECK_SSH_HOST (``local``: this machine), masking the target's secrets."""
    return make_host(target.get("CHECK_SSH_HOST"), target.get("CHECK_SSH_KEY_FILE"), secrets=tuple(target.secrets()))


class Compose:
    """One compose project of the target, read with the steps' own ComposeEngine."""

    def __init__(self, host: Host, project: str, directory: str | None) -> None:
        self.project = project
        self.engine = ComposeEngine(host)
        self.env = Environment(project, directory or "", project, database_service="")

    def containers(self) -> list[Container]:
        return self.engine.containers(self.env)

    def volumes(self) -> set[str]:
        return self.engine.host_volumes()

    def logs_since(self, minutes: int) -> dict[str, list[str]]:
        return self.engine.logs_since(self.env, minutes)


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
    remote_host, _, remote_port = target.get("CHECK_MONGODB_TUNNEL").partition(":")
    host = open_host(target)
    try:
        with host.forward(remote_host, int(remote_port or MONGODB_PORT)) as (local_host, local_port):
            yield f"mongodb://{local_host}:{local_port}/?directConnection=true"
    finally:
        host.close()
