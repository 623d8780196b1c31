"""The one translation of site settings into the suites' settings: the CHECK_* target of a site's environment.

What the steps need is the site's own (its server, stacks, images, probe). What the suites need besides
is the site file's optional ``suite`` section, its passwords in the site's secrets file:

 "suite": {"frontend_urls": {"production": "https://meeshy.me", "staging": "https://staging.meeshy.me"},
           "translator_urls": {…}, "redis_ui_urls": {…}, "admin_ui_user": "admin",
           "accounts": ["alice", "bob"], "test_community": "<ObjectId>", "translation_languages": "en,es"}
 secrets_file: ADMIN_UI_PASSWORD=…, ACCOUNT_1_PASSWORD=… (the first account's), ACCOUNT_2_PASSWORD=…, …

A check whose keys the site does not give is skipped by the suites with the key named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ops.config.secrets import Secret
from ops.config.target import Account, Target, account_keys
from ops.db import MONGODB_PORT

if TYPE_CHECKING:
    from ops.config.site import Site

IMAGE_KEYS = ("GATEWAY_IMAGE", "TRANSLATOR_IMAGE", "FRONTEND_IMAGE")  # the .env's keys of the app's images


@dataclass(frozen=True)
class SuiteSettings:
    """The site file's ``suite`` section (every entry optional)."""

    # per environment; a URL may carry a password (an admin UI's basic auth): kept out of the repr
    frontend_urls: Mapping[str, str] = field(default_factory=dict, repr=False)
    translator_urls: Mapping[str, str] = field(default_factory=dict, repr=False)
    redis_ui_urls: Mapping[str, str] = field(default_factory=dict, repr=False)
    admin_ui_user: str = ""
    admin_ui_password: Secret = Secret("")
    accounts: tuple[Account, ...] = ()
    test_community: str = ""
    translation_languages: str = ""

    @classmethod
    def read(cls, section: Mapping, secrets: Mapping[str, str]) -> SuiteSettings:
        """From the site file's section and the secrets file's values; a ValueError names what is missing."""
        usernames = list(section.get("accounts", []))
        for n, username in enumerate(usernames, 1):
            if not secrets.get(f"ACCOUNT_{n}_PASSWORD"):
                raise ValueError(f"suite account {username}: no ACCOUNT_{n}_PASSWORD in the secrets file")
        plain = ("frontend_urls", "translator_urls", "redis_ui_urls", "admin_ui_user", "test_community",
                 "translation_languages")
        return cls(**{key: section[key] for key in plain if key in section},
                   admin_ui_password=Secret(secrets.get("ADMIN_UI_PASSWORD", "")),
                   accounts=tuple(Account(u, Secret(secrets[f"ACCOUNT_{n}_PASSWORD"]))
                                  for n, u in enumerate(usernames, 1)))


def site_target(site: Site, env_name: str, report_dir: Path | None = None, **keys: str) -> Target:
    """The target of ``env_name`` (staging or production) of ``site``. With ``report_dir``, the reports the
    data checks compare with are fetched from the server into it. ``keys``: CHECK_* values the site does not
    hold (a rehearsal's budgets for a small machine, its recorded writes); they win."""
    env = site.environment(env_name)
    suite = site.suite
    staging = env_name == "staging"
    suffix = "-staging" if staging else ""  # the staging compose file's service names
    values = {
        "CHECK_TARGET": env_name,
        "CHECK_GATEWAY_URL": site.gateway_urls[env_name],
        "CHECK_FRONTEND_URL": suite.frontend_urls.get(env_name, ""),
        "CHECK_TRANSLATOR_URL": suite.translator_urls.get(env_name, ""),
        "CHECK_REDIS_UI_URL": suite.redis_ui_urls.get(env_name, ""),
        "CHECK_ADMIN_UI_USER": suite.admin_ui_user,
        "CHECK_ADMIN_UI_PASSWORD": suite.admin_ui_password.reveal(),
        "CHECK_SSH_HOST": site.ssh,
        "CHECK_SSH_KEY_FILE": site.ssh_key,
        "CHECK_MONGODB_TUNNEL": f"{site.database_address(env)}:{MONGODB_PORT}",
        "CHECK_MONGODB_DATABASE": site.staging_database if staging else site.next_database,
        "CHECK_COMPOSE_PROJECT": env.project,
        "CHECK_COMPOSE_DIR": env.directory,
        "CHECK_EXPECTED_VOLUMES": ",".join(site.engine.volumes(env).values()),
        # both stacks run the new version: staging from deploy-staging on, production after the switch
        "CHECK_EXPECTED_IMAGES": ",".join(f"{key.removesuffix('_IMAGE').lower()}{suffix}={site.new_images[key]}"
                                          for key in IMAGE_KEYS),
        "CHECK_OPTIONAL_SERVICES": ",".join(f"{service}{suffix}" for service in site.optional_services),
        "CHECK_TEST_CONVERSATION": site.probe_conversation,  # by id, as an operator names it
        "CHECK_TEST_COMMUNITY": suite.test_community,
        "CHECK_TRANSLATION_LANGUAGES": suite.translation_languages,
        "CHECK_VERIFY_TLS": "false" if site.tls_for(env_name) is False else "true",
        **account_keys(suite.accounts),
    }
    if not staging:
        values["CHECK_SNAPSHOT_DIR"] = site.snapshots
        values["CHECK_PRODUCTION_CONFIG_FILES"] = f"{env.compose_file},{env.env_file}"
    if report_dir is not None:
        values.update(_reports(site, env_name, Path(report_dir).resolve()))
    values.update(keys)
    return Target({key: value for key, value in values.items() if value}, source=f"site ({env_name})")


def _reports(site: Site, env_name: str, report_dir: Path) -> dict[str, str]:
    """The migration's reports, copied here from the server. Production's counts are those taken at the
    switch (after the delta), when it has run."""
    migration = site.read_state(f"{site.staging.state_dir}/migration.json")
    remote = {"migration": migration.get("migration_report"), "verify": migration.get("verify_report")}
    if env_name == "production":
        switch = site.read_state(f"{site.production.state_dir}/switch.json")
        remote["migration"] = switch.get("counts_report") or remote["migration"]
    found = {}
    for name, path in remote.items():
        if path and site.host.exists(path):
            local = report_dir / f"{env_name}-{name}-report.json"
            site.host.get(path, local)
            found[f"CHECK_{name.upper()}_REPORT"] = str(local)
    return found
