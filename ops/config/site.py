"""The site: the server the steps act on, read from a site file (JSON) the operator writes.

{"ssh": "root@meeshy.me:22", "ssh_key": "~/.ssh/id_ed25519", "known_hosts": "~/.ssh/known_hosts",
 "root": "/opt/meeshy",
 "staging_compose": "infrastructure/docker/compose/docker-compose.staging.yml",   (on this machine)
 "new_images": {"GATEWAY_IMAGE": "isopen/meeshy-gateway:…", "TRANSLATOR_IMAGE": "…", "FRONTEND_IMAGE": "…"},
 "gateway_urls": {"production": "https://gate.meeshy.me", "staging": "https://gate.staging.meeshy.me:8443"},
 "tls": {"production": true, "staging": false},   (per environment: true, "/path/to/ca.pem", or false:
                                                 the operator's explicit opt-out, stated in every report;
                                                 one value for both is accepted too)
 "api_prefixes": {"old": "/api", "new": "/api/v1"},
 "probe": {"username": "…", "conversation": "<ObjectId>"},  (its password: PROBE_PASSWORD in secrets_file)
 "optional_services": ["p3x-redis-ui"], "secrets_file": "~/meeshy-secrets.env",
 "schema": "packages/shared/prisma/schema.prisma", "plan": "plan.json",        (on this machine)
 "suite": {…}}                   (what the suites need besides: see ops/config/site_target.py)

Every other setting has the real server's value as its default (see ``Site``). ``site.target(env)`` is
the suites' target of one of its environments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ops.config.envfile import parse_env
from ops.config.secrets import SECRET_KEY, Secret
from ops.config.site_target import IMAGE_KEYS, SuiteSettings, site_target
from ops.config.target import Target
from ops.errors import ConfirmationRefused, OpsError
from ops.host import Host, LocalHost, SshHost
from ops.stack import ComposeEngine, Environment

# What deploy-staging copies from production's directory into staging's (what the compose files mount).
STAGING_FILES = {
    "secrets/firebase-admin-sdk.json": "secrets/firebase-admin-sdk.json",
    "docker/nginx/static-files.conf": "config/nginx/static-files.conf",
    "config/dynamic.yaml": "config/dynamic.yaml",
}
UPLOADS_VOLUMES = {"meeshy_gateway_uploads": "meeshy-staging-gateway-uploads",
                   "meeshy_frontend_uploads": "meeshy-staging-web-uploads"}


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


@dataclass
class Site:
    host: Host
    root: str  # /opt/meeshy
    staging_compose: Path  # the staging compose file on this machine, copied by deploy-staging
    new_images: dict[str, str]  # image keys of the .env → the new version's images
    gateway_urls: dict[str, str]
    probe_username: str
    probe_conversation: str
    probe_password: Secret = Secret("")
    tls: bool | str | dict[str, bool | str] = True  # one value, or one per environment name
    api_prefixes: dict[str, str] = field(default_factory=lambda: {"old": "/api", "new": "/api/v1"})
    optional_services: tuple[str, ...] = ()
    database: str = "meeshy"  # production's database (legacy until the switch)
    next_database: str = "meeshy_next"  # where the migrated data lives in production's database server
    staging_database: str = "meeshy"  # what staging's gateway reads
    staging_legacy_database: str = "meeshy_legacy"  # the production backup restored in staging
    staging_files: dict[str, str] = field(default_factory=lambda: dict(STAGING_FILES))
    schema: Path | None = None  # the new version's schema.prisma on this machine (default: the shipped one)
    plan: Path | None = None  # the operator's plan file, if any
    uploads_volumes: dict[str, str] = field(default_factory=lambda: dict(UPLOADS_VOLUMES))
    ssh: str = "local"  # the site file's "ssh" (user@host[:port]) and "ssh_key", for the suites' own connection
    ssh_key: str = ""
    suite: SuiteSettings = field(default_factory=SuiteSettings)
    echo: Callable[[str], None] = print
    ask: Callable[[str], str] = input
    dry_run: bool = False
    yes: bool = False

    def __post_init__(self) -> None:
        self.engine = ComposeEngine(self.host, self.optional_services)
        for secret in (self.probe_password, self.suite.admin_ui_password, *(a.password for a in self.suite.accounts)):
            self.host.add_secret(secret)
        self.production = Environment("production", self.root, "meeshy", "database")
        self.staging = Environment("staging", f"{self.root}/staging", "staging", "database-staging")

    @property
    def backups(self) -> str:
        return f"{self.root}/backups"

    @property
    def snapshots(self) -> str:
        return f"{self.root}/pre-switch-snapshots"

    def environment(self, name: str) -> Environment:
        if name not in ("staging", "production"):
            raise OpsError(f"no environment {name!r} on a site: staging or production")
        return self.staging if name == "staging" else self.production

    def target(self, env_name: str, report_dir: Path | None = None, **keys: str) -> Target:
        """The suites' target of the environment (see ops/config/site_target.py)."""
        return site_target(self, env_name, report_dir, **keys)

    def mask_env_secrets(self, env: Environment) -> None:
        """Every secret value of the environment's .env is masked in whatever the host reports."""
        for key, value in self.env_config(env).items():
            if SECRET_KEY.search(key) and len(value) >= 4:
                self.host.add_secret(value)

    def would(self, action: str) -> bool:
        """In dry-run, print the action and return True (the caller skips it)."""
        if self.dry_run:
            self.echo(f"[dry-run] would {action}")
        return self.dry_run

    def confirm(self, question: str, word: str) -> None:
        """Ask for the exact ``word``; anything else (or Ctrl-C) raises ConfirmationRefused."""
        if self.yes:
            self.echo(f"confirmation '{word}' given by --yes (automation)")
            return
        try:
            answer = self.ask(f"{question} Type '{word}' to confirm: ")
        except (KeyboardInterrupt, EOFError):
            raise ConfirmationRefused("cancelled: nothing was changed") from None
        if answer.strip() != word:
            raise ConfirmationRefused(f"confirmation '{word}' not given: nothing was changed")

    def env_config(self, env: Environment) -> dict[str, str]:
        return parse_env(self.host.read_text(env.env_file)) if self.host.exists(env.env_file) else {}

    def read_state(self, path: str) -> dict:
        if not self.host.exists(path):
            return {}
        try:
            return json.loads(self.host.read_text(path))
        except ValueError as exc:
            raise OpsError(f"the state file {path} on the server is not JSON ({exc}): cut short, or edited by "
                           "hand; fix it or move it away") from None

    def write_state(self, path: str, data: dict) -> None:
        self.host.run("mkdir -p \"$(dirname %s)\"", path)
        self.host.write_text(path, json.dumps(data, indent=2, default=str))

    def database_address(self, env: Environment) -> str:
        return self.engine.container_address(env, env.database_service)

    def database_container(self, env: Environment) -> str:
        return self.engine.services(env)[env.database_service]

    def in_volumes(self, mounts: dict[str, str], script: str, timeout: float = 1800) -> str:
        """``script`` (sh) in a throw-away container with ``mounts`` (volume or host path → container path),
        no network. The image is the one production's database runs: every server has it."""
        image = self.host.check_output("docker inspect -f '{{.Config.Image}}' %s",
                                       self.database_container(self.production))
        volumes = " ".join(["-v %s:%s"] * len(mounts))
        return self.host.check_output(f"docker run --rm --network none --entrypoint sh {volumes} %s -c %s",
                                      *(p for pair in mounts.items() for p in pair), image, script, timeout=timeout)

    def tls_for(self, env_name: str) -> bool | str:
        """What ``requests`` verifies the environment's certificates with: True, a CA file, or False."""
        return self.tls.get(env_name, True) if isinstance(self.tls, dict) else self.tls

    def tls_note(self) -> str:
        return "; ".join(f"{name}: {_tls_note(self.tls_for(name))}" for name in ("production", "staging"))


