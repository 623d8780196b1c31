"""A server over SSH with Fabric: key authentication, a connect timeout and a timeout per command."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko
from fabric import Connection
from invoke.exceptions import CommandTimedOut as InvokeTimedOut

from ops.host.base import CommandTimedOut, Host, HostError, HostUnreachable, Result
from ops.host.ports import free_port

CONNECT_TIMEOUT_S = 10.0
NO_EXIT_STATUS = -1  # paramiko's exit status of a channel closed without one


class SshHost(Host):
    """``SshHost("root@meeshy.me")``, or ``SshHost("127.0.0.1", user=..., port=..., key_file=...)``."""

    def __init__(self, hostname: str, *, user: str | None = None, port: int = 22,
                 key_file: Path | None = None, known_hosts: Path | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT_S, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(secrets)
        connect_kwargs: dict = {"banner_timeout": connect_timeout, "auth_timeout": connect_timeout,
                                "look_for_keys": key_file is None, "allow_agent": key_file is None}
        if key_file is not None:
            connect_kwargs["key_filename"] = str(key_file)
        self._conn = Connection(hostname, user=user, port=port, connect_timeout=connect_timeout,
                                connect_kwargs=connect_kwargs)
        if known_hosts is not None:
            self._conn.client.load_host_keys(str(known_hosts))
            self._conn.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        self.name = f"{self._conn.user}@{hostname}:{port}"

    def _open(self) -> None:
        try:
            self._conn.open()
        except (OSError, paramiko.SSHException) as exc:
            raise HostUnreachable(self.mask(f"could not reach {self.name}: {exc}")) from exc

    def _run(self, command: str, timeout: float, stdin: str | None) -> Result:
        self._open()
        started = time.monotonic()
        try:
            res = self._conn.run(command, hide=True, warn=True, timeout=timeout, shell="/bin/bash",
                                 in_stream=io.StringIO(stdin) if stdin is not None else False)
        except InvokeTimedOut as exc:
            raise self._timed_out(command, timeout) from exc
        except (OSError, paramiko.SSHException) as exc:
            raise HostUnreachable(self.mask(f"lost the connection to {self.name}: {exc}")) from exc
        elapsed = time.monotonic() - started
        if res.exited == NO_EXIT_STATUS and elapsed >= timeout:
            # invoke races its own timer: the channel it closed can come back as exit -1, not a timeout.
            raise self._timed_out(command, timeout)
        return Result(command, res.exited, res.stdout, res.stderr, elapsed)

    def _timed_out(self, command: str, timeout: float) -> CommandTimedOut:
        return CommandTimedOut(self.mask(f"on {self.name}: `{command}` timed out after {timeout:.0f}s"))

    def put(self, local: Path, remote: str) -> None:
        self._open()
        self.run("mkdir -p -- \"$(dirname %s)\"", remote)
        with self._transfer(f"copying {local} to {remote}"):
            self._conn.put(str(local), remote)

    def get(self, remote: str, local: Path) -> None:
        self._open()
        Path(local).parent.mkdir(parents=True, exist_ok=True)
        with self._transfer(f"copying {remote} here to {local}"):
            self._conn.get(remote, str(local))

    @contextmanager
    def _transfer(self, what: str) -> Iterator[None]:
        """A copy that fails (a path refused, the link lost) is a HostError that says which."""
        try:
            yield
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise HostError(self.mask(f"on {self.name}: {what} failed: {type(exc).__name__}: {exc}")) from exc

    @contextmanager
    def forward(self, address: str, port: int) -> Iterator[tuple[str, int]]:
        """A loopback port on this machine tunnelled through the SSH connection to ``address:port``
        as the server sees it (e.g. a database container that publishes no port)."""
        self._open()
        local = free_port()
        with self._conn.forward_local(local, remote_port=port, remote_host=address, local_host="127.0.0.1"):
            self._wait_listening(local)  # Fabric's listener thread binds after the block is entered
            yield "127.0.0.1", local

    def _wait_listening(self, port: int, deadline_s: float = CONNECT_TIMEOUT_S) -> None:
        end = time.monotonic() + deadline_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError as exc:
                if time.monotonic() > end:
                    raise HostUnreachable(f"the tunnel through {self.name} did not open a local port: {exc}") \
                        from exc
                time.sleep(0.05)  # poll interval

    def close(self) -> None:
        self._conn.close()
