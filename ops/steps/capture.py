"""capture: the pre-switch snapshot of production, enough to bring it back exactly.

pre-switch-<YYYYmmdd-HHMMSS>/{docker,mongodb,config,logs}/ and MANIFEST.md (checksums, rollback
commands). Secrets are never written in clear: the .env is stored redacted, and rollback re-renders
it with the secrets the host already holds.
"""

from __future__ import annotations

import json

from ops.errors import OpsError
from ops.steps.site import Site, redact_env, timestamp


def capture(site: Site) -> str:
    """Take the snapshot; return its name."""
    name = f"pre-switch-{timestamp()}"
    snap = f"{site.snapshots}/{name}"
    if site.would(
        f"snapshot production into {snap} (state, config, database, logs, MANIFEST.md) "
        f"and {site.backups}/{name}.tar.gz"
    ):
        return name
    env = site.production
    if not site.host.exists(env.env_file):
        raise OpsError(f"no production configuration at {env.env_file}: nothing to snapshot")
    host = site.host
    host.run("mkdir -p %s/docker %s/mongodb %s/config %s/logs", snap, snap, snap, snap)
    config = site.env_config(env)
    host.write_text(f"{snap}/docker/state.txt", site.engine.state(env))
    host.write_text(f"{snap}/docker/images.json", json.dumps(site.engine.images(env), indent=2))
    host.write_text(f"{snap}/config/env.redacted", redact_env(host.read_text(env.env_file)))
    host.write_text(
        f"{snap}/config/production.json",
        json.dumps(
            {
                "DATA_SHAPE": config.get("DATA_SHAPE"),
                "DATABASE_URL": config.get("DATABASE_URL"),
                "SANDBOX_FAULTS": config.get("SANDBOX_FAULTS", ""),
            },
            indent=2,
        ),
    )
    record = site.backup_tool.dump(host, config["DATABASE_URL"], f"{snap}/mongodb/mongodb-backup.archive.gz")
    host.write_text(
        f"{snap}/mongodb/mongodb-counts.json",
        json.dumps({c: v["count"] for c, v in record.collections.items()}, indent=2),
    )
    for service, text in site.engine.logs(env).items():
        host.write_text(f"{snap}/logs/{service}.log", site.host.mask(text))
    _assert_no_secret(site, snap)
    listing = host.check_output("cd %s && find . -type f ! -name MANIFEST.md | sort | xargs sha256sum", snap)
    host.write_text(f"{snap}/MANIFEST.md", _manifest(site, name, snap, listing, record.documents))
    host.run(
        "mkdir -p %s && cd %s && tar -czf %s.tar.gz %s && cp %s.tar.gz %s/",
        site.backups,
        site.snapshots,
        name,
        name,
        name,
        site.backups,
    )
    site.echo(f"snapshot {name}: {record.documents} documents, MANIFEST at {snap}/MANIFEST.md")
    return name


def _assert_no_secret(site: Site, snap: str) -> None:
    for value in site.secrets.values():
        if value and site.host.run("grep -rlF -- %s %s", value, snap, check=False).ok:
            site.host.run("rm -rf %s", snap)
            raise OpsError("a secret reached the snapshot; it was deleted, nothing was kept")


def _manifest(site: Site, name: str, snap: str, listing: str, documents: int) -> str:
    return f"""# Pre-Switch Snapshot Manifest

**Snapshot:** {name}
**Directory:** {snap}
**Database:** {documents} documents (per-collection counts in mongodb/mongodb-counts.json)
**Secrets:** none in this snapshot; config/env.redacted is re-rendered with the host's secrets on rollback.

## Files (sha256)

```
{listing}
```

## Rollback

```bash
meeshy-ops rollback --snapshot {name}
```

It stops the current production, restores mongodb/mongodb-backup.archive.gz (checksum verified first),
renders the old configuration, brings the old production up, polls its health, and proves that the
restored database equals this snapshot (per-collection counts and content hashes).
"""