def _tls_note(verify: bool | str) -> str:
    if verify is False:
        return "TLS certificates NOT verified (the operator's explicit opt-out in the site file)"
    return "TLS verified" + (f" with the CA file {verify}" if isinstance(verify, str) else "")


def _check_tls(tls: object) -> bool | str | dict:
    values = tls.values() if isinstance(tls, dict) else [tls]
    unknown = set(tls) - {"production", "staging"} if isinstance(tls, dict) else set()
    if unknown or not all(isinstance(v, bool | str) for v in values):
        raise ValueError(f'tls is true, false, a CA file, or {{"production": …, "staging": …}}: not {tls!r}')
    missing = [v for v in values if isinstance(v, str) and not Path(v).expanduser().is_file()]
    if missing:
        raise ValueError(f"tls CA file {missing[0]} does not exist")
    return {k: str(Path(v).expanduser()) if isinstance(v, str) else v for k, v in tls.items()} \
        if isinstance(tls, dict) else (str(Path(tls).expanduser()) if isinstance(tls, str) else tls)


def make_host(spec: str | None, key_file: str | None = None, known_hosts: str | None = None,
              secrets: tuple[str, ...] = ()) -> Host:
    """``local`` (or nothing): this machine; ``user@host[:port]``: that server over SSH."""
    if not spec or spec == "local":
        return LocalHost(secrets)
    target, _, port = spec.rpartition(":") if spec.count(":") == 1 else (spec, "", "")
    user, _, hostname = target.rpartition("@")
    return SshHost(hostname, user=user or None, port=int(port or 22),
                   key_file=Path(key_file).expanduser() if key_file else None,
                   known_hosts=Path(known_hosts).expanduser() if known_hosts else None, secrets=secrets)


