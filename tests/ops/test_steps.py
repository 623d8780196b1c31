"""The steps on a host (local and over SSH): dry-run, capture, refusals of switch, teardown."""

from __future__ import annotations

import json
from pathlib import Path

import pymongo
import pytest
from standin_engine import StandinEngine

from ops.backup import BackupRecord, PymongoArchiveTool, fingerprints
from ops.errors import ConfirmationRefused, OpsError
from ops.host import LocalHost
from ops.steps.capture import capture
from ops.steps.deploy_staging import deploy_stack, deploy_staging
from ops.steps.migrate_to_staging import migrate_to_staging
from ops.steps.site import Site
from ops.steps.switch import switch
from ops.steps.teardown_staging import teardown_staging
from sandbox.fixture import write_fixture

JWT = "jwt-secret-value-never-in-clear-7f3a"


@pytest.fixture(params=["local"])
def host(request: pytest.FixtureRequest):
    """Steps run on the local host; the capture test also runs over SSH (loopback sshd)."""
    if request.param == "local":
        yield LocalHost()
        return
    h = request.getfixturevalue("sshd").host()
    yield h
    h.close()


@pytest.fixture
def site(host, db_url, tmp_path):
    prod = db_url("prod")
    write_fixture(prod, "legacy")
    engine = StandinEngine(host)
    answers: list[str] = []
    s = Site(
        host=host,
        engine=engine,
        backup_tool=PymongoArchiveTool(),
        root=str(tmp_path / "opt" / "meeshy"),
        production_db_url=prod,
        staging_legacy_url=db_url("stlegacy"),
        staging_db_url=db_url("staging"),
        secrets={"JWT_SECRET": JWT},
        echo=lambda m: None,
        ask=lambda prompt: answers.pop(0),
    )
    s.answers = answers  # type: ignore[attr-defined]
    deploy_stack(s, s.production, prod, "legacy")
    yield s
    engine.close()


