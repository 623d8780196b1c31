"""What every step acts on: a host, a container engine, the layout under /opt/meeshy, the databases.

The rehearsal and a real server differ only in the Host, the engine and the backup tool given here.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ops.backup import BackupTool
from ops.embedded_db import ROOT
from ops.errors import ConfirmationRefused
from ops.host import Host
from ops.stack import ContainerEngine, Environment, parse_env

TEMPLATES = ROOT / "templates"
SECRET_KEY = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY|_USERS|CREDENTIALS", re.I)
MASK = "***"


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def render(template: str, values: dict[str, str]) -> str:
    """Fill a template of templates/; a missing value is an error, never an empty string."""
    return string.Template((TEMPLATES / template).read_text()).substitute(values)


def redact_env(text: str) -> str:
    """The .env with every secret value masked and credentials removed from URLs: safe for snapshots."""
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            if SECRET_KEY.search(key):
                value = MASK
            else:
                value = re.sub(r"://([^:/@]+):[^@]+@", rf"://\1:{MASK}@", value)
            line = f"{key}={value}"
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass
class Site:
    host: Host
    engine: ContainerEngine
    backup_tool: BackupTool
    root: str  # /opt/meeshy on a server; a directory under var/ in the rehearsal
    production_db_url: str  # the live production database (legacy shape before the switch)
    staging_legacy_url: str  # staging's copy of the production backup
    staging_db_url: str  # staging's migrated (Prisma-shaped) database
    secrets: dict[str, str] = field(default_factory=dict)
    domain: str = "meeshy.me"
    probe_username: str = "alice_fr"  # the account the switch's probe and smoke checks write with
    echo: Callable[[str], None] = print
    ask: Callable[[str], str] = input
    dry_run: bool = False
    yes: bool = False

    def __post_init__(self) -> None:
        for value in self.secrets.values():
            self.host.add_secret(value)

    @property
    def probe_password(self) -> str:
        """PROBE_PASSWORD from the secrets, else the seed account's (the rehearsal's dataset)."""
        from ops.seed_accounts import by_username

        return self.secrets.get("PROBE_PASSWORD") or by_username(self.probe_username).password

    @property
    def production(self) -> Environment:
        return Environment("production", self.root)

    @property
    def staging(self) -> Environment:
        return Environment("staging", f"{self.root}/staging")

    @property
    def backups(self) -> str:
        return f"{self.root}/backups"

    @property
    def snapshots(self) -> str:
        return f"{self.root}/pre-switch-snapshots"

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

    def render_env(self, env: Environment, database_url: str, data_shape: str, faults: str = "") -> str:
        values = {
            "ENVIRONMENT": env.name,
            "COMPOSE_PROJECT_NAME": "meeshy" if env.name == "production" else f"meeshy-{env.name}",
            "DOMAIN": self.domain if env.name == "production" else f"{env.name}.{self.domain}",
            "DATA_SHAPE": data_shape,
            "DATABASE_URL": database_url,
            "JWT_SECRET": self.secrets.get("JWT_SECRET", ""),
            "SANDBOX_FAULTS": faults,
        }
        return render("meeshy.env.tmpl", values)

    def env_config(self, env: Environment) -> dict[str, str]:
        return parse_env(self.host.read_text(env.env_file)) if self.host.exists(env.env_file) else {}

    def read_state(self, path: str) -> dict:
        return json.loads(self.host.read_text(path)) if self.host.exists(path) else {}

    def write_state(self, path: str, data: dict) -> None:
        self.host.write_text(path, json.dumps(data, indent=2, default=str))
