"""`meeshy-ops sandbox up|status|down` as an operator runs it: two named stacks side by side."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import requests

from sandbox import stack
from sandbox.fixture import write_fixture

CLI = [str(Path(sys.executable).parent / "meeshy-ops")]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_two_named_stacks_up_status_down(mongo_server, tmp_path: Path):
    state = tmp_path / "state"
    legacy_url, prisma_url = mongo_server.db_url("sbx_cli_legacy"), mongo_server.db_url("sbx_cli_prisma")
    write_fixture(legacy_url, "legacy")
    write_fixture(prisma_url, "prisma")
    up_prod = run(
        "up",
        "--name",
        "production",
        "--mongodb-url",
        legacy_url,
        "--data",
        "legacy",
        "--state-dir",
        str(state),
    )
    assert up_prod.returncode == 0, up_prod.stderr
    try:
        up_staging = run(
            "up",
            "--name",
            "staging",
            "--mongodb-url",
            prisma_url,
            "--state-dir",
            str(state),
            "--faults",
            "critical_log",
        )
        assert up_staging.returncode == 0, up_staging.stderr
        urls = dict(line.split(None, 1) for line in up_prod.stdout.splitlines())
        assert requests.get(urls["gateway"] + "/health", timeout=5).json()["sandbox"]["data"] == "legacy"
        assert "healthy in" in up_prod.stderr

        again = run("up", "--name", "production", "--mongodb-url", legacy_url, "--state-dir", str(state))
        assert again.returncode != 0 and "already running" in again.stderr

        listed = run("status", "--state-dir", str(state))
        assert listed.returncode == 0
        assert "production: legacy data" in listed.stdout and "staging: prisma data" in listed.stdout
        assert listed.stdout.count("HTTP 200") >= 4 and "faults=critical_log" in listed.stdout

        state_file = json.loads((state / "production" / "stack.json").read_text())
        secret_file = state / "production" / "jwt_secret"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        secret = secret_file.read_text().strip()
        everything = up_prod.stdout + up_prod.stderr + listed.stdout + json.dumps(state_file)
        everything += (state / "production" / "gateway.log").read_text()
        assert secret not in everything
        assert state_file["startup_s"] < 5.0
        pids = state_file["pids"]
    finally:
        down = run("down", "--name", "production", "--state-dir", str(state))
        run("down", "--name", "staging", "--state-dir", str(state))
    assert down.returncode == 0 and "stopped" in down.stdout
    assert not any(Path(f"/proc/{pid}").exists() and stack._alive(pid) for pid in pids.values())
    assert run("status", "--state-dir", str(state)).stdout.strip() == "no sandbox stack"
    assert (
        "no sandbox stack named production"
        in run("down", "--name", "production", "--state-dir", str(state)).stdout
    )


def test_python_api_status_lists_services(fresh_sandbox, sandbox_state):
    s = fresh_sandbox()
    [mine] = [info for info in stack.status(sandbox_state) if info.name == s.info.name]
    assert mine.services["gateway"]["health"] == 200 and mine.services["translator"]["running"] is True
    assert stack.info(s.info.name, sandbox_state).gateway_url == s.url
