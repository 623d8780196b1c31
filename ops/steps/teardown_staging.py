"""teardown-staging: staging's containers, volumes, network and directory; never anything of production.

What is removed is read from the running system (staging's compose config, its containers' mounts and
networks), listed in the confirmation, and refused when production uses any of it.
"""

from __future__ import annotations

import json

from ops.config.site import Site
from ops.errors import OpsError
from ops.steps.results import Teardown


def _used_by(site: Site, env) -> set[str]:
    """Volumes and networks the environment's containers use (by name)."""
    used: set[str] = set()
    for container in site.engine.services(env).values():
        out = site.host.run("docker inspect -f '{{json .Mounts}}|{{json .NetworkSettings.Networks}}' %s",
                            container, check=False, timeout=30)
        if out.ok:
            mounts, networks = out.stdout.strip().split("|", 1)
            used |= {m["Name"] for m in json.loads(mounts) if m.get("Type") == "volume"}
            used |= set(json.loads(networks) or {})
    return used


def teardown_staging(site: Site) -> Teardown | None:
    """Returns what was removed."""
    staging, prod = site.staging, site.production
    if not site.host.exists(staging.compose_file):
        raise OpsError(f"no staging at {staging.directory}: nothing to remove")
    volumes = sorted(site.engine.volumes(staging).values())
    networks = sorted(site.engine.networks(staging))
    containers = sorted(site.engine.services(staging).values())
    shared = sorted((set(volumes) | set(networks)) & (_used_by(site, prod) | set(site.engine.volumes(prod).values())))
    if shared:
        raise OpsError(f"refused: production uses {', '.join(shared)}; nothing was removed")
    plan = [f"containers {', '.join(containers)}", f"volumes {', '.join(volumes) or '(none)'}",
            f"networks {', '.join(networks) or '(none)'}", f"directory {staging.directory}"]
    if site.would("remove " + "; ".join(plan)):
        return None
    site.confirm("This deletes staging:\n  " + "\n  ".join(plan) + "\n", "oui")
    site.confirm("Last confirmation.", "DELETE-STAGING")
    try:
        site.engine.down(staging, volumes=True)
        for volume in volumes:  # volumes created outside compose (docker volume create) are not removed by down -v
            site.host.run("docker volume rm %s", volume, check=False)
        site.host.run("rm -rf -- %s", staging.directory)  # last: a rerun finds staging by its compose file
    except BaseException as exc:  # Ctrl-C included
        raise OpsError(f"teardown stopped ({site.host.mask(f'{type(exc).__name__}: {exc}')}); production was not "
                       "touched; run `meeshy-ops teardown-staging` again to finish") from None
    site.echo("staging removed: " + "; ".join(plan))
    return Teardown(removed=plan)
