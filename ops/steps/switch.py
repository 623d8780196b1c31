"""switch: production takes the new images and the migrated data; the delta since T0 carries every write.

The plan (the runbook's, made cheaper while production is frozen):

1. prepare, production still serving: staging's writers are stopped and its migrated database is
   copied (mongodump in staging's database container, mongorestore with a namespace mapping) into
   production's database server as ``next_database``, beside the legacy database, which stays untouched;
   catch-up, still serving: the changes since T0 are applied to ``next_database``, and what staging's
   tests and testers wrote there is removed (every collection counted); probe: the probe
   account writes once (a failure in any of these stops the switch with production untouched);
2. freeze: production's writers stop (the probe sees its first refused write: downtime starts);
3. delta: the changes since the catch-up began (the server's clock) are applied to ``next_database``
   (only the deltas wrote to it since the catch-up: a collection the oplog names no delete for is
   not counted);
4. verify: every document of the legacy database is accounted for (collection counts only);
5. start: the .env gets the new images and the URL of ``next_database`` (no other key changes) and
   compose recreates the services whose configuration changed;
6. health and smoke: essential services healthy, the public /health 200, the probe account writes
   and reads back a message (the downtime ends at the probe's first accepted write).

Work while frozen is the delta and the counts: writing is proportional to the changes of the last moments,
and so is finding them in the database server's oplog; without one, finding them is one filtered read
per collection (see ops.migration.delta for what that costs).
Anything failing after the freeze puts the old .env back byte for byte and restarts production on the
old images and the legacy database, which no step of the switch wrote to.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ops import backup
from ops.config import merge_env
from ops.config.site import Site, timestamp
from ops.db import collection_count, opened, reach, with_database
from ops.errors import OpsError
from ops.interrupts import held_interrupts
from ops.migration.results import CountsReport, DeltaReport
from ops.stack import http_ok, wait_healthy
from ops.steps.probe import Probe, Writer, smoke
from ops.steps.results import SwitchReport
from ops.steps.switch_record import SwitchRecord

DOWNTIME_LIMIT_S = 600
FREEZE_DEADLINE_S = 30.0
HEALTH_DEADLINE_S = 180.0
BROUGHT_BACK = "the OLD production was brought back and is serving"
BEFORE_THE_FREEZE = ("prepare", "catch-up", "probe")


def latest_snapshot(site: Site) -> str | None:
    found = site.host.run("ls -1d %s/pre-switch-*/MANIFEST.md 2>/dev/null | sort | tail -1", site.snapshots,
                          check=False).stdout.strip()
    return found.rsplit("/", 2)[-2] if found else None


def preflight(site: Site) -> dict:
    """The refusals: staging healthy, its suite passed on the current migration, a snapshot taken after it."""
    if not http_ok(site.gateway_urls["staging"] + "/health", site.tls_for("staging")):
        raise OpsError("refused: staging is not healthy (its gateway /health does not answer 200)")
    migration = site.read_state(f"{site.staging.state_dir}/migration.json")
    if not migration.get("verify_ok"):
        raise OpsError("refused: staging has no verified migration (run migrate-to-staging)")
    validation = site.read_state(f"{site.staging.state_dir}/validation-staging.json")
    if not validation.get("passed") or validation.get("migration_id") != migration["migration_id"]:
        raise OpsError("refused: the staging suite has not passed on the current migration "
                       f"({migration['migration_id']}); run `validate --env staging`")
    snapshot = latest_snapshot(site)
    if snapshot is None or snapshot < f"pre-switch-{migration['migration_id']}":
        raise OpsError("refused: no pre-switch snapshot taken after the migration; run `capture` first")
    if "DATABASE_URL" not in site.env_config(site.production):
        raise OpsError(f"refused: {site.production.env_file} has no DATABASE_URL for the switch to point elsewhere")
    if not site.engine.serving(site.production):
        raise OpsError("refused: the production stack is not serving")
    return {"migration": migration, "snapshot": snapshot}


def accounted_for(source_url: str, target_url: str) -> CountsReport:
    """Per collection the target keeps: source count = target count + quarantined rejects. Reads
    collection statistics only, so its cost does not grow with the database."""
    from ops.migration.plan import DROP, META_COLLECTION, MIGRATE, REJECTS_COLLECTION  # the migration, on demand

    with opened(source_url, "source") as source, opened(target_url, "target") as target:
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
            have = collection_count(target, meta.get("targets", {}).get(name, name))  # renamed by the plan
            rows[name] = {"fate": fate, "source": want, "migrated" if fate == MIGRATE else "copied": have,
                          "rejected": rejects.get(name, 0)}
            if have + rejects.get(name, 0) != want:
                problems.append(f"{name}: {want} in production, {have} migrated + {rejects.get(name, 0)} rejected")
    return CountsReport(collections=rows, failures=problems, finished_at=datetime.now(UTC).isoformat())


def switch(site: Site) -> SwitchReport | None:
    """Returns the switch report (downtime, delta, images before and after, the probe's accepted writes)."""
    checks = preflight(site)
    t0 = datetime.fromisoformat(checks["migration"]["t0"])
    prod = site.production
    if site.would(f"stop staging's writers, copy staging's {site.staging_database} into production's database "
                  f"server as {site.next_database}, apply the delta since T0 {t0.isoformat()} to it, freeze "
                  f"production, apply the delta since that pass, count, set {', '.join(site.new_images)} and "
                  f"DATABASE_URL in {prod.env_file}, recreate, poll health, smoke-check (snapshot"
                  f" {checks['snapshot']})"):
        return None
    site.confirm("This switches PRODUCTION. Are you ABSOLUTELY sure?", "oui")
    site.confirm("Last confirmation.", "SWITCH-PRODUCTION")
    site.mask_env_secrets(prod)
    record = SwitchRecord(site, SwitchReport(snapshot=checks["snapshot"], t0=t0.isoformat(),
                                             images_before=site.engine.images(prod), tls=site.tls_note()))
    report = record.report
    old_env = site.host.read_text(prod.env_file)
    site.host.run("mkdir -p %s", prod.state_dir)
    site.host.write_text(record.old_env_file, old_env, mode="600")  # what `switch --resume` puts back
    _before_the_freeze(site, record, "prepare", lambda: _prepare(site, report))
    since = _before_the_freeze(site, record, "catch-up", lambda: _catch_up(site, t0, report))
    public, tls = site.gateway_urls["production"], site.tls_for("production")
    probe = _before_the_freeze(site, record, "probe", lambda: Probe(
        Writer(public, site.probe_username, site.probe_password, site.api_prefixes["old"], verify=tls),
        site.probe_conversation, (site.api_prefixes["old"], site.api_prefixes["new"])).start())
    writer = Writer(public, site.probe_username, site.probe_password, site.api_prefixes["new"], verify=tls)
    stages = (("freeze", lambda: _freeze(site, probe)),
              ("delta", lambda: _delta(site, since, report)),
              ("start", lambda: _start(site, old_env)),
              ("health", lambda: wait_healthy(public + "/health", HEALTH_DEADLINE_S, "the new production gateway",
                                              tls)),
              ("smoke", lambda: smoke(writer, site.probe_conversation)))
    stage = stages[0][0]
    try:
        try:
            for stage, action in stages:
                record.enter(stage)
                started = time.monotonic()
                action()
                report.seconds[stage] = round(time.monotonic() - started, 2)
        except BaseException as exc:  # Ctrl-C included: production must come back either way
            with held_interrupts(site.echo):
                restored = _restore_after_failure(site, old_env, probe, record, stage, exc)
            raise OpsError(f"switch failed at stage '{stage}' ({type(exc).__name__}: {site.host.mask(str(exc))}); "
                           f"{restored}") from None
        record.enter("switched")  # the new production passed its smoke check: `--resume` leaves it be
        probe.wait(lambda: probe.downtime() is not None, HEALTH_DEADLINE_S)
    finally:
        probe.stop()
    return _switched(site, record, probe)


def _switched(site: Site, record: SwitchRecord, probe: Probe) -> SwitchReport:
    """The new production serves: the record finished with the downtime, and the operator told."""
    prod, downtime = site.production, probe.downtime()
    try:
        images_after, writers = site.engine.images(prod), site.engine.writers(prod)
    except Exception as exc:  # noqa: BLE001 - the switch is done: say so, whatever the inspection met
        images_after, writers = {}, []
        site.echo(f"the images production runs could not be read ({site.host.mask(f'{type(exc).__name__}: {exc}')})")
    record.finish("done", downtime_s=_rounded(downtime), gateway_url=site.gateway_urls["production"],
                  probe_writes=probe.accepted, probe_throttled=probe.throttled, images_after=images_after,
                  staging="writers stopped; database kept")
    report = record.report
    if downtime is None:  # the smoke check wrote, the probe did not: the downtime is unknown, never 0
        raise OpsError(f"the new production is serving (smoke check passed) but the probe's writes are still "
                       f"refused {HEALTH_DEADLINE_S:.0f}s later: the downtime was not measured; see {record.path}")
    verdict = "within" if downtime <= DOWNTIME_LIMIT_S else "ABOVE"
    site.echo(f"switch done: downtime {downtime:.2f}s (first write refused → first write accepted), {verdict} the "
              f"{DOWNTIME_LIMIT_S}s limit; delta {report.delta['totals']}; images "
              + ", ".join(f"{s}: {report.images_before.get(s, {}).get('ref')} → {i['ref']}"
                          for s, i in images_after.items() if s in writers))
    return report


def resume(site: Site) -> SwitchReport | None:
    """After a switch that did not finish (killed, the link lost, a second interrupt): production as it was
    before it, from the stage its record names. A switch that passed its smoke check is left as it is."""
    record = SwitchRecord.load(site)
    status, stage = record.report.status, record.report.stage
    if status in (None, "done", "restored", "stopped-before-freeze") or stage == "switched":
        raise OpsError(f"nothing to resume: the last switch is '{status or 'not recorded'}'"
                       + (" (the new production passed its smoke check; `rollback` goes back)"
                          if stage == "switched" else "") + f" (see {record.path})")
    if not site.host.exists(record.old_env_file):
        raise OpsError(f"cannot resume: {record.old_env_file} (the .env before the switch) is missing; "
                       "run `meeshy-ops rollback`")
    if site.would(f"bring production back as it was before the switch interrupted at stage '{stage}'"):
        return None
    site.confirm(f"The last switch stopped at stage '{stage}' ({status}). Bring the old production back?", "oui")
    site.mask_env_secrets(site.production)
    with held_interrupts(site.echo):
        if stage in BEFORE_THE_FREEZE:
            restored = _restart_staging(site, "production was never frozen")
            record.finish("stopped-before-freeze", best_effort=True, restore=restored)
        else:
            back = _bring_back(site, site.host.read_text(record.old_env_file), record)
            restored = _restart_staging(site, back)
            record.finish("restored" if back == BROUGHT_BACK else "restore-failed", best_effort=True,
                          restore=restored)
    site.echo(restored)
    return record.report


def _before_the_freeze(site: Site, record: SwitchRecord, stage: str, action):
    """A stage while production still serves. On a failure the switch stops there: production untouched,
    staging's writers restarted."""
    record.enter(stage)
    try:
        return action()
    except BaseException as exc:  # Ctrl-C included: staging's writers come back
        error = site.host.mask(f"{type(exc).__name__}: {exc}")
        with held_interrupts(site.echo):
            restored = _restart_staging(site, "production was never frozen and is serving as before")
        record.finish("stopped-before-freeze", best_effort=True, failed_stage=stage, error=error, restore=restored)
        raise OpsError(f"switch stopped at stage '{stage}', before the freeze ({error}); {restored}") from None


def _prepare(site: Site, report: SwitchReport) -> None:
    """Staging's migrated database copied beside production's legacy one."""
    staging, prod = site.staging, site.production
    started = time.monotonic()
    site.engine.stop(staging, site.engine.writers(staging))
    archive = f"{site.backups}/switch-{timestamp()}/{site.staging_database}.archive.gz"
    record = backup.dump(site.host, site.database_container(staging), site.staging_database, archive)
    backup.restore(site.host, site.database_container(prod), archive, site.staging_database, site.next_database)
    report.prepare = {"archive": archive, "sha256": record.sha256, "database": site.next_database,
                      "seconds": round(time.monotonic() - started, 1)}
    site.echo(f"staging's migrated data copied into production's database server as {site.next_database}")


def _catch_up(site: Site, t0: datetime, report: SwitchReport) -> datetime:
    """The changes since T0 carried into the copy, so that the delta while frozen has only the last
    moments to carry. Returns where that one starts: the server's clock before this pass."""
    since = site.host.clock() - backup.CLOCK_MARGIN
    delta = _apply_delta(site, t0)
    report.catch_up = {"since": t0.isoformat(), "seconds": delta.seconds, "found_by": delta.found_by,
                       "totals": delta.totals}
    site.echo(f"changes since T0 carried into {site.next_database} in {delta.seconds:.1f}s while production serves "
              f"(found by {delta.found_by}; {delta.totals})")
    return since


def _freeze(site: Site, probe: Probe) -> None:
    site.engine.stop(site.production, site.engine.writers(site.production))
    if not probe.wait(lambda: probe.first_refused() is not None, FREEZE_DEADLINE_S):
        raise OpsError(f"production still accepts writes {FREEZE_DEADLINE_S:.0f}s after its writers stopped")
    site.echo("production frozen: writes are refused from now on")


def _apply_delta(site: Site, since: datetime, **how) -> DeltaReport:
    from ops.migration.delta import apply_delta  # the migration package, on demand

    with reach(site.host, site.database_address(site.production), site.database) as source:
        return apply_delta(source, with_database(source, site.next_database), since=since, schema_path=site.schema,
                           **how)


def _delta(site: Site, since: datetime, report: SwitchReport) -> None:
    prod = site.production
    delta = _apply_delta(site, since, target_untouched=True)  # the catch-up undid staging's own writes
    report.delta = {"totals": delta.totals, "collections": delta.collections, "seconds": delta.seconds,
                    "examined_collections": delta.examined_collections, "since": since.isoformat(),
                    "found_by": delta.found_by}
    with reach(site.host, site.database_address(prod), site.database) as source:
        counts = accounted_for(source, with_database(source, site.next_database))
    report.counts_report = f"{prod.state_dir}/switch-counts.json"
    site.write_state(report.counts_report, counts.to_json())
    if not counts.ok:
        raise OpsError("documents not accounted for after the delta: " + "; ".join(counts.failures))


def _start(site: Site, old_env: str) -> None:
    prod = site.production
    url = site.env_config(prod)["DATABASE_URL"]
    new_env = merge_env(old_env, {"DATABASE_URL": with_database(url, site.next_database), **site.new_images})
    site.host.write_text(prod.env_file, new_env, mode="600")
    site.engine.up(prod, HEALTH_DEADLINE_S)


def _restore_after_failure(site: Site, old_env: str, probe: Probe, record: SwitchRecord, stage: str,
                           exc: BaseException) -> str:
    """After a failure past the freeze: the old production back, and what is left said exactly."""
    site.echo(f"switch failed at stage '{stage}': bringing the old production back")
    record.report.failed_stage, record.report.error = stage, site.host.mask(f"{type(exc).__name__}: {exc}")
    record.enter(stage, status="restoring", best_effort=True)
    restored = _bring_back(site, old_env, record)
    back_ok = restored == BROUGHT_BACK
    if back_ok:
        back = probe.wait(lambda: probe.downtime() is not None, HEALTH_DEADLINE_S)
        restored += f" (downtime {probe.downtime():.1f}s)" if back else ", but the probe's writes are still refused"
    restored = _restart_staging(site, restored)
    record.finish("restored" if back_ok else "restore-failed", best_effort=True, restore=restored,
                  probe_writes=probe.accepted, downtime_s=_rounded(probe.downtime()))
    site.echo(restored)
    return restored


def _bring_back(site: Site, old_env: str, record: SwitchRecord) -> str:
    """The old .env byte for byte, the old images, the legacy database: production serving again."""
    prod = site.production
    try:
        site.host.write_text(prod.env_file, old_env, mode="600")
        site.engine.up(prod, HEALTH_DEADLINE_S)
        wait_healthy(site.gateway_urls["production"] + "/health", HEALTH_DEADLINE_S, "the old production",
                     site.tls_for("production"))
    except Exception as again:  # noqa: BLE001 - say exactly what is left rather than a traceback
        return (f"bringing the old production back FAILED ({site.host.mask(f'{type(again).__name__}: {again}')}); "
                f"the .env before the switch is kept at {record.old_env_file} (0600); run `meeshy-ops switch "
                f"--resume`, or `meeshy-ops rollback`")
    return BROUGHT_BACK


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 2)


def _restart_staging(site: Site, said: str) -> str:
    try:
        site.engine.up(site.staging, HEALTH_DEADLINE_S)
    except Exception as exc:  # noqa: BLE001 - production first; staging is for a later attempt
        return f"{said}; staging could not be restarted ({site.host.mask(str(exc))}); run deploy-staging"
    return f"{said}; staging's writers restarted"
