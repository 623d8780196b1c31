"""This machine as a host: the rehearsal's /opt/meeshy is a directory here."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from ops.host.base import CommandTimedOut, Host, HostError, Result


class LocalHost(Host):
    name = "localhost"

    def _run(self, command: str, timeout: float, stdin: str | None) -> Result:
        started = time.monotonic()
        # A session of its own so that a timeout kills the whole pipeline, not only bash.
        proc = subprocess.Popen(["bash", "-c", command], stdin=subprocess.PIPE if stdin is not None
                                else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            message = f"on {self.name}: `{command}` timed out after {timeout:.0f}s"
            raise CommandTimedOut(self.mask(message)) from None
        return Result(command, proc.returncode, out, err, time.monotonic() - started)

    def put(self, local: Path, remote: str) -> None:
        self._copy(local, Path(remote))

    def get(self, remote: str, local: Path) -> None:
        self._copy(Path(remote), local)

    def _copy(self, source: Path, target: Path) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:
            message = f"on {self.name}: copying {source} to {target} failed: {type(exc).__name__}: {exc}"
            raise HostError(self.mask(message)) from exc
