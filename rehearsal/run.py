"""The whole procedure on this machine, with the same step code a real server runs.

The replica (real dockerd and Compose over real SSH, old production on the legacy dataset), then the
ops steps in the runbook's order exactly as an operator runs them against meeshy.me: deploy staging,
migrate to staging, the staging suite while a recorded stream of writes lands on the old production,
capture, switch (downtime measured by the probe), the production suite, every recorded write checked
in the new production, every document accounted for, the optional rollback drill, the Allure report.
Every phase is timed; the summary is printed as a table and written as JSON into the report dir.
Whatever happens (a failure, Ctrl-C, SIGTERM), the replica is taken down at the end.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ops.db import client, reach
from ops.report import build_report
from rehearsal.replica import server_replica
from rehearsal.write_stream import WriteStream, missing_writes, save_jsonl

STREAM_ACCOUNTS = ("admin", "meeshy")  # not the suites' accounts: each has its own login budget
STREAM_WRITES = 70
STREAM_INTERVAL_S = 0.3
# FerretDB on SQLite in a container, two stacks and the suite share two cores: budgets for this machine
# rather than for a server (issue: the stand-in database is the bottleneck at scale).
MACHINE_BUDGETS = {"CHECK_HEALTH_DEADLINE_S": "10", "CHECK_EVENT_DEADLINE_S": "30", "CHECK_HTTP_TIMEOUT_S": "30",
                   "CHECK_REALTIME_P95_MS": "3000"}


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    ok: bool = True
    detail: str = ""


@dataclass
class Summary:
    started_at: str
    database: str = ""
    scale: float = 1.0
    seed: int = 0
    phases: list[Phase] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)
    figures: dict[str, object] = field(default_factory=dict)
    suites: dict[str, str] = field(default_factory=dict)
    ok: bool = False

    @contextmanager
    def phase(self, name: str) -> Iterator[Phase]:
        phase = Phase(name)
        self.phases.append(phase)
        started = time.monotonic()
        try:
            yield phase
        except BaseException as exc:
            phase.ok = False
            phase.detail = phase.detail or f"{type(exc).__name__}: {exc}"[:300]
            raise
        finally:
            phase.seconds = round(time.monotonic() - started, 2)


def _phase_seconds(result) -> str:
    return " / ".join(str(phase["seconds"]) for phase in result.phases.values())


def _suite_result(result) -> str:
    return f"{'passed' if result.passed else 'FAILED'}: {result.summary}"


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the rehearsal like Ctrl-C, so that the clean-up below runs either way."""
    def interrupt(signum, frame):  # noqa: ARG001 - the signal module's signature
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def rehearse(scale: float = 1.0, seed: int = 20260125, rollback_drill: bool = False,
             report_dir: Path = Path("reports"), echo: Callable[[str], None] = print, workers: int = 2,
             keep: bool = False) -> Summary:
    """Run the rehearsal on a fresh replica; return its summary (``summary.ok`` is the verdict)."""
    report_dir = Path(report_dir).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary(started_at=datetime.now(UTC).isoformat(), scale=scale, seed=seed)
    try:
        with _sigterm_as_interrupt():
            server_replica.down(echo=lambda _m: None)  # a previous run's leftovers
            with summary.phase("replica up (dockerd, images, sshd, old production, legacy data)") as p:
                replica = server_replica.up(scale, seed, echo=echo)
                site = replica.site(echo=echo, yes=True)
                p.detail = f"ssh {site.ssh}"
            summary.database = "FerretDB 1.24.2 (SQLite) in meeshy-replica/mongo:8.0-ferretdb"
            try:
                _run(summary, site, replica, seed, rollback_drill, report_dir, workers)
            finally:
                site.host.close()
            summary.ok = all(p.ok for p in summary.phases)
    except Exception as exc:  # noqa: BLE001 - the failed phase holds the detail; the summary says FAILED
        echo(f"rehearsal stopped: {type(exc).__name__}: {exc}")
    finally:
        if not keep:
            server_replica.down(echo=echo)
        (report_dir / "rehearsal-summary.json").write_text(json.dumps(asdict(summary), indent=2, default=str))
    return summary


