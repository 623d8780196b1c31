"""migrate-to-staging: back up production (checksum, T0), restore into staging, migrate, verify."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ops.backup import verify_checksum
from ops.errors import OpsError
from ops.steps.site import Site, timestamp


def _report_ok(report: object) -> bool:
    return bool(report.get("ok") if isinstance(report, dict) else getattr(report, "ok", False))


def migrate_to_staging(site: Site) -> dict:
    """Returns the migration state written to staging/state/migration.json."""
    from ops.migration.engine import migrate
    from ops.migration.verify import verify

    ts = timestamp()
    directory = f"{site.backups}/backup-pre-staging-{ts}"
    archive = f"{directory}/meeshy.archive.gz"
    if site.would(
        f"dump production into {archive} ({site.backup_tool.name}), checksum it, record T0, "
        f"restore it into staging's legacy database, migrate, verify, copy uploads"
    ):
        return {}
    site.echo(f"backing up production into {archive}")
    record = site.backup_tool.dump(site.host, site.production_db_url, archive)
    verify_checksum(site.host, record)
    site.backup_tool.restore(site.host, archive, site.staging_legacy_url)
    with tempfile.TemporaryDirectory() as tmp:
        migration_report = Path(tmp) / "migration-report.json"
        verify_report = Path(tmp) / "verify-report.json"
        migrate(site.staging_legacy_url, site.staging_db_url, report_path=migration_report)
        result = verify(site.staging_legacy_url, site.staging_db_url, report_path=verify_report)
        for report in (migration_report, verify_report):
            if report.exists():
                site.host.put(report, f"{directory}/{report.name}")
    # Uploads: copied into an emptied target, so a second run never merges with a first.
    site.host.run(
        "rm -rf %s && mkdir -p %s && cp -a %s/. %s/",
        f"{site.staging.directory}/uploads",
        f"{site.production.directory}/uploads",
        f"{site.production.directory}/uploads",
        f"{site.staging.directory}/uploads",
    )
    state = {
        "migration_id": ts,
        "t0": record.t0,
        "archive": archive,
        "sha256": record.sha256,
        "documents": record.documents,
        "verify_ok": _report_ok(result),
        "migration_report": f"{directory}/migration-report.json",
        "verify_report": f"{directory}/verify-report.json",
    }
    site.write_state(f"{site.staging.directory}/state/migration.json", state)
    if not state["verify_ok"]:
        raise OpsError(f"verification of the staging migration failed; see {state['verify_report']}")
    site.echo(f"staging migrated from a {record.documents}-document backup (T0 {record.t0}), verified")
    return state
