"""migrate-to-staging: back up production (T0, checksum), restore into staging's own database, migrate,
verify, and copy the uploads volumes into staging's.

The backup is ``mongodump`` inside production's database container into a host file; the restore is
``mongorestore`` inside staging's database container with an explicit namespace mapping into
staging's legacy database; the migration and the verification read both through the site's host.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ops import backup
from ops.config.site import Site, timestamp
from ops.db import fingerprints, reach, with_database
from ops.errors import OpsError
from ops.steps.results import StagingMigration

VOLUME_COPY_TIMEOUT_S = 1800


def migrate_to_staging(site: Site) -> StagingMigration | None:
    """Returns the migration state written to staging/state/migration.json; an OpsError, that state
    written first, when the verification fails."""
    from ops.migration.engine import migrate  # heavy (schema, transforms): loaded by the steps that migrate
    from ops.migration.results import VerificationFailed
    from ops.migration.verify import verify

    ts = timestamp()
    directory = f"{site.backups}/backup-pre-staging-{ts}"
    archive = f"{directory}/{site.database}.archive.gz"
    prod, staging = site.production, site.staging
    if site.would(f"mongodump {site.database} in production's database container into {archive}, checksum it, "
                  f"record T0, mongorestore it into staging's {site.staging_legacy_database}, migrate into "
                  f"{site.staging_database}, verify, copy the uploads volumes {', '.join(site.uploads_volumes)}"):
        return None
    site.echo(f"backing up production's {site.database} into {archive}")
    record = backup.dump(site.host, site.database_container(prod), site.database, archive)
    with reach(site.host, site.database_address(prod), site.database) as url:
        record.collections = fingerprints(url)
    record.save(site.host)
    backup.verify_checksum(site.host, record)
    backup.restore(site.host, site.database_container(staging), archive, site.database, site.staging_legacy_database)
    with reach(site.host, site.database_address(staging), site.staging_legacy_database) as source, \
            tempfile.TemporaryDirectory() as tmp:
        target = with_database(source, site.staging_database)
        migration_report, verify_report = Path(tmp) / "migration-report.json", Path(tmp) / "verify-report.json"
        migrate(source, target, plan_path=site.plan, schema_path=site.schema, report_path=migration_report)
        try:
            verify(source, target, plan_path=site.plan, schema_path=site.schema, report_path=verify_report)
            failed = None
        except VerificationFailed as exc:
            failed = exc
        for report in (migration_report, verify_report):
            if report.exists():
                site.host.put(report, f"{directory}/{report.name}")
    copied = copy_uploads(site)
    state = StagingMigration(migration_id=ts, t0=record.t0, archive=archive, sha256=record.sha256,
                             documents=record.documents, verify_ok=failed is None, uploads=copied,
                             migration_report=f"{directory}/migration-report.json",
                             verify_report=f"{directory}/verify-report.json")
    site.write_state(f"{staging.state_dir}/migration.json", state.to_json())
    if failed is not None:
        raise OpsError("verification of the staging migration failed (" + "; ".join(failed.report.failures[:5])
                       + f"); see {state.verify_report}") from failed
    site.echo(f"staging migrated from a {record.documents}-document backup (T0 {record.t0}), verified; uploads "
              + ", ".join(f"{v}: {n} files" for v, n in copied.items()))
    return state


def copy_uploads(site: Site) -> dict[str, int]:
    """Each production uploads volume copied into staging's, emptied first (a rerun never merges). The copy
    runs in a throw-away container (``Site.in_volumes``)."""
    counts = {}
    for source, target in site.uploads_volumes.items():
        if not site.host.run("docker volume inspect %s", source, check=False).ok:
            raise OpsError(f"the uploads volume {source} does not exist on the server")
        out = site.in_volumes({source: "/from:ro", target: "/to"},
                              "find /to -mindepth 1 -delete && cp -a /from/. /to/ && find /to -type f | wc -l",
                              VOLUME_COPY_TIMEOUT_S)
        counts[target] = int(out.split()[-1])
    return counts

