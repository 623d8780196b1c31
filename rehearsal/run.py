"""The whole procedure on this machine, with the same step code a real server runs.

Embedded database, legacy dataset, old production (sandbox, legacy data), deploy staging, migrate to
staging, staging suite while a recorded stream of writes lands on the old production, capture,
switch (downtime measured by a probe), production suite, every recorded write checked in the new
production, full verification, optional rollback drill, Allure report. Every phase is timed; the
summary is printed as a table and written as JSON into the report dir. Whatever happens (a failure,
Ctrl-C, SIGTERM), every stack and the database are stopped at the end.
"""

from __future__ import annotations

import json
import secrets
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pymongo
from rich.console import Console
from rich.table import Table

from ops.paths import ROOT
from rehearsal.embedded_db import start_server
from rehearsal.seed_accounts import TEST_COMMUNITY_IDENTIFIER, TEST_CONVERSATION_IDENTIFIER, by_username

WORK_DIR = ROOT / "var" / "rehearsal"
SUITE_ACCOUNTS = ("alice_fr", "bob_en", "carlos_es", "maria_pt")
STREAM_ACCOUNTS = ("admin", "meeshy")  # not the suites' accounts: each has its own login budget
STREAM_WRITES = 70
STREAM_INTERVAL_S = 0.3
ATTACHMENT_ROUTES = ("/api/v1/attachments/file/", "/api/attachments/file/")


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


def _count(url: str) -> int:
    with pymongo.MongoClient(url, serverSelectionTimeoutMS=10_000) as client:
        db = client.get_default_database()
        return sum(db[c].estimated_document_count() for c in db.list_collection_names() if not c.startswith("_"))


def restore_uploads(db_url: str, uploads_dir: Path) -> int:
    """A file behind every attachment URL of the dataset, as production's uploads volume holds them."""
    written = 0
    with pymongo.MongoClient(db_url, serverSelectionTimeoutMS=10_000) as client:
        for doc in client.get_default_database()["MessageAttachment"].find({}, {"fileUrl": 1}):
            url = doc.get("fileUrl") or ""
            prefix = next((p for p in ATTACHMENT_ROUTES if url.startswith(p)), None)
            if prefix:
                path = uploads_dir / unquote(url[len(prefix):])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"attachment " + str(doc["_id"]).encode())
                written += 1
    return written


def target_env_text(endpoints, database_url: str, log_dir: str, reports: dict[str, str],
                    extra: dict[str, str]) -> str:
    """The CHECK_* file the suites run on, for a sandbox stack of the rehearsal (passwords inside: 0600)."""
    values = {
        "CHECK_TARGET": extra.pop("CHECK_TARGET"),
        "CHECK_FRONTEND_URL": endpoints.web_url or "",
        "CHECK_GATEWAY_URL": endpoints.gateway_url,
        "CHECK_TRANSLATOR_URL": endpoints.translator_url,
        "CHECK_MONGODB_URL": database_url,
        "CHECK_LOG_DIR": log_dir,
        "CHECK_TEST_CONVERSATION": TEST_CONVERSATION_IDENTIFIER,
        "CHECK_TEST_COMMUNITY": TEST_COMMUNITY_IDENTIFIER,
        "CHECK_TRANSLATION_LANGUAGES": "en,es,pt",
        "CHECK_MIGRATION_REPORT": reports.get("migration", ""),
        "CHECK_VERIFY_REPORT": reports.get("verify", ""),
        "CHECK_HEALTH_DEADLINE_S": "5",
        # FerretDB on SQLite has one writer at a time and shares two cores with the suite, both
        # stacks and the stream of writes to the old production: budgets for this machine rather
        # than for a server (the authenticated load measured 3 requests/s, p95 6 s, here).
        "CHECK_EVENT_DEADLINE_S": "15",
        # At scale 1 the sandbox's conversation list reads FerretDB for over 10 s under that load.
        "CHECK_HTTP_TIMEOUT_S": "30",
        # At scale 1 one read of the test conversation's messages takes about 1 s on FerretDB (SQLite
        # sorts in the gateway's query without an index): 2 concurrent clients, not 10, and fewer reads.
        "CHECK_LOAD_AUTH_REQUESTS": "40",
        "CHECK_LOAD_CONCURRENCY": "2",
        "CHECK_LOAD_P95_MS": "12000",
        "CHECK_REALTIME_P95_MS": "3000",
        **extra,
    }
    for n, username in enumerate(SUITE_ACCOUNTS, 1):
        values[f"CHECK_ACCOUNT_{n}_USERNAME"] = username
        values[f"CHECK_ACCOUNT_{n}_PASSWORD"] = by_username(username).password
    return "".join(f"{k}={v}\n" for k, v in values.items() if v)


