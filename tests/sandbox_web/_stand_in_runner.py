"""Temporary stand-in for `sandbox.stack` (being written): starts translator, gateway and web as
processes with the same `up`/`down` signature. Delete once `sandbox.stack` exists."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from ops.embedded_db import free_port

_RUNNING: dict[str, list[subprocess.Popen]] = {}


@dataclass(frozen=True)
class Info:
    gateway_url: str
    translator_url: str
    web_url: str


def _start(module: str, args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", module, *args], stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, env=env)


def _wait_healthy(url: str, deadline_s: float = 15.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not healthy after {deadline_s} s")


def up(name: str, db_url: str, *, data: str, faults: tuple[str, ...], state_dir: Path) -> Info:
    env = {**os.environ, "JWT_SECRET": secrets.token_hex(16)}
    ports = {k: free_port() for k in ("translator", "gateway", "web")}
    urls = {k: f"http://127.0.0.1:{p}" for k, p in ports.items()}
    fault_text = ",".join(faults)
    procs = [
        _start("sandbox.translator", ["--port", str(ports["translator"]), "--faults", fault_text],
               state_dir / "translator.log", env),
        _start("sandbox.gateway", ["--port", str(ports["gateway"]), "--mongodb-url", db_url, "--data", data,
                                   "--translator-url", urls["translator"], "--uploads-dir",
                                   str(state_dir / "uploads"), "--faults", fault_text],
               state_dir / "gateway.log", env),
        _start("sandbox.web", ["--port", str(ports["web"]), "--gateway-url", urls["gateway"],
                               "--translator-url", urls["translator"], "--state-dir", str(state_dir),
                               "--faults", fault_text],
               state_dir / "web.out", env),
    ]
    _RUNNING[name] = procs
    _wait_healthy(urls["translator"] + "/health")
    _wait_healthy(urls["gateway"] + "/health")
    _wait_healthy(urls["web"] + "/api/health")
    return Info(urls["gateway"], urls["translator"], urls["web"])


def down(name: str, state_dir: Path) -> None:
    for proc in _RUNNING.pop(name, []):
        proc.terminate()
        proc.wait(10)
