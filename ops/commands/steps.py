"""The ops steps as sub-commands: deploy-staging, migrate-to-staging, validate, capture, switch,
rollback, teardown-staging. Each takes --site (the site file), --dry-run and, where it asks, --yes."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ops.config.site import load_site


def step_options(confirms: bool = False):
    def wrap(fn):
        @click.option("--site", "site_file", type=click.Path(path_type=Path), required=True,
                      envvar="MEESHY_OPS_SITE", help="The site file (server, paths, images, probe account); "
                      "MEESHY_OPS_SITE when not given.")
        @click.option("--dry-run", is_flag=True, help="Print what would be done; change nothing.")
        @functools.wraps(fn)
        def inner(site_file: Path, dry_run: bool, yes: bool = False, **kwargs):
            if yes:
                click.echo("--yes: confirmations given by automation (logged)", err=True)
            site = load_site(site_file, dry_run=dry_run, yes=yes, echo=click.echo,
                             ask=lambda prompt: click.prompt(prompt, default="", show_default=False))
            try:
                return fn(site, **kwargs)
            finally:
                site.host.close()

        if confirms:
            inner = click.option("--yes", is_flag=True, help="Answer the confirmations (automation).")(inner)
        return inner

    return wrap


@click.command("deploy-staging")
@step_options()
def deploy_staging_cmd(site) -> None:
    """Staging's compose file and mounted files, its .env (new images set), stack up, health polled."""
    # Each command imports its step when it runs: --help stays quick, and a step loads only what it uses.
    from ops.steps.deploy_staging import deploy_staging

    deploy_staging(site)


@click.command("migrate-to-staging")
@step_options()
def migrate_to_staging_cmd(site) -> None:
    """Back up production (checksum, T0), restore into staging's database, migrate, verify, copy uploads."""
    from ops.steps.migrate_to_staging import migrate_to_staging

    migrate_to_staging(site)


@click.command("validate")
@click.option("--env", "env_name", type=click.Choice(["staging", "production"]), required=True)
@click.option("--report-dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@click.option("--target-env", type=click.Path(path_type=Path, exists=True), default=None,
              help="CHECK_* file of the target (the rehearsal writes var/replica/targets/<env>.env).")
@step_options()
def validate_cmd(site, env_name: str, report_dir: Path, target_env: Path | None) -> None:
    """Run the matching pytest suite against the stack and keep its report."""
    from ops.steps.validate import validate

    report_dir.mkdir(parents=True, exist_ok=True)
    validate(site, env_name, report_dir, target_env)


@click.command("capture")
@step_options()
def capture_cmd(site) -> None:
    """Take the pre-switch snapshot (images, compose, whole .env 0600, database, uploads, logs, MANIFEST.md)."""
    from ops.steps.capture import capture

    capture(site)


@click.command("switch")
@click.option("--resume", is_flag=True,
              help="After a switch that did not finish (killed, link lost): bring production back as it was.")
@step_options(confirms=True)
def switch_cmd(site, resume: bool) -> None:
    """Production takes the new images and the migrated data (delta since T0 while frozen); prints the downtime."""
    from ops.steps import switch

    (switch.resume if resume else switch.switch)(site)


@click.command("rollback")
@click.option("--snapshot", default=None, help="Snapshot name (default: the latest).")
@step_options(confirms=True)
def rollback_cmd(site, snapshot: str | None) -> None:
    """Restore a snapshot, bring the old production up, prove the restored database equals it."""
    from ops.steps.rollback import rollback

    rollback(site, snapshot)


@click.command("teardown-staging")
@step_options(confirms=True)
def teardown_staging_cmd(site) -> None:
    """Remove staging (containers, volumes, network, directory) and nothing of production."""
    from ops.steps.teardown_staging import teardown_staging

    teardown_staging(site)


commands = [deploy_staging_cmd, migrate_to_staging_cmd, validate_cmd, capture_cmd, switch_cmd, rollback_cmd,
            teardown_staging_cmd]
