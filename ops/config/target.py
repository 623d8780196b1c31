"""Targets the verification suites run against, read from an env file and the environment.

A target is a set of ``CHECK_*`` keys (documented one by one in ``KEYS`` and in ``.env.template``).
The environment wins over the file, so a CI can override one key without editing the file.
Values of secret keys are wrapped in ``Secret``: printing, logging or formatting one shows
``********``; only ``.reveal()`` gives the value, at the place it is sent. A site gives the target of
each of its environments (``Site.target``); ``Target.write`` keeps one as a 0600 file.

>>> target = load_target(Path(".env.staging"))
>>> target.get("CHECK_GATEWAY_URL")        # None when the key is absent
>>> target.accounts[0].password            # Secret('********')
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ops.config.envfile import parse_env
from ops.config.secrets import Masker, Secret
from ops.errors import OpsError


@dataclass(frozen=True)
class KeySpec:
    help: str
    secret: bool = False
    default: str | None = None


# Every key a target can carry. `.env.template` documents the same keys (a test keeps them in step).
KEYS: dict[str, KeySpec] = {
    "CHECK_TARGET": KeySpec("name of the target shown in reports: staging or production", default="staging"),
    "CHECK_APP_VERSION": KeySpec(
        "commit of the app version under test; the known defects listed for it are reported apart",
        default="d5983046578646a36062054e7226e70dec9161ab",
    ),
    "CHECK_PREVIOUS_APP_VERSION": KeySpec(
        "commit of the version it replaces (the old production), named in the report",
        default="06c4a4ab5",
    ),
    "CHECK_FRONTEND_URL": KeySpec("web frontend base URL, e.g. https://staging.meeshy.me"),
    "CHECK_GATEWAY_URL": KeySpec(
        "gateway base URL (REST and Socket.IO), e.g. https://gate.staging.meeshy.me"
    ),
    "CHECK_TRANSLATOR_URL": KeySpec("translator base URL, e.g. https://ml.staging.meeshy.me"),
    "CHECK_MONGODB_URL": KeySpec("MongoDB URL the data checks read (may embed credentials)", secret=True),
    "CHECK_MONGODB_DATABASE": KeySpec("database name; defaults to the URL's path, else meeshy"),
    "CHECK_MONGODB_TUNNEL": KeySpec(
        "host:port of MongoDB as seen from CHECK_SSH_HOST; the checks tunnel to it with Fabric "
        "when CHECK_MONGODB_URL is absent"
    ),
    "CHECK_SSH_HOST": KeySpec("user@host[:port] running the compose project; 'local' for this machine"),
    "CHECK_SSH_KEY_FILE": KeySpec("private key for CHECK_SSH_HOST (default: the SSH agent and ~/.ssh)"),
    "CHECK_COMPOSE_PROJECT": KeySpec("docker compose project name, e.g. meeshy or staging"),
    "CHECK_COMPOSE_DIR": KeySpec("directory of the compose file on the host, e.g. /opt/meeshy/staging"),
    "CHECK_ONESHOT_SERVICES": KeySpec(
        "services allowed to have exited with code 0", default="mongo-init,mongo-init-staging"
    ),
    "CHECK_OPTIONAL_SERVICES": KeySpec(
        "services whose health is reported but not required (the Redis UI reports unhealthy on meeshy.me)"
    ),
    "CHECK_EXPECTED_IMAGES": KeySpec("service=image pairs the running containers must use, comma separated"),
    "CHECK_EXPECTED_VOLUMES": KeySpec("docker volumes that must exist, comma separated"),
    "CHECK_LOG_DIR": KeySpec(
        "local directory of <service>.log files; replaces `docker compose logs` over SSH"
    ),
    "CHECK_LOG_SINCE_MINUTES": KeySpec("how far back the log check reads", default="15"),
    "CHECK_CRITICAL_LOG_PATTERN": KeySpec(
        "regular expression of a critical log line",
        default=r"(?i)\b(critical|fatal|panic|uncaught exception|unhandled ?rejection|out of memory)\b",
    ),
    "CHECK_ACCOUNT_1_USERNAME": KeySpec("first test account (sender)"),
    "CHECK_ACCOUNT_1_PASSWORD": KeySpec("its password", secret=True),
    "CHECK_ACCOUNT_2_USERNAME": KeySpec("second test account (receiver; one socket per user)"),
    "CHECK_ACCOUNT_2_PASSWORD": KeySpec("its password", secret=True),
    "CHECK_ACCOUNT_3_USERNAME": KeySpec("optional third account, used by the browser checks"),
    "CHECK_ACCOUNT_3_PASSWORD": KeySpec("its password", secret=True),
    "CHECK_ACCOUNT_4_USERNAME": KeySpec("optional fourth account, used by the browser checks"),
    "CHECK_ACCOUNT_4_PASSWORD": KeySpec("its password", secret=True),
    "CHECK_TEST_CONVERSATION": KeySpec("id or identifier of the conversation the checks may write into"),
    "CHECK_TEST_COMMUNITY": KeySpec("id or identifier of the community the checks open and post in"),
    "CHECK_TRANSLATION_LANGUAGES": KeySpec(
        "languages a French message must be translated into", default="en,es"
    ),
    "CHECK_MIGRATION_REPORT": KeySpec(
        "path of the JSON migration report whose counts the data checks expect"
    ),
    "CHECK_DRY_RUN_REPORT": KeySpec("path of the JSON dry-run report (staging)"),
    "CHECK_VERIFY_REPORT": KeySpec("path of the JSON verification report (staging)"),
    "CHECK_RECORDED_WRITES": KeySpec(
        "path of the JSON-lines file of writes made to the old production after T0"
    ),
    "CHECK_SNAPSHOT_DIR": KeySpec("directory holding pre-switch-<TS>/ snapshots, on CHECK_SSH_HOST"),
    "CHECK_PRODUCTION_CONFIG_FILES": KeySpec(
        "production config files to scan (compose, .env), on CHECK_SSH_HOST"
    ),
    "CHECK_STAGING_MARKERS": KeySpec(
        "strings that must not appear in the production config",
        default="staging.meeshy.me,:8443,:27018,:6380,meeshy-staging",
    ),
    "CHECK_EXPOSED_HOST": KeySpec("public address on which MongoDB and Redis must not answer without auth"),
    "CHECK_EXPOSED_MONGODB_PORTS": KeySpec(
        "MongoDB ports probed on CHECK_EXPOSED_HOST", default="27017,27018"
    ),
    "CHECK_EXPOSED_REDIS_PORTS": KeySpec("Redis ports probed on CHECK_EXPOSED_HOST", default="6379,6380"),
    "CHECK_MONGO_UI_URL": KeySpec("MongoDB admin UI URL (must answer 401 without basic auth)"),
    "CHECK_REDIS_UI_URL": KeySpec("Redis admin UI URL"),
    "CHECK_TRAEFIK_URL": KeySpec("Traefik dashboard URL"),
    "CHECK_ADMIN_UI_USER": KeySpec("basic-auth user of the admin UIs"),
    "CHECK_ADMIN_UI_PASSWORD": KeySpec("basic-auth password of the admin UIs", secret=True),
    "CHECK_HTTP_TIMEOUT_S": KeySpec("timeout of one HTTP request", default="10"),
    "CHECK_HEALTH_DEADLINE_S": KeySpec("how long health checks poll before failing", default="20"),
    "CHECK_EVENT_DEADLINE_S": KeySpec("how long a real-time or translation event may take", default="15"),
    "CHECK_REALTIME_MESSAGES": KeySpec("messages sent to measure real-time latency", default="20"),
    "CHECK_REALTIME_P95_MS": KeySpec("p95 budget of message:new delivery", default="1000"),
    "CHECK_LOAD_REQUESTS": KeySpec("requests of the /health load (as the runbook's ab -n)", default="1000"),
    "CHECK_LOAD_AUTH_REQUESTS": KeySpec(
        "requests of the authenticated load (as ab -n), paced within the gateway's 300 per minute per address",
        default="1000",
    ),
    "CHECK_LOAD_CONCURRENCY": KeySpec("concurrent clients of the load (as ab -c)", default="10"),
    "CHECK_LOAD_MAX_ERROR_RATE": KeySpec("largest acceptable share of failed requests", default="0.01"),
    "CHECK_LOAD_P95_MS": KeySpec("p95 budget of one request under load", default="1000"),
    "CHECK_VERIFY_TLS": KeySpec(
        "verify TLS certificates (false only for a self-signed staging)", default="true"
    ),
}

def parse_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines; ``#`` comments, blank lines and optional quotes as in docker compose."""
    return parse_env(path.read_text(), strict=str(path))


