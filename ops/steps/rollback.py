"""rollback: restore a pre-switch snapshot and bring the old production up, then prove it."""

from __future__ import annotations

import json

from ops.backup import BackupRecord, compare_fingerprints, fingerprints, verify_checksum
from ops.errors import OpsError
from ops.stack import wait_healthy
from ops.steps.site import Site
from ops.steps.switch import latest_snapshot


def rollback(site: Site, snapshot: str | None = None, health_deadline_s: float = 60.0) -> dict:
    snapshot = snapshot or latest_snapshot(site)
    if snapshot is None:
        raise OpsError(f"no snapshot under {site.snapshots}")
    snap = f"{site.snapshots}/{snapshot}"
    archive = f"{snap}/mongodb/mongodb-backup.archive.gz"
    if not site.host.exists(archive):
        raise OpsError(f"snapshot {snapshot} has no database backup at {archive}")
    if site.would(
        f"stop production, restore {archive} into the old production database, render the old "
        "configuration, start the old production, prove the restore (counts and content hashes)"
    ):
        return {}
    site.confirm(f"This replaces production with snapshot {snapshot}.", "oui")
    record = BackupRecord.load(site.host, archive)
    verify_checksum(site.host, record)
    old = json.loads(site.host.read_text(f"{snap}/config/production.json"))
    prod = site.production
    site.engine.down(prod)
    site.backup_tool.restore(site.host, archive, old["DATABASE_URL"])
    problems = compare_fingerprints(record.collections, fingerprints(old["DATABASE_URL"]))
    if problems:
        raise OpsError("the restored database differs from the snapshot:\n  " + "\n  ".join(problems))
    site.host.write_text(
        prod.env_file,
        site.render_env(prod, old["DATABASE_URL"], old["DATA_SHAPE"], old.get("SANDBOX_FAULTS", "")),
        mode="600",
    )
    endpoints = site.engine.up(prod)
    seconds = wait_healthy(endpoints.gateway_url + "/health", health_deadline_s, "the old production")
    report = {
        "snapshot": snapshot,
        "collections": len(record.collections),
        "documents": record.documents,
        "restored_equals_snapshot": True,
        "health_seconds": round(seconds, 2),
    }
    site.write_state(f"{prod.directory}/state/rollback.json", report)
    site.echo(
        f"rolled back to {snapshot}: {record.documents} documents in {len(record.collections)} collections "
        "equal the snapshot (counts and content hashes); old production healthy"
    )
    return report
