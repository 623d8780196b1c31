"""Named sandbox stacks (translator, gateway, web) as background processes on loopback ports.

>>> info = up("staging", "mongodb://127.0.0.1:27017/meeshy", data="prisma", state_dir=Path("var/sandbox"))
>>> info.gateway_url, info.translator_url, info.web_url
>>> down("staging", Path("var/sandbox"))

Each stack keeps its state in ``<state_dir>/<name>/``: ``stack.json`` (pids, ports, URLs, data mode,
the database URL redacted), one log file per service, the uploads directory, and, with 0600
permissions, the JWT secret and the database URL (needed to undo database faults).
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from ops.config import redact_url
from ops.errors import OpsError
from ops.host.ports import free_port
from sandbox import db_faults
from sandbox.defects import ENV_VAR as DEFECTS_ENV_VAR
from sandbox.defects import Defects
from sandbox.faults import ENV_VAR as FAULTS_ENV_VAR
from sandbox.faults import Faults

DEFAULT_STATE_DIR = Path("var/sandbox")
JWT_ENV_VAR = "MEESHY_SANDBOX_JWT_SECRET"
MONGODB_URL_ENV_VAR = "MEESHY_SANDBOX_MONGODB_URL"
SERVICES = ("translator", "gateway", "web")
HEALTH_PATHS = {"translator": "/health", "gateway": "/health", "web": "/api/health"}
# Processes started by this Python process, so that stopping them also reaps them.
_children: dict[int, subprocess.Popen] = {}


@dataclass
class StackInfo:
    name: str
    data: str
    gateway_url: str
    translator_url: str
    web_url: str | None
    pids: dict[str, int]
    ports: dict[str, int]
    logs: dict[str, str]
    faults: list[str]
    mongodb_url: str  # redacted
    uploads_dir: str
    stack_dir: str
    startup_s: float = 0.0
    db_fault_record: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)  # the real version's defects left on
    # Filled by status(): per service {"pid", "url", "running", "health" (HTTP status or None)}.
    services: dict[str, dict[str, Any]] = field(default_factory=dict)

    def log_path(self, service: str) -> Path:
        return Path(self.logs[service])


def web_available() -> bool:
    """The web frontend is another part of the project; the stack runs without it until it exists."""
    try:
        return importlib.util.find_spec("sandbox.web.__main__") is not None
    except ModuleNotFoundError:
        return False


def _stack_dir(state_dir: Path, name: str) -> Path:
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise OpsError(f"invalid stack name {name!r}: use letters, digits, - and _")
    return Path(state_dir).resolve() / name


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def _jwt_secret(stack_dir: Path) -> str:
    """From the environment when set, else generated once per stack and kept (0600), never printed."""
    if os.environ.get("JWT_SECRET"):
        return os.environ["JWT_SECRET"]
    path = stack_dir / "jwt_secret"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _ours(pid: int) -> bool:
    """Guard against a recycled pid: only signal a process that runs one of our modules."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(arg.startswith(b"sandbox.") for arg in cmdline)


def _stop(pid: int, grace_s: float = 5.0) -> None:
    if not _alive(pid) or not _ours(pid):
        _children.pop(pid, None)
        return
    os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + grace_s
    while time.monotonic() < end and _alive(pid):
        time.sleep(0.05)  # poll interval
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        end = time.monotonic() + grace_s
        while time.monotonic() < end and _alive(pid):
            time.sleep(0.05)  # poll interval
    child = _children.pop(pid, None)
    if child is not None:
        child.wait(grace_s)