def _db_count(site, env, database: str) -> int:
    with reach(site.host, site.database_address(env), database) as url, client(url) as c:
        db = c[database]
        return sum(db[n].estimated_document_count() for n in db.list_collection_names() if not n.startswith("_"))


def _run(summary: Summary, site, replica, seed: int, rollback_drill: bool, report_dir: Path, workers: int) -> None:
    from ops.steps.capture import capture
    from ops.steps.deploy_staging import deploy_staging
    from ops.steps.migrate_to_staging import migrate_to_staging
    from ops.steps.rollback import rollback
    from ops.steps.switch import switch
    from ops.steps.validate import validate

    targets = replica.base / "targets"
    targets.mkdir(exist_ok=True)
    summary.documents["legacy"] = _db_count(site, site.production, site.database)
    with summary.phase("deploy staging") as p:
        state = deploy_staging(site)
        p.detail = f"{state.gateway_url} in {state.up_seconds}s"
    with summary.phase("migrate to staging") as p:
        migration = migrate_to_staging(site)
        summary.documents["backup (T0)"] = migration.documents
        summary.documents["migrated (staging)"] = _db_count(site, site.staging, site.staging_database)
        p.detail = (f"backup {migration.documents} documents, sha256 {migration.sha256[:12]}…, "
                    f"T0 {migration.t0}; uploads {migration.uploads}")
    with summary.phase("staging suite, writes on the old production") as p:
        stream = WriteStream(site.gateway_urls["production"], site.api_prefixes["old"], site.probe_conversation,
                             STREAM_ACCOUNTS, limit=STREAM_WRITES, interval_s=STREAM_INTERVAL_S, seed=seed).start()
        env_file = site.target("staging", report_dir, **MACHINE_BUDGETS).write(targets / "staging.env")
        try:
            result = validate(site, "staging", report_dir, env_file, workers)
        finally:
            stream.stop()
            stream.save(report_dir / "writes-window.json")
        summary.suites["staging"] = _suite_result(result)
        summary.figures[f"staging suite: checks (-n {workers}) / load checks (s)"] = _phase_seconds(result)
        summary.figures["writes in the window"] = len(stream.records)
        if stream.errors:
            raise AssertionError(f"{len(stream.errors)} writes to the old production failed: {stream.errors[:3]}")
        p.detail = f"suite {result.summary}; {len(stream.records)} writes recorded"
    with summary.phase("capture") as p:
        p.detail = capture(site).name
    captured_env, captured_uploads = site.host.read_text(site.production.env_file), uploads_digest(site)
    with summary.phase("switch") as p:
        report = switch(site)
        summary.figures["downtime (s)"] = report.downtime_s
        summary.figures["delta"] = report.delta["totals"]
        summary.figures["changes found by (catch-up / frozen delta)"] = (
            f"{report.catch_up['found_by']} / {report.delta['found_by']}")
        summary.figures["images before → after"] = {s: f"{report.images_before[s]['ref']} → {i['ref']}"
                                                    for s, i in report.images_after.items()
                                                    if s in ("gateway", "translator", "frontend")}
        p.detail = (f"downtime {report.downtime_s:.2f}s, stages {report.seconds}, "
                    f"delta {report.delta['totals']}")
    (report_dir / "switch.json").write_text(json.dumps(report.to_json(), indent=2, default=str))
    records = stream.records + report.probe_writes
    save_jsonl(records, targets / "writes.jsonl")
    (report_dir / "writes-window.json").write_text(json.dumps(records, indent=2))
    with summary.phase("production suite") as p:
        target = site.target("production", report_dir, **MACHINE_BUDGETS,
                             CHECK_RECORDED_WRITES=str(targets / "writes.jsonl"))
        env_file = target.write(targets / "production.env")
        result = validate(site, "production", report_dir, env_file, workers)
        summary.suites["production"] = _suite_result(result)
        summary.figures[f"production suite: checks (-n {workers}) / load checks (s)"] = _phase_seconds(result)
        p.detail = f"suite {result.summary}"
    with summary.phase("every recorded write in the new production") as p:
        with reach(site.host, site.database_address(site.production), site.next_database) as url, \
                client(url) as c:
            lost = missing_writes(records, c[site.next_database])
        summary.figures["writes carried over"] = f"{len(records) - len(lost)} of {len(records)}"
        if lost:
            raise AssertionError(f"{len(lost)} writes lost: {lost[:5]}")
        p.detail = (f"{len(records)} writes present in the Prisma shape ({len(stream.records)} recorded, "
                    f"{len(report.probe_writes)} by the probe)")
    with summary.phase("documents accounted for") as p:
        _accounted_for(summary, Path(target.get("CHECK_MIGRATION_REPORT")), p)
    if rollback_drill:
        with summary.phase("rollback drill") as p:
            result = rollback(site)
            same_env = site.host.read_text(site.production.env_file) == captured_env
            if not same_env:
                raise AssertionError("after rollback, production's .env differs from the captured one")
            if uploads_digest(site) != captured_uploads:
                raise AssertionError("after rollback, production's uploads volumes differ from the captured ones")
            p.detail = (f"{result.documents} documents in {result.collections} collections equal the "
                        f"snapshot {result.snapshot}; .env byte-identical; uploads volumes identical "
                        f"({sum(len(files) for files in captured_uploads.values())} files); images "
                        + ", ".join(f"{s}: {i['ref']}" for s, i in result.images.items()
                                    if s in ("gateway", "translator", "frontend")))
    with summary.phase("Allure report") as p:
        p.detail = _allure_report(report_dir)


