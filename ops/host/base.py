"""What a host is for the steps: run a command, move a file. Transports differ in `_run` only.

>>> host.run("ls -l -- %s", path)          # arguments are quoted apart from the command
>>> host.check_output("cat %s", path)      # stdout, or CommandFailed with the tail of both streams
"""

from __future__ import annotations

import shlex
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ops.config.secrets import Masker, Secret
from ops.errors import OpsError

DEFAULT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Result:
    command: str
    exit_code: int
    stdout: str
    stderr: str
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class HostError(OpsError):
    """Something went wrong on a host; the message names the host and masks every secret."""


class HostUnreachable(HostError):
    """The host could not be reached at all (connection refused, DNS, authentication)."""


class CommandFailed(HostError):
    """The host answered and the command exited non-zero."""

    def __init__(self, message: str, result: Result) -> None:
        super().__init__(message)
        self.result = result


class CommandTimedOut(HostError):
    """The command did not finish before its timeout; it was killed."""


def _tail(text: str, lines: int = 10) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


class Host(ABC):
    """A machine the steps act on. ``secrets`` are masked in every message this host raises."""

    name: str = "host"

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self.masker = Masker(secrets)

    def add_secret(self, value: str | Secret) -> None:
        self.masker.add(value)

    def mask(self, text: str) -> str:
        return self.masker.mask(text)

    def run(self, command: str, *args: object, timeout: float = DEFAULT_TIMEOUT_S, check: bool = True,
            stdin: str | None = None) -> Result:
        """Run ``command`` (``%s`` placeholders are filled with shell-quoted ``args``) under bash."""
        if args:
            command = command % tuple(shlex.quote(str(a)) for a in args)
        result = self._run(command, timeout, stdin)
        if check and not result.ok:
            raise CommandFailed(self.mask(
                f"on {self.name}: `{command}` exited {result.exit_code} after {result.duration_s:.1f}s\n"
                f"stdout (last lines):\n{_tail(result.stdout)}\n"
                f"stderr (last lines):\n{_tail(result.stderr)}"),
                result)
        return result

    def check_output(self, command: str, *args: object, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        return self.run(command, *args, timeout=timeout).stdout.strip()

    def exists(self, path: str | Path) -> bool:
        return self.run("test -e %s", str(path), check=False).ok

    def write_text(self, path: str | Path, text: str, mode: str = "600") -> None:
        """Write a file atomically (copy to a temp name, chmod, rename) with ``mode`` permissions."""
        tmp = f"{path}.tmp"
        with tempfile.TemporaryDirectory() as local_dir:
            local = Path(local_dir) / "content"
            local.write_text(text)
            self.put(local, tmp)
        self.run("chmod %s %s && mv -f %s %s", mode, tmp, tmp, str(path))

    def read_text(self, path: str | Path) -> str:
        return self.run("cat -- %s", str(path)).stdout

    def clock(self) -> datetime:
        """The host's time (UTC): what the containers stamp documents with, whatever this machine's clock says."""
        seconds = self.check_output("date -u +%s.%N")  # no arguments: the line is not %-filled
        return datetime.fromtimestamp(float(seconds), UTC)

    def sha256(self, path: str | Path) -> str:
        return self.check_output("sha256sum -- %s", str(path)).split()[0]

    @abstractmethod
    def _run(self, command: str, timeout: float, stdin: str | None) -> Result:
        """Run one bash command; return its Result. Raise HostUnreachable / CommandTimedOut."""

    @abstractmethod
    def put(self, local: Path, remote: str) -> None:
        """Copy a local file to the host."""

    @abstractmethod
    def get(self, remote: str, local: Path) -> None:
        """Copy a file from the host to this machine."""

    @contextmanager
    def forward(self, address: str, port: int) -> Iterator[tuple[str, int]]:
        """A local (host, port) that reaches ``address:port`` as seen from this host. Here: itself."""
        yield address, port

    def close(self) -> None:  # noqa: B027 - a no-op for transports that hold nothing
        """Release the transport."""
