"""The replica's Docker engine: reuse a dockerd that answers, else start one of ours; stop only ours.

>>> engine = start()          # reuses a running dockerd, or starts one and waits for `docker info`
>>> subprocess.run(["docker", "compose", "version"], env=docker_env())
>>> stop(engine)              # stops it only if we started it and no other session still uses it

Ours runs as `dockerd --iptables=false --ip-forward=false --bridge=none` (nothing a container does can
leave the machine) on the default socket /var/run/docker.sock, so that a plain `docker` in an SSH
session finds it as on the real server. Its log, pidfile and state live in var/replica/dockerd/.
Sessions sharing it (pytest-xdist workers, a rehearsal) register as users; the last one to leave stops
it, unless `python -m rehearsal.replica.dockerd start` pinned it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ops.errors import OpsError

ROOT = Path(__file__).resolve().parents[2]
STATE_DIR = ROOT / "var" / "replica" / "dockerd"
DOCKER_CONFIG = ROOT / ".tools" / "docker"  # holds cli-plugins/docker-compose (tools/compose/build.sh)
DOCKERD_ARGS = ("--iptables=false", "--ip-forward=false", "--bridge=none")


@dataclass
class Engine:
    """A dockerd we use: ``started`` is True only when this project started it (then ``pid`` is set)."""

    started: bool
    pid: int | None
    log: Path | None
    startup_s: float = 0.0
    version: str = ""


def docker_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a `docker` / `docker compose` command needs: the project's DOCKER_CONFIG."""
    env = dict(os.environ if base is None else base)
    env["DOCKER_CONFIG"] = str(DOCKER_CONFIG)
    return env


def server_version(timeout_s: float = 5.0) -> str | None:
    """The engine's version when a dockerd answers on the default socket, else None."""
    try:
        out = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True, text=True, timeout=timeout_s, env=docker_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = out.stdout.strip()
    return version if out.returncode == 0 and version and "<no value>" not in version else None


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _is_dockerd(pid: int) -> bool:
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return os.path.basename(argv0) == b"dockerd"


def _read_state(state_dir: Path) -> dict:
    try:
        return json.loads((state_dir / "state.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_state(state_dir: Path, state: dict) -> None:
    tmp = state_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(state_dir / "state.json")


def _live_users(state: dict) -> list[int]:
    return [pid for pid in state.get("users", []) if _pid_alive(pid)]


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start(deadline_s: float = 60.0, state_dir: Path = STATE_DIR) -> Engine:
    """Reuse the dockerd that answers, or start ours and wait until `docker info` answers."""
    with _locked(state_dir):
        state = _read_state(state_dir)
        ours = state.get("pid") if state.get("pid") and _is_dockerd(state["pid"]) else None
        version = server_version()
        if version is None and ours is None:
            state = _launch(deadline_s, state_dir)
            ours = state["pid"]
            version = server_version() or ""
        elif version is None:
            version = _wait(ours, deadline_s, Path(state["log"]))
        state["users"] = [*_live_users(state), os.getpid()]
        _write_state(state_dir, state if ours else {"users": state["users"]})
        log = Path(state["log"]) if ours else None
        return Engine(started=ours is not None, pid=ours, log=log, startup_s=state.get("startup_s", 0.0),
                      version=version)


def _launch(deadline_s: float, state_dir: Path) -> dict:
    for tool in ("dockerd", "docker"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode:
            raise OpsError(f"{tool} is not installed: run tools/docker/install.sh (make replica-tools)")
    if os.geteuid() != 0:
        raise OpsError("starting dockerd needs root; no dockerd answers on /var/run/docker.sock")
    log = state_dir / "dockerd.log"
    pidfile = state_dir / "dockerd.pid"
    started = time.monotonic()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            ["dockerd", *DOCKERD_ARGS, "--pidfile", str(pidfile)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        _wait(process.pid, deadline_s, log, process)
    except OpsError:
        _terminate(process.pid, 10.0)
        process.wait(5)
        raise
    return {"pid": process.pid, "log": str(log), "started_at": time.time(),
            "startup_s": round(time.monotonic() - started, 2), "pinned": False, "users": []}


def _wait(pid: int, deadline_s: float, log: Path, process: subprocess.Popen | None = None) -> str:
    end = time.monotonic() + deadline_s
    while True:
        version = server_version(2.0)
        if version:
            return version
        exited = process.poll() is not None if process else not _pid_alive(pid)
        if exited:
            raise OpsError(f"dockerd (pid {pid}) exited before answering; last lines of {log}:\n{_tail(log)}")
        if time.monotonic() > end:
            raise OpsError(f"dockerd (pid {pid}) did not answer `docker info` within {deadline_s:.0f}s; "
                           f"last lines of {log}:\n{_tail(log)}")
        time.sleep(0.2)  # poll interval


def _terminate(pid: int, grace_s: float) -> None:
    if not (_pid_alive(pid) and _is_dockerd(pid)):
        return
    os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + grace_s
    while time.monotonic() < end and _pid_alive(pid):
        time.sleep(0.1)  # poll interval
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _pid_alive(pid):
            time.sleep(0.1)  # poll interval


def stop(engine: Engine | None = None, grace_s: float = 40.0, state_dir: Path = STATE_DIR) -> bool:
    """Leave the engine: stop our dockerd when no other live user remains and it is not pinned.

    Returns True when dockerd was stopped. A dockerd we did not start is never stopped.
    """
    with _locked(state_dir):
        state = _read_state(state_dir)
        users = [pid for pid in _live_users(state) if pid != os.getpid()]
        state["users"] = users
        pid = state.get("pid")
        if not pid or not _is_dockerd(pid) or users or state.get("pinned"):
            _write_state(state_dir, state)
            return False
        _terminate(pid, grace_s)  # dockerd stops its containers (15 s each at most), then containerd
        _write_state(state_dir, {"users": []})
        return True


@contextlib.contextmanager
def running(deadline_s: float = 60.0) -> Iterator[Engine]:
    engine = start(deadline_s)
    try:
        yield engine
    finally:
        stop(engine)


def _pin(pinned: bool, state_dir: Path = STATE_DIR) -> None:
    with _locked(state_dir):
        state = _read_state(state_dir)
        if state.get("pid"):
            state["pinned"] = pinned
            _write_state(state_dir, state)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal.replica.dockerd", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("start", "stop", "status"))
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            engine = start()
            _pin(True)
            print(f"dockerd {engine.version} " + (f"started by us (pid {engine.pid}, log {engine.log})"
                                                  if engine.started else "already running (not ours)"))
        elif args.action == "stop":
            _pin(False)
            print("dockerd stopped" if stop() else "dockerd left running (not ours, or still in use)")
        else:
            state = _read_state(STATE_DIR)
            version = server_version()
            ours = bool(state.get("pid")) and _is_dockerd(state["pid"])
            print(f"dockerd {version or 'not answering'}; ours: {ours}; users: {_live_users(state)}")
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
