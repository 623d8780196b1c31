"""rollback: production back to a pre-switch snapshot, proven by hashes.

Production's writers stop; the snapshot's dump is restored into production's database and proven
equal to the snapshot (counts and content hashes); the .env and the compose file go back byte for
byte, the uploads volumes from their tarballs; compose recreates the services (the old images, as
the old .env names them) and the essential ones are polled; the images running are compared with the
snapshot's record.
"""

from __future__ import annotations

import json

from ops import backup
from ops.config.site import Site
from ops.db import compare_fingerprints, fingerprints, reach
from ops.errors import OpsError
from ops.stack import wait_healthy
from ops.steps.capture import COMPOSE_FILE, SECRET_FILE
from ops.steps.results import RollbackReport
from ops.steps.switch import HEALTH_DEADLINE_S, latest_snapshot

VOLUME_TIMEOUT_S = 1800


def rollback(site: Site, snapshot: str | None = None) -> RollbackReport | None:
    snapshot = snapshot or latest_snapshot(site)
    if snapshot is None:
        raise OpsError(f"no snapshot under {site.snapshots}")
    snap = f"{site.snapshots}/{snapshot}"
    prod, host = site.production, site.host
    archive = f"{snap}/mongodb/{site.database}.archive.gz"
    for needed in (archive, f"{snap}/{SECRET_FILE}", f"{snap}/{COMPOSE_FILE}"):
        if not host.exists(needed):
            raise OpsError(f"snapshot {snapshot} is incomplete: {needed} is missing")
    if site.would(f"stop production's writers, restore {archive} into {site.database} and prove it, put back "
                  f"the .env, the compose file and the uploads volumes of {snapshot}, start production"):
        return None
    switch = site.read_state(f"{prod.state_dir}/switch.json")
    if switch.get("status") in ("running", "restoring", "restore-failed"):
        site.echo(f"the last switch stopped at stage '{switch.get('stage')}' ({switch['status']}): the rollback "
                  "replaces whatever it left with the snapshot")
    # Everything the snapshot must hold is read before the confirmation: past it, only the restore can fail.
    record = backup.BackupRecord.load(host, archive)
    recorded = _recorded_images(site, snap)
    site.confirm(f"This replaces production with snapshot {snapshot}.", "oui")
    backup.verify_checksum(host, record)
    site.mask_env_secrets(prod)
    stages = (("stop", lambda: site.engine.stop(prod, site.engine.writers(prod))),
              ("database", lambda: _restore_database(site, archive, record)),
              ("files", lambda: host.run("cp -p %s/%s %s && chmod 600 %s && cp %s/%s %s", snap, SECRET_FILE,
                                         prod.env_file, prod.env_file, snap, COMPOSE_FILE, prod.compose_file)),
              ("volumes", lambda: _restore_volumes(site, snap)),
              ("images", lambda: _retag(site, recorded)),
              ("start", lambda: site.engine.up(prod, HEALTH_DEADLINE_S)),
              ("health", lambda: wait_healthy(site.gateway_urls["production"] + "/health", HEALTH_DEADLINE_S,
                                              "the old production", site.tls_for("production"))))
    for stage, action in stages:
        try:
            action()
        except BaseException as exc:  # Ctrl-C included: the operator gets where it stopped and what to run
            left = "production's writers are stopped" if stage != "health" else "production was started"
            raise OpsError(f"rollback stopped at stage '{stage}' ({host.mask(f'{type(exc).__name__}: {exc}')}); "
                           f"{left}; every stage is safe to repeat: run `meeshy-ops rollback --snapshot "
                           f"{snapshot}` again") from None
    running = site.engine.images(prod)
    differing = [s for s, i in recorded.items() if running.get(s, {}).get("id") != i["id"]]
    report = RollbackReport(snapshot=snapshot, collections=len(record.collections), documents=record.documents,
                            restored_equals_snapshot=True, env_restored=True, images=running,
                            images_differing_from_snapshot=differing)
    site.write_state(f"{prod.state_dir}/rollback.json", report.to_json())
    if differing:
        raise OpsError(f"rolled back, but {', '.join(differing)} run other images than the snapshot's "
                       f"(see {snap}/docker/images.json): the recorded images are no longer on the server")
    site.echo(f"rolled back to {snapshot}: {record.documents} documents in {len(record.collections)} collections "
              "equal the snapshot (counts and content hashes); .env and compose file restored byte for byte; "
              "old images running; production healthy")
    return report


def _recorded_images(site: Site, snap: str) -> dict[str, dict[str, str]]:
    """The images the snapshot recorded (service → ref and id); an OpsError if the record is unreadable."""
    path = f"{snap}/docker/images.json"
    try:
        recorded = json.loads(site.host.read_text(path))
        if all(isinstance(i, dict) and {"ref", "id"} <= set(i) for i in recorded.values()):
            return recorded
    except (ValueError, AttributeError):
        pass
    raise OpsError(f"the snapshot's image record {path} is not readable: expected a service → {{ref, id}} "
                   "object, as capture writes it")


def _restore_database(site: Site, archive: str, record: backup.BackupRecord) -> None:
    backup.restore(site.host, site.database_container(site.production), archive, site.database, site.database)
    with reach(site.host, site.database_address(site.production), site.database) as url:
        problems = compare_fingerprints(record.collections, fingerprints(url))
    if problems:
        raise OpsError("the restored database differs from the snapshot:\n  " + "\n  ".join(problems))


def _restore_volumes(site: Site, snap: str) -> None:
    for volume in site.uploads_volumes:
        site.in_volumes({volume: "/to", f"{snap}/volumes": "/from:ro"},
                        f"find /to -mindepth 1 -delete && tar -C /to -xzf /from/{volume}.tar.gz", VOLUME_TIMEOUT_S)


def _retag(site: Site, recorded: dict[str, dict[str, str]]) -> None:
    """Each reference the snapshot recorded points again at the image id it ran, when that image is still
    on the server: a tag moved since the capture (a new ``latest`` pulled) must not change what comes back."""
    for image in recorded.values():
        if site.host.run("docker image inspect %s", image["id"], check=False, timeout=30).ok:
            site.host.run("docker tag %s %s", image["id"], image["ref"], timeout=30)
