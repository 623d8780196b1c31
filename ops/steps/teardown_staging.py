"""teardown-staging: remove the staging stack, its databases and directory; nothing else."""

from __future__ import annotations

import pymongo

from ops.backup import db_name_of
from ops.steps.site import Site


def teardown_staging(site: Site) -> list[str]:
    """Returns what was removed. A database production now serves is kept, whatever its name."""
    serving = site.env_config(site.production).get("DATABASE_URL")
    databases = [u for u in (site.staging_legacy_url, site.staging_db_url) if u != serving]
    kept = [u for u in (site.staging_legacy_url, site.staging_db_url) if u == serving]
    plan = [
        "stop the staging stack",
        f"drop databases {', '.join(db_name_of(u) for u in databases) or '(none)'}",
        f"remove {site.staging.directory}",
    ]
    if kept:
        plan.append(f"KEEP {db_name_of(kept[0])}: production serves it since the switch")
    if site.would("; ".join(plan)):
        return plan
    site.confirm("This deletes staging (stack, databases, directory).", "oui")
    site.confirm("Last confirmation.", "DELETE-STAGING")
    site.engine.down(site.staging)
    for url in databases:
        with pymongo.MongoClient(url, serverSelectionTimeoutMS=10_000) as client:
            client.drop_database(db_name_of(url))
    site.host.run("rm -rf -- %s", site.staging.directory)
    site.echo("staging removed: " + "; ".join(plan))
    return plan