def _suite_result(state: dict) -> str:
    return f"{'passed' if state.get('passed') else 'FAILED'}: {state.get('summary', '')}"


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
             report_dir: Path = Path("reports"), work_dir: Path = WORK_DIR,
             echo: Callable[[str], None] = print, workers: int = 2) -> Summary:
    """Run the rehearsal; return its summary (``summary.ok`` is the verdict)."""
    report_dir = Path(report_dir).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    summary = Summary(started_at=datetime.now(UTC).isoformat(), scale=scale, seed=seed)
    server, site = None, None
    try:
        with _sigterm_as_interrupt():
            server = _start_database(summary, work_dir)
            site = _make_site(server, work_dir, echo)
            _run(summary, site, scale, seed, rollback_drill, report_dir, work_dir, workers)
            summary.ok = all(p.ok for p in summary.phases)
    except Exception as exc:  # noqa: BLE001 - the failed phase holds the detail; the summary says FAILED
        echo(f"rehearsal stopped: {type(exc).__name__}: {exc}")
    finally:
        _stop_everything(site, server, echo)
        (report_dir / "rehearsal-summary.json").write_text(json.dumps(asdict(summary), indent=2, default=str))
    return summary


def _start_database(summary: Summary, work_dir: Path):
    with summary.phase("start the embedded database") as p:
        server = start_server(work_dir / "db")
        summary.database = p.detail = server.describe()
    return server


def _make_site(server, work_dir: Path, echo: Callable[[str], None]):
    from ops.steps.site import Site

    from ops.backup import PymongoArchiveTool
    from ops.host import LocalHost
    from ops.stack import SandboxEngine

    host = LocalHost()
    root, state = work_dir / "opt" / "meeshy", work_dir / "sandbox"
    secrets_file = work_dir / "secrets.env"
    secrets_file.touch(mode=0o600)
    secrets_file.write_text(f"JWT_SECRET={secrets.token_urlsafe(48)}\n")
    urls = {"production_db_url": server.db_url("meeshy"), "staging_legacy_url": server.db_url("meeshy_staging_legacy"),
            "staging_db_url": server.db_url("meeshy_migrated")}
    (work_dir / "site.json").write_text(json.dumps({
        "root": str(root), "ssh": "local", "engine": "sandbox", "sandbox_state_dir": str(state),
        "secrets_file": str(secrets_file), **urls}, indent=2))
    from ops.stack import parse_env

    return Site(host=host, engine=SandboxEngine(host, state), backup_tool=PymongoArchiveTool(), root=str(root),
                secrets=parse_env(secrets_file.read_text()), echo=echo, yes=True, **urls)