def uploads_digest(site) -> dict[str, list[str]]:
    """Per uploads volume of production: each file's sha256 and path, sorted."""
    return {volume: sorted(site.in_volumes({volume: "/v:ro"}, "cd /v && find . -type f | sort | xargs -r sha256sum",
                                           timeout=600).splitlines())
            for volume in site.uploads_volumes}


def _accounted_for(summary: Summary, counts_report: Path, phase: Phase) -> None:
    """Every document of the old production at the switch: migrated, copied, rejected or dropped."""
    rows = json.loads(counts_report.read_text())["collections"].values()
    totals = {k: sum(int(r.get(k, 0)) for r in rows) for k in ("source", "migrated", "copied", "rejected", "dropped")}
    summary.documents.update({f"at the switch: {k}": v for k, v in totals.items()})
    unaccounted = totals["source"] - sum(v for k, v in totals.items() if k != "source")
    if unaccounted:
        raise AssertionError(f"{unaccounted} documents of the old production are not accounted for")
    phase.detail = (f"{totals['source']} = {totals['migrated']} migrated + {totals['copied']} copied + "
                    f"{totals['rejected']} rejected + {totals['dropped']} dropped by plan")


def _allure_report(report_dir: Path) -> str:
    results = report_dir / "allure-results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir()
    for env_name in ("staging", "production"):
        for path in (report_dir / f"allure-results-{env_name}").glob("*"):
            shutil.copy(path, results / path.name)
    summary, md_path, _html = build_report(results, report_dir / "allure-report", html_report=True,
                                           staging=report_dir / "allure-results-staging",
                                           production=report_dir / "allure-results-production",
                                           switch_report=report_dir / "switch.json")
    if summary.verdict != "GO":
        raise AssertionError(f"the sign-off says {summary.verdict}: {md_path}")
    return f"{summary.verdict}: {report_dir / 'allure-report' / 'index.html'}, sign-off {md_path}"


def print_summary(summary: Summary, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"Rehearsal (scale {summary.scale}, seed {summary.seed}, {summary.database})")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    table.add_column("detail")
    for p in summary.phases:
        table.add_row(p.name, f"{p.seconds:.1f}", "ok" if p.ok else "FAILED", p.detail)
    table.add_row("total", f"{sum(p.seconds for p in summary.phases):.1f}", "", "")
    console.print(table)
    suites = {f"suite {k}": v for k, v in summary.suites.items()}
    for key, value in {**summary.documents, **summary.figures, **suites}.items():
        console.print(f"  {key}: {value}")
    console.print("[bold green]REHEARSAL PASSED[/]" if summary.ok else "[bold red]REHEARSAL FAILED[/]")
