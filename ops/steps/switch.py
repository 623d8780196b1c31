"""switch: freeze the old production, apply the delta since T0, check it, open the new production.

Downtime is measured as users see it: a probe writes to the production address every 0.1 s, and the
downtime runs from its first write refused to its first write accepted. The new production is started
privately first, health-polled and smoke-checked there, and only then opened on the public address,
so a failure before the opening leaves no user write in the new database. Anything that fails after
the freeze brings the old production back before the error is raised: production is never left down.

Only work proportional to the delta happens while production is frozen: the delta itself, and a check
that every source document is accounted for (collection counts). The full verification (every
fingerprint) reads the whole database; it runs before the switch on staging and after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from ops.errors import OpsError
from ops.stack import http_ok, wait_healthy
from ops.steps.site import Site
from ops.steps.writes import Probe, Writer, conversation_id, smoke

STAGES = ("freeze", "delta", "verify", "start", "health", "smoke", "open")
DOWNTIME_LIMIT_S = 600
FREEZE_DEADLINE_S = 30.0


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


def accounted_for(source_url: str, target_url: str) -> tuple[list[str], dict]:
    """Per collection the target keeps: source count = target count + quarantined rejects. Reads
    collection statistics only, so its cost does not grow with the database. Also returns the counts
    as a report in the migration report's form: what production's data checks expect after the switch."""
    from ops.migration.connect import collection_count, open_database
    from ops.migration.plan import DROP, META_COLLECTION, MIGRATE, REJECTS_COLLECTION

    source, target = open_database(source_url, "source"), open_database(target_url, "target")
    meta = target[META_COLLECTION].find_one({"_id": "run"}) or {}
    rejects: dict[str, int] = {}
    for rec in target[REJECTS_COLLECTION].find({}, {"collection": 1}):
        rejects[rec["collection"]] = rejects.get(rec["collection"], 0) + 1
    problems, rows = [], {}
    for name, fate in meta.get("plan", {}).items():
        want = collection_count(source, name)
        if fate == DROP:
            rows[name] = {"fate": fate, "source": want, "dropped": want}
            continue
        have = collection_count(target, name)
        rows[name] = {"fate": fate, "source": want, "migrated" if fate == MIGRATE else "copied": have,
                      "rejected": rejects.get(name, 0)}
        if have + rejects.get(name, 0) != want:
            problems.append(f"{name}: {want} in production, {have} migrated + {rejects.get(name, 0)} rejected")
    report = {"kind": "switch-counts", "collections": rows, "ok": not problems, "failures": problems,
              "finished_at": datetime.now(UTC).isoformat()}
    return problems, report


def switch(site: Site, on_stage: Callable[[str], None] = lambda stage: None,
           health_deadline_s: float = 60.0) -> dict:
    """Returns the switch report (downtime, delta, snapshot, the probe's accepted writes).
    ``on_stage`` is called as each stage begins: tests inject failures through it."""
    checks = preflight(site)
    t0 = datetime.fromisoformat(checks["migration"]["t0"])
    if site.would(
        f"freeze production, apply the delta since T0 {t0.isoformat()}, check every document is "
        f"accounted for, stop staging, start the new production privately on staging's migrated data, "
        f"poll health, smoke-check, open it (snapshot {checks['snapshot']})"
    ):
        return {}
    site.confirm("This switches PRODUCTION. Are you ABSOLUTELY sure?", "oui")
    site.confirm("Last confirmation.", "SWITCH-PRODUCTION")
    from ops.migration.delta import apply_delta

    prod = site.production
    old_env = site.host.read_text(prod.env_file)
    public = site.engine.endpoints(prod)
    if public is None:
        raise OpsError("refused: the production stack is not running")
    conversation = conversation_id(site.production_db_url)
    probe = Probe(Writer(public.gateway_url, site.probe_username, site.probe_password), conversation).start()
    report: dict = {"snapshot": checks["snapshot"], "t0": t0.isoformat(), "stages": {}}
    stage, staging_stopped = "freeze", False
    try:
        try:
            on_stage(stage)
            site.engine.stop_writers(prod)
            probe.wait(lambda: probe.first_refused() is not None, FREEZE_DEADLINE_S, "write refused")
            site.echo("production frozen: writes are refused from now on")
            stage = "delta"
            on_stage(stage)
            delta = apply_delta(site.production_db_url, site.staging_db_url, since=t0)
            report["delta"] = {k: delta[k] for k in ("totals", "collections", "seconds", "examined_collections")}
            stage = "verify"
            on_stage(stage)
            problems, counts = accounted_for(site.production_db_url, site.staging_db_url)
            report["counts_report"] = f"{prod.directory}/state/switch-counts.json"
            site.host.write_text(report["counts_report"], json.dumps(counts, indent=2))
            if problems:
                raise OpsError("documents not accounted for after the delta: " + "; ".join(problems))
            stage = "start"
            on_stage(stage)
            site.engine.down(site.staging)
            staging_stopped = True
            site.host.write_text(prod.env_file, site.render_env(prod, site.staging_db_url, "prisma"), mode="600")
            private = site.engine.up(prod, private=True)
            stage = "health"
            on_stage(stage)
            wait_healthy(private.gateway_url + "/health", health_deadline_s, "the new production gateway")
            stage = "smoke"
            on_stage(stage)
            smoke(private.gateway_url, site.probe_username, site.probe_password, conversation)
            stage = "open"
            on_stage(stage)
            site.engine.down(prod)
            opened = site.engine.up(prod)
            wait_healthy(opened.gateway_url + "/health", health_deadline_s, "the opened new production")
        except BaseException as exc:
            _restore_old_production(site, old_env, staging_stopped, health_deadline_s)
            try:
                probe.wait(lambda: probe.downtime() is not None, health_deadline_s, "write accepted")
                served = f"serving (downtime {probe.downtime():.1f}s)"
            except TimeoutError:
                served = "healthy, but the probe's writes are still refused"
            report.update({"failed_stage": stage, "error": site.host.mask(str(exc)), "probe_writes": probe.accepted,
                           "downtime_s": probe.downtime()})
            site.write_state(f"{prod.directory}/state/switch.json", report)
            raise OpsError(
                f"switch failed at stage '{stage}' ({type(exc).__name__}: {site.host.mask(str(exc))}); "
                f"the OLD production was brought back and is {served}"
            ) from exc
        probe.wait(lambda: probe.downtime() is not None, health_deadline_s, "write accepted")
    finally:
        probe.stop()
    downtime = probe.downtime() or 0.0
    report.update({"downtime_s": round(downtime, 2), "gateway_url": opened.gateway_url,
                   "probe_writes": probe.accepted})
    site.write_state(f"{prod.directory}/state/switch.json", report)
    verdict = "within" if downtime <= DOWNTIME_LIMIT_S else "ABOVE"
    site.echo(
        f"switch done: downtime {downtime:.2f}s (first write refused → first write accepted), "
        f"{verdict} the {DOWNTIME_LIMIT_S}s limit; delta {report['delta']['totals']}"
    )
    return report


def _restore_old_production(site: Site, old_env: str, restart_staging: bool, health_deadline_s: float) -> None:
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
    if restart_staging:
        try:
            site.engine.up(site.staging)
        except Exception as exc:  # noqa: BLE001 - production is back; staging is for a later attempt
            site.echo(f"(staging could not be restarted: {exc}; run deploy-staging)")