def _spawn(service: str, args: list[str], log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    log = open(log_path, "ab")
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", f"sandbox.{service}", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    finally:
        log.close()
    _children[process.pid] = process
    return process


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def probe(url: str, timeout: float = 1.0) -> int | None:
    """The HTTP status of a health URL, or None when nothing answers."""
    try:
        return requests.get(url, timeout=timeout).status_code
    except requests.RequestException:
        return None


def _models_loaded(url: str) -> bool:
    try:
        response = requests.get(url, timeout=2.0)
        return response.status_code == 200 and response.json().get("models_loading") is False
    except (requests.RequestException, ValueError, AttributeError):
        return False


def _expected_gateway_status(faults: Faults) -> int:
    return 503 if faults.db_unreachable and "health_lies" not in faults else 200


def up(
    name: str,
    mongodb_url: str,
    data: str = "prisma",
    faults: Iterable[str] = (),
    state_dir: Path = DEFAULT_STATE_DIR,
    ports: dict[str, int] | None = None,
    login_rate: str | None = None,
    global_rate: str | None = None,
    defects_off: Iterable[str] = (),
    translator_delay_ms: int = 20,
    translator_load_ms: int = 300,
    translate_deadline_s: float = 5.0,
    deadline_s: float = 20.0,
    with_web: bool = True,
) -> StackInfo:
    """Start translator, gateway and web, wait until each is healthy, and return where they listen.

    ``faults`` are fault names (``"db_down"``, ``"collection_missing:Mention"``); the environment
    variable MEESHY_SANDBOX_FAULTS adds to them. ``login_rate`` ("LIMIT/WINDOW_S") loosens or
    tightens the real gateway's login limit of 5 per 900 s for tests, ``global_rate`` its global limit
    of 300 per 60 s per client address ("off" removes it). The defects of the version stood for are
    on; ``defects_off`` names those to turn off ("all" for every one; sandbox/defects.py), and the
    variable MEESHY_SANDBOX_DEFECTS_OFF adds to them.
    """
    if data not in ("prisma", "legacy"):
        raise OpsError(f"--data must be prisma or legacy, not {data!r}")
    try:
        parsed = Faults([*faults, *os.environ.get(FAULTS_ENV_VAR, "").split(",")])
        defects = Defects(data, [*defects_off, *os.environ.get(DEFECTS_ENV_VAR, "").split(",")])
    except ValueError as exc:
        raise OpsError(str(exc)) from None
    stack_dir = _stack_dir(state_dir, name)
    existing = _read_state(stack_dir)
    if existing is not None:
        if any(_alive(pid) for pid in existing.pids.values()):
            raise OpsError(
                f"sandbox stack {name!r} is already running (gateway {existing.gateway_url}); "
                f"run `meeshy-ops sandbox down --name {name}` first"
            )
        _cleanup_state(stack_dir, existing)
    stack_dir.mkdir(parents=True, exist_ok=True)
    uploads = stack_dir / "uploads"
    uploads.mkdir(exist_ok=True)
    ports = dict(ports or {})
    for service in SERVICES:
        ports.setdefault(service, free_port())
    urls = {s: f"http://127.0.0.1:{ports[s]}" for s in SERVICES}
    logs = {s: str(stack_dir / f"{s}.log") for s in SERVICES}
    env = {k: v for k, v in os.environ.items() if k not in (FAULTS_ENV_VAR, DEFECTS_ENV_VAR, "JWT_SECRET")}
    env[JWT_ENV_VAR] = _jwt_secret(stack_dir)
    env[MONGODB_URL_ENV_VAR] = mongodb_url  # not on the command line: ps shows it to every user
    fault_text = parsed.to_text()
    defects_text = ",".join(defects.off)
    notes: list[str] = []

    started = time.monotonic()
    record = db_faults.apply(mongodb_url, parsed)
    _write_private(stack_dir / "db_url", mongodb_url)
    plan: dict[str, list[str]] = {}
    if "translator_down" in parsed:
        notes.append("translator not started (fault translator_down)")
    else:
        plan["translator"] = [
            "--port",
            str(ports["translator"]),
            "--delay-ms",
            str(translator_delay_ms),
            "--load-ms",
            str(translator_load_ms),
            "--faults",
            fault_text,
            "--data",
            data,
            "--defects-off",
            defects_text,
        ]
    gateway_args = [
        "--port",
        str(ports["gateway"]),
        "--mongodb-url-env",
        MONGODB_URL_ENV_VAR,
        "--data",
        data,
        "--translator-url",
        urls["translator"],
        "--uploads-dir",
        str(uploads),
        "--faults",
        fault_text,
        "--jwt-secret-env",
        JWT_ENV_VAR,
        "--translate-deadline",
        str(translate_deadline_s),
        "--defects-off",
        defects_text,
    ]
    if login_rate:
        gateway_args += ["--login-rate", login_rate]
    if global_rate:
        gateway_args += ["--global-rate", global_rate]
    plan["gateway"] = gateway_args
    if with_web and web_available():
        plan["web"] = [
            "--port",
            str(ports["web"]),
            "--gateway-url",
            urls["gateway"],
            "--state-dir",
            str(stack_dir),
            "--data",
            data,
            "--faults",
            fault_text,
            "--defects-off",
            defects_text,
        ]
    else:
        notes.append(
            "web not started: the sandbox.web package is not built yet"
            if with_web
            else "web not started (with_web=False)"
        )
    processes = {s: _spawn(s, args, Path(logs[s]), env) for s, args in plan.items()}

    info = StackInfo(
        name=name,
        data=data,
        gateway_url=urls["gateway"],
        translator_url=urls["translator"],
        web_url=urls["web"] if "web" in processes else None,
        pids={s: p.pid for s, p in processes.items()},
        ports=ports,
        logs=logs,
        faults=parsed.names(),
        defects=defects.names(),
        mongodb_url=redact_url(mongodb_url),
        uploads_dir=str(uploads),
        stack_dir=str(stack_dir),
        db_fault_record=record,
        notes=notes,
    )
    _write_state(stack_dir, info)
    expected = {"translator": 200, "gateway": _expected_gateway_status(parsed), "web": 200}
    # The translator counts once its models are loaded (/health's models_loading; its /ready never
    # looks at the models), unless the fault forbids it.
    wait_models = "models_not_loaded" not in parsed
    pending = set(processes)
    end = started + deadline_s
    while pending:
        for service in list(pending):
            if processes[service].poll() is not None:
                down(name, state_dir)
                raise OpsError(
                    f"sandbox {service} of stack {name!r} exited with code "
                    f"{processes[service].returncode}; last log lines:\n{_tail(Path(logs[service]))}"
                )
            if service == "translator" and wait_models:
                ok = _models_loaded(urls[service] + HEALTH_PATHS[service])
            else:
                ok = probe(urls[service] + HEALTH_PATHS[service], 2.0) == expected[service]
            if ok:
                pending.discard(service)
        if pending and time.monotonic() > end:
            down(name, state_dir)
            raise OpsError(
                f"sandbox stack {name!r}: {', '.join(sorted(pending))} not healthy within "
                f"{deadline_s:.0f}s; see {stack_dir}"
            )
        if pending:
            # Poll interval; each gateway /health counts in its global limiter, as on the real one.
            time.sleep(0.1)
    info.startup_s = round(time.monotonic() - started, 3)
    _write_state(stack_dir, info)
    return info


def _write_state(stack_dir: Path, info: StackInfo) -> None:
    tmp = stack_dir / "stack.json.tmp"
    tmp.write_text(json.dumps(asdict(info), indent=2))
    tmp.replace(stack_dir / "stack.json")


def _read_state(stack_dir: Path) -> StackInfo | None:
    try:
        return StackInfo(**json.loads((stack_dir / "stack.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _cleanup_state(stack_dir: Path, info: StackInfo) -> list[str]:
    problems: list[str] = []
    db_url_file = stack_dir / "db_url"
    if info.db_fault_record and db_url_file.exists():
        problems = db_faults.revert(db_url_file.read_text().strip(), info.db_fault_record)
    (stack_dir / "stack.json").unlink(missing_ok=True)
    db_url_file.unlink(missing_ok=True)
    return problems


def down(name: str, state_dir: Path = DEFAULT_STATE_DIR) -> bool:
    """Stop a stack (SIGTERM, wait, SIGKILL) and undo its database faults. False if none was running."""
    stack_dir = _stack_dir(state_dir, name)
    info = _read_state(stack_dir)
    if info is None:
        return False
    for service in reversed(SERVICES):
        if service in info.pids:
            _stop(info.pids[service])
    problems = _cleanup_state(stack_dir, info)
    if problems:
        raise OpsError(f"stack {name!r} stopped, but: " + "; ".join(problems))
    return True


def status(state_dir: Path = DEFAULT_STATE_DIR) -> list[StackInfo]:
    """Every stack with state under ``state_dir``, with ``services`` filled: per service its pid,
    URL, whether it runs and the HTTP status of its health route."""
    root = Path(state_dir).resolve()
    stacks = []
    for stack_json in sorted(root.glob("*/stack.json")) if root.exists() else []:
        info = _read_state(stack_json.parent)
        if info is None:
            continue
        urls = {"translator": info.translator_url, "gateway": info.gateway_url, "web": info.web_url}
        for service, pid in info.pids.items():
            running = _alive(pid)
            info.services[service] = {
                "pid": pid,
                "url": urls[service],
                "running": running,
                "health": probe(urls[service] + HEALTH_PATHS[service]) if running else None,
            }
        stacks.append(info)
    return stacks


def info(name: str, state_dir: Path = DEFAULT_STATE_DIR) -> StackInfo | None:
    return _read_state(_stack_dir(state_dir, name))
