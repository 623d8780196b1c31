"""deploy-staging: the staging layout, its rendered configuration, its stack up and healthy."""

from __future__ import annotations

from ops.stack import Environment, parse_env, wait_healthy
from ops.steps.site import Site

LAYOUT = ("config", "state", "uploads", "logs")


def deploy_stack(
    site: Site,
    env: Environment,
    database_url: str,
    data_shape: str,
    faults: str = "",
    health_deadline_s: float = 60.0,
) -> dict:
    """Layout, rendered .env, images recorded, stack up, health polled. Idempotent."""
    if site.would(
        f"create {', '.join(f'{env.directory}/{d}' for d in LAYOUT)}; render {env.env_file} "
        f"({data_shape} data); start the {env.name} stack with {site.engine.name}; poll /health"
    ):
        return {}
    site.host.run("mkdir -p " + " ".join(["%s"] * len(LAYOUT)), *(f"{env.directory}/{d}" for d in LAYOUT))
    rendered = site.render_env(env, database_url, data_shape, faults)
    if site.env_config(env) != parse_env(rendered):
        site.engine.down(env)  # a configuration change needs a restart
        site.host.write_text(env.env_file, rendered, mode="600")
    endpoints = site.engine.up(env)
    seconds = wait_healthy(endpoints.gateway_url + "/health", health_deadline_s, f"the {env.name} gateway")
    state = {
        "endpoints": endpoints.__dict__,
        "images": site.engine.images(env),
        "health_seconds": round(seconds, 2),
    }
    site.write_state(f"{env.directory}/state/deploy.json", state)
    site.echo(f"{env.name} is up and healthy at {endpoints.gateway_url} ({seconds:.1f}s)")
    return state


def deploy_staging(site: Site, faults: str = "") -> dict:
    return deploy_stack(site, site.staging, site.staging_db_url, "prisma", faults)
