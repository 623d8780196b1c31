"""switch: freeze the old production, apply the delta since T0, verify, start the new production.

Downtime is measured from the first write refused to the first write accepted. Anything that fails
after the freeze brings the old production back before the error is raised: production is never
left down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ops.errors import OpsError
from ops.stack import http_ok, wait_healthy
from ops.steps.site import Site
from ops.steps.writes import conversation_id, try_write, wait_for_accepted_write

STAGES = ("freeze", "delta", "verify", "stop-staging", "render", "start", "health", "smoke")
DOWNTIME_LIMIT_S = 600


def latest_snapshot(site: Site) -> str | None:
    found = site.host.run(
        "ls -1d %s/pre-switch-*/MANIFEST.md 2>/dev/null | sort | tail -1", site.snapshots, check=False
    ).stdout.strip()
    return found.rsplit("/", 2)[-2] if found else None


def preflight(site: Site) -> dict:
    """The refusals: staging healthy, its suite passed on the current migration, a snapshot taken."""
    endpoints = site.engine.endpoints(site.staging)
    if endpoints is None or not http_ok(endpoints.gateway_url + "/health"):
        raise OpsError("refused: staging is not healthy (its gateway /health does not answer 200)")
    migration = site.read_state(f"{site.staging.directory}/state/migration.json")
    if not migration.get("verify_ok"):
        raise OpsError("refused: staging has no verified migration (run migrate-to-staging)")
    validation = site.read_state(f"{site.staging.directory}/state/validation-staging.json")
    if not validation.get("passed") or validation.get("migration_id") != migration["migration_id"]:
        raise OpsError(
            "refused: the staging suite has not passed on the current migration "
            f"({migration['migration_id']}); run `validate --env staging`"
        )
    snapshot = latest_snapshot(site)
    if snapshot is None:
        raise OpsError("refused: no pre-switch snapshot exists; run `capture` first")
    return {"migration": migration, "snapshot": snapshot}


def switch(
    site: Site, on_stage: Callable[[str], None] = lambda stage: None, health_deadline_s: float = 60.0
) -> dict:
    """Returns the switch report (downtime, delta, snapshot). ``on_stage`` lets tests inject failures."""
    checks = preflight(site)
    t0 = datetime.fromisoformat(checks["migration"]["t0"])
    if site.would(
        f"freeze production, apply the delta since T0 {t0.isoformat()}, verify, stop staging, "
        f"start production on staging's migrated data, poll health, smoke-check "
        f"(snapshot {checks['snapshot']})"
    ):
        return {}
    site.confirm("This switches PRODUCTION. Are you ABSOLUTELY sure?", "oui")
    site.confirm("Last confirmation.", "SWITCH-PRODUCTION")
    from ops.migration.delta import apply_delta
    from ops.migration.verify import verify

    prod = site.production
    old_env = site.host.read_text(prod.env_file)
    old_gateway = site.engine.endpoints(prod)
    conversation = conversation_id(site.production_db_url)
    report: dict = {"snapshot": checks["snapshot"], "t0": t0.isoformat(), "stages": {}}
    stage = "freeze"
    try:
        on_stage(stage)
        site.engine.stop_writers(prod)
        if old_gateway is not None and try_write(old_gateway.gateway_url, conversation):
            raise OpsError("the old production still accepts writes after the freeze")
        t_refused = time.monotonic()
        site.echo("production frozen: writes are refused from now on")
        stage = "delta"
        on_stage(stage)
        delta = apply_delta(site.production_db_url, site.staging_db_url, since=t0)
        report["delta"] = _plain(delta)
        stage = "verify"
        on_stage(stage)
        result = verify(site.production_db_url, site.staging_db_url)
        if not (result.get("ok") if isinstance(result, dict) else getattr(result, "ok", False)):
            raise OpsError("verification after the delta failed")
        stage = "stop-staging"
        on_stage(stage)
        site.engine.down(site.staging)
        stage = "render"
        on_stage(stage)
        site.host.write_text(prod.env_file, site.render_env(prod, site.staging_db_url, "prisma"), mode="600")
        stage = "start"
        on_stage(stage)
        endpoints = site.engine.up(prod)
        stage = "health"
        on_stage(stage)
        wait_healthy(endpoints.gateway_url + "/health", health_deadline_s, "the new production gateway")
        stage = "smoke"
        on_stage(stage)
        t_accepted = wait_for_accepted_write(endpoints.gateway_url, conversation, health_deadline_s)
    except BaseException as exc:
        _restore_old_production(site, old_env, health_deadline_s)
        raise OpsError(
            f"switch failed at stage '{stage}' ({type(exc).__name__}: {site.host.mask(str(exc))}); "
            "the OLD production was brought back and is serving"
        ) from exc
    downtime = t_accepted - t_refused
    report.update({"downtime_s": round(downtime, 2), "gateway_url": endpoints.gateway_url})
    site.write_state(f"{prod.directory}/state/switch.json", report)
    verdict = "within" if downtime <= DOWNTIME_LIMIT_S else "ABOVE"
    site.echo(
        f"switch done: downtime {downtime:.2f}s (first write refused → first write accepted), "
        f"{verdict} the {DOWNTIME_LIMIT_S}s limit"
    )
    return report


def _restore_old_production(site: Site, old_env: str, health_deadline_s: float) -> None:
    prod = site.production
    site.echo("switch failed after the freeze: bringing the old production back")
    try:
        site.engine.down(prod)
    except Exception as exc:  # noqa: BLE001 - best effort: the old stack is restarted next either way
        site.echo(f"(stopping the half-started production failed: {exc})")
    site.host.write_text(prod.env_file, old_env, mode="600")
    endpoints = site.engine.up(prod)
    wait_healthy(endpoints.gateway_url + "/health", health_deadline_s, "the restored old production")
    site.echo(f"the old production is back and healthy at {endpoints.gateway_url}")


def _plain(report: object) -> object:
    if isinstance(report, dict):
        return report
    return (
        {k: v for k, v in vars(report).items() if isinstance(v, int | float | str | bool)}
        if hasattr(report, "__dict__")
        else str(report)
    )
