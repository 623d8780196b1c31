"""The switch, rollback and teardown under faults on the replica, each drill giving what an operator
would read (the error, the switch's record) and what the server shows after it."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from replica_faults import (
    dockerd_paused_on_fire,
    fire_when,
    full_filesystem,
    interrupt,
    kill_container,
    lose_link,
    python_interrupts,
    switch_state,
)

from ops.db import client, reach
from ops.errors import OpsError
from ops.stack import http_ok
from rehearsal.replica.layout import NEW
from rehearsal.write_stream import missing_writes

UNHEALTHY_GATEWAY = f"meeshy-replica/gateway:{NEW}-unhealthy"


@contextmanager
def unhealthy_new_gateway(site):
    """The new version's gateway image, as built, but its database unreachable: /health 503 for ever."""
    site.host.run("printf 'FROM meeshy-replica/gateway:%s\\nENV MEESHY_SANDBOX_FAULTS=db_down\\n' "
                  "| docker build -q -t %s -", NEW, UNHEALTHY_GATEWAY, timeout=300)
    good = site.new_images["GATEWAY_IMAGE"]
    site.new_images["GATEWAY_IMAGE"] = UNHEALTHY_GATEWAY
    try:
        yield
    finally:
        site.new_images["GATEWAY_IMAGE"] = good


# fault → (the stage it hits, how it is made); every one of them ends in the old production
SWITCH_FAULTS = {
    "disk full": ("prepare", lambda site: [full_filesystem(site.backups)]),
    "database container killed": ("delta", lambda site: [fire_when(site, kill_container("meeshy-database"),
                                                                   "delta")]),
    "SSH link lost": ("start", lambda site: [fire_when(site, lose_link, "start", command="up -d")]),
    "new gateway unhealthy": ("start", lambda site: [unhealthy_new_gateway(site)]),
    "Ctrl-C, and again during the restore": ("start", lambda site: [
        python_interrupts(), fire_when(site, interrupt, "start", command="up -d"),
        fire_when(site, interrupt, "start", status="restoring")]),
}


def failed_switch(site, switch, look, fault: str) -> dict:
    _stage, faults = SWITCH_FAULTS[fault]
    said: list[str] = []
    echo, site.echo = site.echo, said.append
    try:
        with ExitStack() as stack:
            for context in faults(site):
                stack.enter_context(context)
            with pytest.raises(OpsError) as failed:
                switch(site)
    finally:
        site.echo = echo
    return {"error": str(failed.value), "said": said, **_aftermath(site, look)}


def killed_switch_then_resumed(site, site_file: Path, look) -> dict:
    """``meeshy-ops switch`` killed with SIGKILL once it has rewritten production's .env, then
    ``switch --resume``."""
    from ops.steps.switch import resume

    before = site.host.read_text(site.production.env_file)
    cli = Path(sys.executable).with_name("meeshy-ops")
    process = subprocess.Popen([str(cli), "switch", "--site", str(site_file), "--yes"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not (switch_state(site).get("stage") == "start"
               and site.host.read_text(site.production.env_file) != before):
        if process.poll() is not None:
            pytest.fail(f"the switch ended before it could be killed: {process.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the switch did not reach its start stage within 600 s")
        time.sleep(0.05)
    process.kill()
    process.wait()
    killed = {"stage": switch_state(site).get("stage"), "status": switch_state(site).get("status")}
    resumed = resume(site)
    return {"killed_at": killed, "resumed": resumed, **_aftermath(site, look)}


def switch_with_dockerd_paused(site, switch, seconds: float) -> dict:
    """dockerd stops answering for ``seconds`` just as compose starts the new production."""
    with dockerd_paused_on_fire(seconds) as pause, fire_when(site, pause, "start", command="up -d") as fired:
        report = switch(site)
    return {"report": report, "fired": bool(fired)}


def step_with_link_lost(site, step, command: str) -> dict:
    """``step(site)`` losing the SSH link before its first command containing ``command``, then run again."""
    with fire_when(site, lose_link, command=command) as fired, pytest.raises(OpsError) as failed:
        step(site)
    return {"fired": bool(fired), "error": str(failed.value), "again": step(site)}


def _aftermath(site, look) -> dict:
    report = site.read_state(f"{site.production.state_dir}/switch.json")
    with reach(site.host, site.database_address(site.production), site.database) as url, client(url) as c:
        lost = missing_writes(report.get("probe_writes") or [], c[site.database], prisma=False)
    serving = http_ok(site.gateway_urls["production"] + "/health", site.tls_for("production"))
    return {"report": report, "lost": lost, "serving": serving, "after": look(site)}


def fault_table(drills: dict) -> str:
    rows = ["| fault | stage | outcome | downtime (s) | probe writes acknowledged | lost |",
            "|---|---|---|---|---|---|"]
    for fault, seen in drills.items():
        report = seen["report"]
        rows.append(f"| {fault} | {report.get('failed_stage') or report.get('stage')} | {report.get('status')} | "
                    f"{report.get('downtime_s')} | {len(report.get('probe_writes') or [])} | {len(seen['lost'])} |")
    return "\n".join(rows) + "\n"