@dataclass(frozen=True)
class Account:
    username: str
    password: Secret

    def __str__(self) -> str:
        return self.username


@dataclass(frozen=True)
class Target:
    """The keys of one target. ``get`` answers None for an absent key; secrets come back as Secret."""

    values: Mapping[str, str] = field(default_factory=dict, repr=False)  # raw: a traceback may show the repr
    source: str = "environment"

    @property
    def name(self) -> str:
        return self.get("CHECK_TARGET") or "staging"

    def get(self, key: str):
        if key not in KEYS:
            raise KeyError(f"{key} is not a documented target key")
        raw = self.values.get(key) or KEYS[key].default
        if raw is None or raw == "":
            return None
        return Secret(raw) if KEYS[key].secret else raw

    def get_int(self, key: str) -> int | None:
        value = self.get(key)
        return None if value is None else int(value)

    def get_float(self, key: str) -> float | None:
        value = self.get(key)
        return None if value is None else float(value)

    def get_list(self, key: str) -> list[str]:
        value = self.get(key)
        return [item.strip() for item in (value or "").split(",") if item.strip()]

    def missing(self, *keys: str) -> list[str]:
        return [key for key in keys if self.get(key) is None]

    @property
    def accounts(self) -> list[Account]:
        """Test accounts 1..4 whose username and password are both set, in order."""
        found = []
        for n in range(1, 5):
            user, password = self.get(f"CHECK_ACCOUNT_{n}_USERNAME"), self.get(f"CHECK_ACCOUNT_{n}_PASSWORD")
            if user and password:
                found.append(Account(user, password))
        return found

    def secrets(self) -> list[str]:
        """Every secret value this target holds, to scrub from output and to prove it absent."""
        return [self.values[k] for k, spec in KEYS.items() if spec.secret and self.values.get(k)]

    def scrub(self, text: str) -> str:
        """``text`` without this target's secrets, nor any credential-shaped string (a non-secret key such
        as CHECK_MONGO_UI_URL may carry a password; the tokens the checks obtain are secrets too)."""
        return Masker(self.secrets()).mask(text)

    def public_properties(self) -> dict[str, str]:
        """Non-secret keys worth showing in a report (URLs, names); never a secret, never a URL with one."""
        shown = {}
        for key, spec in KEYS.items():
            value = self.values.get(key)
            if (
                value
                and not spec.secret
                and key.endswith(("_URL", "TARGET", "PROJECT", "CONVERSATION", "COMMUNITY", "SSH_HOST", "VERSION"))
            ):
                shown[key] = self.scrub(value)
        return shown

    def write(self, path: Path) -> Path:
        """The target as a ``CHECK_*`` file (created 0600: it holds the passwords) that ``load_target`` reads."""
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text("".join(f"{key}={value}\n" for key, value in self.values.items() if value))
        return path


def account_keys(accounts: Sequence[Account]) -> dict[str, str]:
    """``CHECK_ACCOUNT_<n>_USERNAME`` / ``_PASSWORD`` of test accounts, in order."""
    keys = {}
    for n, account in enumerate(accounts, 1):
        keys[f"CHECK_ACCOUNT_{n}_USERNAME"] = account.username
        keys[f"CHECK_ACCOUNT_{n}_PASSWORD"] = account.password.reveal()
    return keys


def load_target(env_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Target:
    """The target described by ``env_file`` (when given) overridden by ``CHECK_*`` environment variables."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    source = "environment"
    if env_file is not None:
        if not env_file.is_file():
            raise OpsError(f"target env file {env_file} does not exist")
        values.update(parse_env_file(env_file))
        source = str(env_file)
    values.update({k: v for k, v in environ.items() if k.startswith("CHECK_")})
    unknown = sorted(k for k in values if k.startswith("CHECK_") and k not in KEYS)
    if unknown:
        raise OpsError(f"unknown target keys in {source}: {', '.join(unknown)} (see .env.template)")
    return Target(values, source)
