"""Faults for the ops steps on the replica, each fired at a named stage of the switch.

Where the switch stands is read from its own record on the server (``state/switch.json``; the replica's
server files are on this machine): once the record names the stage, the fault fires just before the
step's next command to the server, as an outside event at that moment would. The commands themselves
are untouched, only observed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ops.host import HostUnreachable


def switch_state(site) -> dict:
    path = Path(site.production.state_dir) / "switch.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # not written yet, or being rewritten
        return {}


@contextmanager
def fire_when(site, action: Callable[[Callable], None], stage: str | None = None, status: str = "running",
              command: str = "") -> Iterator[list]:
    """``action(run)`` once, just before the first server command whose line and arguments contain
    ``command``, issued while the switch's record says ``stage``/``status`` (any time if ``stage`` is
    None); ``run`` is the unobserved command runner. Yields a list that gets ``True`` when it fired."""
    run, fired = site.host.run, []

    def observed(line, *args, **kwargs):
        if not fired and command in " ".join([line, *map(str, args)]):
            state = switch_state(site) if stage else {}
            if stage is None or (state.get("stage"), state.get("status")) == (stage, status):
                fired.append(True)
                action(run)
        return run(line, *args, **kwargs)

    site.host.run = observed
    try:
        yield fired
    finally:
        site.host.run = run


def lose_link(_run) -> None:
    raise HostUnreachable("lost the connection to the server (injected by the test)")


def kill_container(name: str) -> Callable:
    return lambda run: run("docker kill %s", name, timeout=60)


def interrupt(_run) -> None:
    """What Ctrl-C does: SIGINT to this process (the handler raises KeyboardInterrupt, unless it is held)."""
    os.kill(os.getpid(), signal.SIGINT)


@contextmanager
def python_interrupts() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt here, as in the CLI (a test worker may ignore it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def dockerd_paused_on_fire(seconds: float) -> Iterator[Callable]:
    """An action that stops dockerd answering (SIGSTOP) for ``seconds``; it is always resumed on exit."""
    pid = int(subprocess.check_output(["pgrep", "-xo", "dockerd"], text=True).split()[0])
    resume = threading.Timer(seconds, os.kill, (pid, signal.SIGCONT))

    def pause(_run) -> None:
        os.kill(pid, signal.SIGSTOP)
        resume.start()

    try:
        yield pause
    finally:
        resume.cancel()
        os.kill(pid, signal.SIGCONT)


@contextmanager
def full_filesystem(path: str) -> Iterator[None]:
    """``path`` on a tiny tmpfs filled to the last byte (what it held is hidden until the end)."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "meeshy-full", path], check=True)
    try:
        subprocess.run(["dd", "if=/dev/zero", f"of={path}/filler", "bs=4k"], capture_output=True)  # until ENOSPC
        yield
    finally:
        subprocess.run(["umount", path], check=True)