def _tree(root: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*"))


def test_dry_run_changes_nothing(site):
    before = _tree(site.root)
    site.dry_run = True
    deploy_staging(site)
    capture(site)
    assert _tree(site.root) == before


def test_deploy_staging_renders_config_and_is_idempotent(site):
    deploy_staging(site)
    deploy_staging(site)
    env = site.env_config(site.staging)
    assert env["DATA_SHAPE"] == "prisma" and env["DATABASE_URL"] == site.staging_db_url
    assert oct(Path(site.staging.env_file).stat().st_mode)[-3:] == "600"
    assert [name for name, _ in site.engine.started].count("staging") == 1


@pytest.mark.parametrize("host", ["local", "ssh"], indirect=True)
def test_capture_keeps_everything_but_secrets(site):
    name = capture(site)
    snap = Path(site.snapshots) / name
    for part in (
        "docker/state.txt",
        "config/env.redacted",
        "mongodb/mongodb-backup.archive.gz",
        "mongodb/mongodb-counts.json",
        "logs/gateway.log",
        "MANIFEST.md",
    ):
        assert (snap / part).exists(), part
    assert (Path(site.backups) / f"{name}.tar.gz").exists()
    for path in snap.rglob("*"):
        if path.is_file():
            assert JWT.encode() not in path.read_bytes(), path
    assert "JWT_SECRET=***" in (snap / "config/env.redacted").read_text()
    manifest = (snap / "MANIFEST.md").read_text()
    assert f"meeshy-ops rollback --snapshot {name}" in manifest
    assert "./mongodb/mongodb-backup.archive.gz" in manifest
    counts = json.loads((snap / "mongodb/mongodb-counts.json").read_text())
    assert counts["User"] >= 7


def _mark_ready(site, passed=True, same_migration=True):
    state = f"{site.staging.directory}/state"
    site.write_state(
        f"{state}/migration.json",
        {"migration_id": "m1", "verify_ok": True, "t0": "2026-01-25T00:00:00+00:00"},
    )
    site.write_state(
        f"{state}/validation-staging.json",
        {"passed": passed, "migration_id": "m1" if same_migration else "m0"},
    )


@pytest.mark.parametrize(
    "broken, message",
    [
        ("staging down", "staging is not healthy"),
        ("no migration", "no verified migration"),
        ("suite failed", "suite has not passed"),
        ("suite on an older migration", "suite has not passed"),
        ("no snapshot", "no pre-switch snapshot"),
    ],
)
def test_switch_refuses(site, broken, message):
    deploy_staging(site)
    if broken != "no migration":
        _mark_ready(
            site, passed=broken != "suite failed", same_migration=broken != "suite on an older migration"
        )
    if broken != "no snapshot":
        capture(site)
    if broken == "staging down":
        site.engine.down(site.staging)
    env_before = Path(site.production.env_file).read_text()
    with pytest.raises(OpsError, match=message):
        switch(site)
    assert Path(site.production.env_file).read_text() == env_before
    assert site.engine.endpoints(site.production) is not None


@pytest.mark.parametrize("answers", [["non"], ["oui", "switch-production"], ["oui", ""]])
def test_switch_wrong_confirmation_word_changes_nothing(site, answers):
    deploy_staging(site)
    _mark_ready(site)
    capture(site)
    site.answers.extend(answers)
    env_before = Path(site.production.env_file).read_text()
    with pytest.raises(ConfirmationRefused) as err:
        switch(site)
    assert err.value.exit_code != 0
    assert Path(site.production.env_file).read_text() == env_before
    assert site.engine.endpoints(site.production) is not None


def test_teardown_needs_delete_staging_and_removes_staging_only(site):
    deploy_staging(site)
    with pymongo.MongoClient(site.staging_db_url) as client:
        client.get_default_database()["User"].insert_one({"x": 1})
    site.answers.extend(["oui", "delete-staging"])
    with pytest.raises(ConfirmationRefused):
        teardown_staging(site)
    assert Path(site.staging.directory).exists()
    site.answers.extend(["oui", "DELETE-STAGING"])
    teardown_staging(site)
    assert not Path(site.staging.directory).exists()
    assert Path(site.production.env_file).exists() and site.engine.endpoints(site.production) is not None
    with pymongo.MongoClient(site.production_db_url) as client:
        assert client.get_default_database()["User"].count_documents({}) >= 7


def test_teardown_keeps_the_database_production_serves(site):
    deploy_staging(site)
    site.host.write_text(
        site.production.env_file, site.render_env(site.production, site.staging_db_url, "prisma")
    )
    with pymongo.MongoClient(site.staging_db_url) as client:
        client.get_default_database()["User"].insert_one({"x": 1})
    site.yes = True
    plan = teardown_staging(site)
    assert any(line.startswith("KEEP") for line in plan)
    with pymongo.MongoClient(site.staging_db_url) as client:
        assert client.get_default_database()["User"].count_documents({}) == 1


@pytest.mark.parametrize("host", ["local", "ssh"], indirect=True)
def test_migrate_to_staging_backs_up_restores_migrates_and_copies_uploads(site):
    uploads = Path(site.production.directory) / "uploads" / "2026" / "photo.jpg"
    uploads.parent.mkdir(parents=True)
    uploads.write_bytes(b"jpeg bytes")
    deploy_staging(site)
    state = migrate_to_staging(site)
    record = BackupRecord.load(site.host, state["archive"])
    assert record.sha256 == state["sha256"] == site.host.sha256(state["archive"])
    assert state["verify_ok"] and record.collections["User"]["count"] >= 7
    assert fingerprints(site.staging_legacy_url) == record.collections
    assert (Path(site.staging.directory) / "uploads" / "2026" / "photo.jpg").read_bytes() == b"jpeg bytes"
    for key in ("migration_report", "verify_report"):
        assert site.host.exists(state[key]), key
    with pymongo.MongoClient(site.staging_db_url) as client:
        assert client.get_default_database()["User"].find_one({"role": "MODO"}) is None
