"""deploy-staging: staging's compose file and the files it mounts, its .env, its stack up and healthy.

Staging's ``.env`` starts as a copy of production's (as the operators did: a staging .env is production's
with adaptations); after that only the keys this step owns are set: the new version's images. ``DOMAIN``
is kept: staging's compose file builds its names as ``staging.${DOMAIN}``.
"""

from __future__ import annotations

from ops.config import merge_env
from ops.config.site import Site
from ops.errors import OpsError
from ops.stack import wait_healthy
from ops.steps.results import StagingDeployment

HEALTH_DEADLINE_S = 300.0


def deploy_staging(site: Site) -> StagingDeployment | None:
    """Idempotent: files copied, owned keys set, stack up, essential services healthy, /health 200."""
    staging, prod = site.staging, site.production
    if not site.staging_compose.is_file():
        raise OpsError(f"the staging compose file {site.staging_compose} does not exist on this machine")
    if site.would(f"copy {site.staging_compose} to {staging.compose_file}, copy {', '.join(site.staging_files)} "
                  f"from {prod.directory}, set {', '.join(site.new_images)} in {staging.env_file}, start project "
                  f"{staging.project} and wait for it to be healthy"):
        return None
    host = site.host
    host.run("mkdir -p %s %s", staging.directory, staging.state_dir)
    host.put(site.staging_compose, staging.compose_file)
    for source, target in site.staging_files.items():
        if host.exists(f"{prod.directory}/{source}"):
            host.run("mkdir -p \"$(dirname %s)\" && cp -p %s %s", f"{staging.directory}/{target}",
                     f"{prod.directory}/{source}", f"{staging.directory}/{target}")
    current = host.read_text(staging.env_file) if host.exists(staging.env_file) else host.read_text(prod.env_file)
    merged = merge_env(current, site.new_images)
    if not host.exists(staging.env_file) or merged != current:
        host.write_text(staging.env_file, merged, mode="600")
    site.mask_env_secrets(staging)
    _check_mounts(site)
    seconds = site.engine.up(staging, HEALTH_DEADLINE_S)
    url = site.gateway_urls["staging"]
    wait_healthy(url + "/health", HEALTH_DEADLINE_S, "the staging gateway", site.tls_for("staging"))
    result = StagingDeployment(images=site.engine.images(staging), new_images=site.new_images, gateway_url=url,
                               tls=site.tls_note(), up_seconds=round(seconds, 1))
    site.write_state(f"{staging.state_dir}/deploy.json", result.to_json())
    site.echo(f"staging ({staging.project}) is up and healthy at {url} in {seconds:.1f}s; {site.tls_note()}")
    return result


def _check_mounts(site: Site) -> None:
    """Every bind-mount source of staging's compose file exists (Docker would create an empty directory)."""
    missing = []
    for name, spec in site.engine.config(site.staging)["services"].items():
        for volume in spec.get("volumes") or []:
            source = volume.get("source", "")
            if volume.get("type") == "bind" and source != "/var/run/docker.sock" and not site.host.exists(source):
                missing.append(f"{name}: {source}")
    if missing:
        raise OpsError("staging's compose file mounts files that do not exist on the server: " + "; ".join(missing))
