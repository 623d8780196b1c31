"""Switch and rollback for real: sandbox stacks on the local host (old production in legacy mode over the
legacy dataset, staging in Prisma mode over its migration), writes recorded through the old
production's API, a probe measuring the downtime. A failure injected at each stage after the freeze
must leave the old production serving with no write lost; a rollback must prove the restore."""

from __future__ import annotations

from pathlib import Path

import pymongo
import pytest
from ops.steps.site import Site
from ops.steps.writes import Writer, WriteStream, conversation_id, missing_writes

from ops.backup import BackupRecord, PymongoArchiveTool, fingerprints
from ops.errors import OpsError
from ops.host import LocalHost
from ops.stack import SandboxEngine, http_ok
from ops.steps.capture import capture
from ops.steps.deploy_staging import deploy_stack, deploy_staging
from ops.steps.migrate_to_staging import migrate_to_staging
from ops.steps.rollback import rollback
from ops.steps.switch import switch
from rehearsal.legacy_data import generate

SCALE = 0.01
JWT = "live-switch-jwt-secret-4b1e"


@pytest.fixture
def live(tmp_path, db_url):
    """A site ready to switch: both stacks healthy, staging migrated and signed off, a snapshot taken,
    and a few writes recorded on the old production after T0."""
    prod = db_url("live_prod")
    with pymongo.MongoClient(prod) as client:
        generate(client.get_default_database(), SCALE, 7)
    host = LocalHost()
    site = Site(host=host, engine=SandboxEngine(host, tmp_path / "sandbox"), backup_tool=PymongoArchiveTool(),
                root=str(tmp_path / "opt" / "meeshy"), production_db_url=prod,
                staging_legacy_url=db_url("live_stlegacy"), staging_db_url=db_url("live_migrated"),
                secrets={"JWT_SECRET": JWT}, echo=lambda m: None, yes=True)
    try:
        deploy_stack(site, site.production, prod, "legacy")
        deploy_staging(site)
        migration = migrate_to_staging(site)
        site.write_state(f"{site.staging.directory}/state/validation-staging.json",
                         {"passed": True, "migration_id": migration["migration_id"]})
        gateway = site.engine.endpoints(site.production).gateway_url
        stream = WriteStream(gateway, conversation_id(prod), ("admin", "meeshy"), limit=8, interval_s=0).start()
        stream.join()
        assert not stream.errors and len(stream.records) == 8
        capture(site)
        site.recorded = stream.records  # type: ignore[attr-defined]
        site.public_url = gateway  # type: ignore[attr-defined]
        yield site
    finally:
        site.engine.down(site.staging)
        site.engine.down(site.production)


def _switch_state(site) -> dict:
    return site.read_state(f"{site.production.directory}/state/switch.json")


@pytest.mark.parametrize("stage", ["delta", "verify", "start", "health", "smoke", "open"])
def test_a_failure_after_the_freeze_brings_the_old_production_back_with_no_write_lost(live, stage):
    def fail(current: str) -> None:
        if current == stage:
            raise RuntimeError(f"injected failure at {current}")

    with pytest.raises(OpsError, match=f"failed at stage '{stage}'.*OLD production was brought back"):
        switch(live, on_stage=fail)
    config = live.env_config(live.production)
    assert (config["DATA_SHAPE"], config["DATABASE_URL"]) == ("legacy", live.production_db_url)
    assert http_ok(live.public_url + "/health")
    Writer(live.public_url, "bob_en").send(conversation_id(live.production_db_url), "after a failed switch")
    state = _switch_state(live)
    assert state["failed_stage"] == stage and state["probe_writes"], state
    assert state["downtime_s"] is not None
    written = live.recorded + state["probe_writes"]
    assert missing_writes(written, live.production_db_url, prisma=False) == []


def test_switch_then_rollback_proves_the_restore(live):
    report = switch(live)
    assert report["downtime_s"] < 30
    assert live.env_config(live.production)["DATA_SHAPE"] == "prisma"
    assert report["gateway_url"] == live.public_url and http_ok(live.public_url + "/health")
    written = live.recorded + report["probe_writes"]
    assert len(report["probe_writes"]) >= 1
    assert missing_writes(written, live.staging_db_url) == []
    assert report["delta"]["totals"]["inserted"] >= 5

    result = rollback(live)
    assert result["restored_equals_snapshot"]
    snap = f"{live.snapshots}/{result['snapshot']}/mongodb/mongodb-backup.archive.gz"
    assert fingerprints(live.production_db_url) == BackupRecord.load(live.host, snap).collections
    config = live.env_config(live.production)
    assert (config["DATA_SHAPE"], config["DATABASE_URL"]) == ("legacy", live.production_db_url)
    Writer(live.public_url, "bob_en").send(conversation_id(live.production_db_url), "after the rollback")

    with open(snap, "r+b") as archive:  # a corrupt snapshot is refused before anything is stopped
        archive.seek(100)
        archive.write(b"\0" * 16)
    with pytest.raises(OpsError, match="corrupt"):
        rollback(live)
    assert http_ok(live.public_url + "/health")


def test_rollback_refuses_a_restore_that_differs_from_the_snapshot(live, monkeypatch):
    switch(live)
    original = PymongoArchiveTool.restore

    def restore_then_lose_one(self, host, archive, target_url):
        original(self, host, archive, target_url)
        with pymongo.MongoClient(target_url) as client:
            client.get_default_database()["Message"].delete_one({})

    monkeypatch.setattr(PymongoArchiveTool, "restore", restore_then_lose_one)
    with pytest.raises(OpsError, match=r"(?s)differs from the snapshot.*Message: expected"):
        rollback(live)
    assert Path(live.production.env_file).exists()