def load_site(path: Path, **overrides) -> Site:
    path = Path(path)
    if not path.exists():
        raise OpsError(f"no site file at {path} (`meeshy-ops replica up` writes one for the rehearsal)")
    try:
        cfg = json.loads(path.read_text())
        secrets = parse_env(Path(cfg["secrets_file"]).expanduser().read_text()) if cfg.get("secrets_file") else {}
        probe = cfg["probe"]
        host = make_host(cfg.get("ssh"), cfg.get("ssh_key"), cfg.get("known_hosts"))
        site = Site(
            host=host, root=cfg["root"], staging_compose=Path(cfg["staging_compose"]).expanduser(),
            new_images=cfg["new_images"], gateway_urls=cfg["gateway_urls"],
            probe_username=probe["username"], probe_conversation=probe["conversation"],
            probe_password=Secret(secrets.get("PROBE_PASSWORD", "")), tls=_check_tls(cfg.get("tls", True)),
            api_prefixes=cfg.get("api_prefixes") or {"old": "/api", "new": "/api/v1"},
            optional_services=tuple(cfg.get("optional_services", ())),
            schema=Path(cfg["schema"]).expanduser() if cfg.get("schema") else None,
            plan=Path(cfg["plan"]).expanduser() if cfg.get("plan") else None,
            ssh=cfg.get("ssh") or "local",
            ssh_key=str(Path(cfg["ssh_key"]).expanduser()) if cfg.get("ssh_key") else "",
            suite=SuiteSettings.read(cfg.get("suite") or {}, secrets),
            **{k: cfg[k] for k in ("database", "next_database", "staging_database", "staging_legacy_database",
                                   "staging_files", "uploads_volumes") if k in cfg},
            **overrides)
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise OpsError(f"site file {path} is not usable: {type(exc).__name__}: {exc}") from None
    if not site.probe_password:
        raise OpsError(f"site file {path}: no PROBE_PASSWORD in its secrets_file (the probe account's password)")
    missing = [k for k in IMAGE_KEYS if k not in site.new_images]
    if missing:
        raise OpsError(f"site file {path}: new_images lacks {', '.join(missing)}")
    return site
