"""capture: the pre-switch snapshot of production, enough to bring it back exactly.

pre-switch-<YYYYmmdd-HHMMSS>/ (0700) holds docker/ (state, images by reference and id, the compose
file), config/env (the whole .env, byte for byte: 0600, the only file with secrets), mongodb/ (the
database's dump and its record), volumes/ (each uploads volume as a tarball), logs/ (secrets masked)
and MANIFEST.md (checksums and the rollback command, no secret). A copy of the whole snapshot goes
to backups/ as a 0600 tarball.
"""

from __future__ import annotations

import json

from ops import backup
from ops.config import SECRET_KEY
from ops.config.site import Site, timestamp
from ops.db import fingerprints, reach
from ops.errors import OpsError
from ops.steps.results import Snapshot

SECRET_FILE = "config/env"
COMPOSE_FILE = "docker/docker-compose.yml"  # the operator's, as it is: it may hold a secret too (0600)
VOLUME_TIMEOUT_S = 1800


def capture(site: Site) -> Snapshot | None:
    """Take the snapshot; return what it is."""
    name = f"pre-switch-{timestamp()}"
    snap = f"{site.snapshots}/{name}"
    prod = site.production
    if site.would(f"snapshot production into {snap} (images, compose file, whole .env 0600, database dump, "
                  f"uploads volumes, logs, MANIFEST.md) and {site.backups}/{name}.tar.gz (0600)"):
        return None
    host = site.host
    if not host.exists(prod.env_file):
        raise OpsError(f"no production configuration at {prod.env_file}: nothing to snapshot")
    site.mask_env_secrets(prod)
    host.run("umask 077 && mkdir -p %s/docker %s/config %s/mongodb %s/volumes %s/logs", *[snap] * 5)
    host.write_text(f"{snap}/docker/state.txt", site.engine.state(prod))
    host.write_text(f"{snap}/docker/images.json", json.dumps(site.engine.images(prod), indent=2))
    host.run("cp -p %s %s/%s && cp -p %s %s/%s && chmod 600 %s/%s %s/%s", prod.compose_file, snap, COMPOSE_FILE,
             prod.env_file, snap, SECRET_FILE, snap, SECRET_FILE, snap, COMPOSE_FILE)
    record = backup.dump(host, site.database_container(prod), site.database,
                         f"{snap}/mongodb/{site.database}.archive.gz")
    with reach(host, site.database_address(prod), site.database) as url:
        record.collections = fingerprints(url)
    record.save(host)
    for volume in site.uploads_volumes:
        site.in_volumes({volume: "/from:ro", f"{snap}/volumes": "/to"}, f"tar -C /from -czf /to/{volume}.tar.gz .",
                        VOLUME_TIMEOUT_S)
    for service in site.engine.services(prod):
        host.write_text(f"{snap}/logs/{service}.log", host.mask(site.engine.logs(prod, service)))
    _refuse_leaks(site, snap)
    listing = host.check_output("cd %s && find . -type f ! -name MANIFEST.md | sort | xargs sha256sum", snap)
    host.write_text(f"{snap}/MANIFEST.md", _manifest(name, snap, listing, record.documents), mode="600")
    host.run("umask 077 && mkdir -p %s && cd %s && tar -czf %s/%s.tar.gz %s",
             site.backups, site.snapshots, site.backups, name, name, timeout=VOLUME_TIMEOUT_S)
    site.echo(f"snapshot {name}: {record.documents} documents, {len(site.uploads_volumes)} uploads volumes, "
              f"MANIFEST at {snap}/MANIFEST.md")
    return Snapshot(name=name, directory=snap, documents=record.documents, manifest=f"{snap}/MANIFEST.md")


def _refuse_leaks(site: Site, snap: str) -> None:
    """No secret value of the .env may appear in what the snapshot adds: its state, image list, logs (the
    operator's own files, the dump and the volumes are kept as they are, 0600)."""
    secrets = [v for k, v in site.env_config(site.production).items() if SECRET_KEY.search(k) and len(v) >= 4]
    if not secrets:
        return
    found = site.host.run("cd %s && grep -rlF --exclude-dir=mongodb --exclude-dir=volumes -f /dev/stdin . "
                          "| grep -vx -e %s -e %s", snap, f"./{SECRET_FILE}", f"./{COMPOSE_FILE}", check=False,
                          stdin="\n".join(secrets) + "\n")
    if found.stdout.strip():
        site.host.run("rm -rf -- %s", snap)
        raise OpsError("a secret of the .env reached " + ", ".join(found.stdout.split())
                       + " in the snapshot; the snapshot was deleted, nothing was kept")


def _manifest(name: str, snap: str, listing: str, documents: int) -> str:
    return f"""# Pre-Switch Snapshot Manifest

**Snapshot:** {name}
**Directory:** {snap}
**Database:** {documents} documents (per-collection counts and content hashes in mongodb/*.archive.gz.json)
**Secrets:** only {SECRET_FILE} (production's whole .env, mode 0600); this manifest and every other file hold none.

## Files (sha256)

```
{listing}
```

## Rollback

```bash
meeshy-ops rollback --snapshot {name}
```

It stops production's writers, restores the database dump (checksum verified first) and proves it equals
this snapshot (counts and content hashes), puts back the .env and the compose file byte for byte and the
uploads volumes, starts production on the images recorded in docker/images.json, and polls its health.
"""