def _run(summary: Summary, site, scale: float, seed: int, rollback_drill: bool, report_dir: Path,
         work_dir: Path, workers: int) -> None:
    from ops.steps.writes import WriteStream, conversation_id, missing_writes, save_jsonl

    from ops.steps.capture import capture
    from ops.steps.deploy_staging import deploy_stack, deploy_staging
    from ops.steps.migrate_to_staging import migrate_to_staging
    from ops.steps.switch import switch
    from ops.steps.validate import validate
    from rehearsal.legacy_data import generate

    targets = work_dir / "targets"
    targets.mkdir()
    with summary.phase("write the legacy dataset") as p:
        with pymongo.MongoClient(site.production_db_url) as client:
            generate(client.get_default_database(), scale, seed)
        files = restore_uploads(site.production_db_url, Path(site.production.directory) / "uploads")
        summary.documents["legacy"] = _count(site.production_db_url)
        p.detail = f"{summary.documents['legacy']} documents, {files} upload files"
    with summary.phase("old production up (sandbox, legacy data)") as p:
        state = deploy_stack(site, site.production, site.production_db_url, "legacy")
        p.detail = state["endpoints"]["gateway_url"]
    with summary.phase("deploy staging") as p:
        state = deploy_staging(site)
        p.detail = state["endpoints"]["gateway_url"]
    with summary.phase("migrate to staging") as p:
        migration = migrate_to_staging(site)
        summary.documents["backup (T0)"] = migration["documents"]
        summary.documents["migrated (staging)"] = _count(site.staging_db_url)
        p.detail = (f"backup {migration['documents']} documents, sha256 {migration['sha256'][:12]}…, "
                    f"T0 {migration['t0']}")
    reports = {}
    for key in ("migration", "verify"):
        reports[key] = str(report_dir / f"staging-{key}-report.json")
        site.host.get(migration[f"{key}_report"], Path(reports[key]))

    with summary.phase("staging suite, writes on the old production") as p:
        prod_gateway = site.engine.endpoints(site.production).gateway_url
        stream = WriteStream(prod_gateway, conversation_id(site.production_db_url), STREAM_ACCOUNTS,
                             limit=STREAM_WRITES, interval_s=STREAM_INTERVAL_S, seed=seed).start()
        env_file = _target_file(site, "staging", targets / "staging.env", reports, {"CHECK_TARGET": "staging"})
        try:
            result = validate(site, "staging", report_dir, env_file, workers)
        finally:
            stream.stop()
            stream.save(report_dir / "writes-window.json")
        summary.suites["staging"] = _suite_result(result)
        summary.figures["writes in the window"] = len(stream.records)
        if stream.errors:
            raise AssertionError(f"{len(stream.errors)} writes to the old production failed: {stream.errors[:3]}")
        p.detail = f"suite {result['summary']}; {len(stream.records)} writes recorded"
    with summary.phase("capture") as p:
        p.detail = capture(site)
    with summary.phase("switch") as p:
        report = switch(site)
        summary.figures["downtime (s)"] = report["downtime_s"]
        summary.figures["delta"] = report["delta"]["totals"]
        p.detail = f"downtime {report['downtime_s']:.2f}s, delta {report['delta']['totals']}"
    records = stream.records + report["probe_writes"]
    # Production's data checks expect the counts as the switch left them (migration + delta).
    reports["migration"] = str(report_dir / "production-counts-report.json")
    site.host.get(report["counts_report"], Path(reports["migration"]))
    save_jsonl(records, targets / "writes.jsonl")
    (report_dir / "writes-window.json").write_text(json.dumps(records, indent=2))
    with summary.phase("production suite") as p:
        env_file = _target_file(site, "production", targets / "production.env", reports, {
            "CHECK_TARGET": "production", "CHECK_RECORDED_WRITES": str(targets / "writes.jsonl"),
            "CHECK_SSH_HOST": "local", "CHECK_SNAPSHOT_DIR": site.snapshots,
            "CHECK_PRODUCTION_CONFIG_FILES": site.production.env_file})
        result = validate(site, "production", report_dir, env_file, workers)
        summary.suites["production"] = _suite_result(result)
        p.detail = f"suite {result['summary']}"
    with summary.phase("every recorded write in the new production") as p:
        lost = missing_writes(records, site.staging_db_url)
        summary.figures["writes carried over"] = f"{len(records) - len(lost)} of {len(records)}"
        if lost:
            raise AssertionError(f"{len(lost)} writes lost: {lost[:5]}")
        p.detail = f"{len(records)} writes present in the Prisma shape ({len(stream.records)} recorded, " \
                   f"{len(report['probe_writes'])} by the probe)"
    with summary.phase("documents accounted for") as p:
        _accounted_for(summary, Path(reports["migration"]), p)
    if rollback_drill:
        with summary.phase("rollback drill") as p:
            from ops.steps.rollback import rollback

            result = rollback(site)
            p.detail = (f"{result['documents']} documents in {result['collections']} collections equal the "
                        f"snapshot {result['snapshot']}; old production healthy")
    with summary.phase("Allure report") as p:
        p.detail = _allure_report(report_dir)


def _target_file(site, env_name: str, path: Path, reports: dict[str, str], extra: dict[str, str]) -> Path:
    env = site.staging if env_name == "staging" else site.production
    endpoints = site.engine.endpoints(env)
    log_dir = str(site.engine.state_dir.resolve() / f"meeshy-{env.name}")
    path.touch(mode=0o600)
    path.write_text(target_env_text(endpoints, site.env_config(env)["DATABASE_URL"], log_dir, reports, extra))
    return path


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
    from ops.commands.report import build_report

    results = report_dir / "allure-results"
    shutil.rmtree(results, ignore_errors=True)
    results.mkdir()
    for env_name in ("staging", "production"):
        for path in (report_dir / f"allure-results-{env_name}").glob("*"):
            shutil.copy(path, results / path.name)
    summary, md_path, _html = build_report(results, report_dir / "allure-report", html_report=True)
    return f"{summary.verdict}: {report_dir / 'allure-report' / 'index.html'}, sign-off {md_path}"


def _stop_everything(site, server, echo: Callable[[str], None]) -> None:
    if site is not None:
        for env in (site.staging, site.production):
            try:
                site.engine.down(env)
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                echo(f"(stopping {env.name} failed: {exc})")
    if server is not None:
        server.stop()


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
