"""What the steps need from a container engine, and health polling with a deadline.

Two engines implement it: ``ComposeEngine`` (docker compose on a host, for a real server) and
``SandboxEngine`` (the sandbox's process runner, for the rehearsal). An environment's rendered
``.env`` in its directory is what either engine starts: the configuration is the truth.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import requests

from ops.errors import OpsError

HTTP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Environment:
    """A stack on the host: ``production`` in /opt/meeshy, ``staging`` in /opt/meeshy/staging."""

    name: str
    directory: str

    @property
    def env_file(self) -> str:
        return f"{self.directory}/.env"


@dataclass(frozen=True)
class Endpoints:
    gateway_url: str
    translator_url: str = ""
    web_url: str = ""


class ContainerEngine(Protocol):
    name: str

    def up(self, env: Environment, private: bool = False) -> Endpoints:
        """Start the stack from the environment's rendered configuration (idempotent). ``private``:
        reachable by the operator only (the switch smoke-checks a new production before opening it)."""

    def down(self, env: Environment) -> None:
        """Stop and remove the stack's processes; data volumes are kept."""

    def stop_writers(self, env: Environment) -> None:
        """Stop every service that writes to the database (gateway, translator, web)."""

    def endpoints(self, env: Environment) -> Endpoints | None:
        """Where the running stack answers, or None when it is not running."""

    def state(self, env: Environment) -> str:
        """A human-readable listing of the stack's services (for snapshots)."""

    def logs(self, env: Environment) -> dict[str, str]:
        """The recent log of each service."""

    def images(self, env: Environment) -> dict[str, str]:
        """Each service's image, pinned by digest where the engine has one."""


def http_ok(url: str, timeout: float = HTTP_TIMEOUT_S) -> bool:
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def wait_healthy(url: str, deadline_s: float = 60.0, what: str = "the gateway") -> float:
    """Poll ``url`` until it answers exactly 200; return the seconds it took, or raise at the deadline."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if http_ok(url):
            return time.monotonic() - started
        time.sleep(0.2)  # poll interval
    raise OpsError(f"{what} at {url} was not healthy within {deadline_s:.0f}s")
