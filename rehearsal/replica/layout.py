"""The replica server's files: what /opt/meeshy holds on meeshy.me, and what the operator's workstation holds.

<root>/                     docker-compose.yml (project meeshy), .env (the 220 names of the live one,
                            synthetic values), secrets/, docker/nginx/{static-files,proxy,proxy-staging}.conf
<workstation>/              docker-compose.staging.yml (deploy-staging copies it), secrets.env (the probe's, the
                            admin UIs' and the suite accounts' passwords), site.json (the site file)
"""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ops.host.ports import free_port
from rehearsal.seed_accounts import SUITE_ACCOUNTS, SUITE_TRANSLATION_LANGUAGES, by_username

SERVER_FILES = Path(__file__).resolve().parent / "server"
OLD, NEW = "06c4a4ab5", "d5983046"
APPS = ("gateway", "translator", "frontend")
PROBE_ACCOUNT = "atabeth"  # a seed account that neither the suites nor the write stream log in with
ADMIN_USER = "meeshy-admin"


@dataclass
class Ports:
    frontend: int
    gateway: int
    translator: int
    admin: int

    @classmethod
    def fresh(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port())


def _fill(text: str, values: dict[str, object]) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    return text


def _apr1(user: str, password: str) -> str:
    hashed = subprocess.run(["openssl", "passwd", "-apr1", password], check=True, capture_output=True, text=True)
    return f"{user}:{hashed.stdout.strip()}"


def env_text(ports: Ports, admin_password: str) -> str:
    """Every name of the live .env with a synthetic value; the ones the compose file reads made to work."""
    names = [n for n in (SERVER_FILES / "env-keys.txt").read_text().splitlines() if n and not n.startswith("#")]
    users = _apr1(ADMIN_USER, admin_password)
    real = {
        "DOMAIN": "meeshy.me", "NODE_ENV": "production", "MONGODB_DATABASE": "meeshy",
        "DATABASE_URL": "mongodb://database:27017/meeshy?replicaSet=rs0&directConnection=true",
        "GATEWAY_IMAGE": f"meeshy-replica/gateway:{OLD}", "TRANSLATOR_IMAGE": f"meeshy-replica/translator:{OLD}",
        "FRONTEND_IMAGE": f"meeshy-replica/frontend:{OLD}",
        "NEXT_PUBLIC_API_URL": f"http://127.0.0.1:{ports.gateway}",
        "NEXT_PUBLIC_TRANSLATION_URL": f"http://127.0.0.1:{ports.translator}",
        "TRAEFIK_USERS": f"'{users}'", "MONGO_USERS": f"'{users}'", "REDIS_USERS": f"'{users}'",
        "API_USERS": f"'{users}'", "REDIS_URL": "redis://redis:6379",
        # Compose itself reads these from the .env: values a real server has.
        "DOCKER_DEFAULT_PLATFORM": "linux/amd64", "DOCKER_BUILDKIT": "1",
    }
    lines = ["# Meeshy production configuration (replica: the live file's names, synthetic values)", ""]
    for name in names:
        if name in real:
            value = real[name]
        elif any(part in name for part in ("SECRET", "PASSWORD", "_KEY", "TOKEN")):
            value = secrets.token_urlsafe(24)
        elif name.endswith(("_PORT", "_SIZE", "_DAYS", "_MAX", "_MIN")):
            value = str(1000 + len(name))
        else:
            value = f"replica-{name.lower().replace('_', '-')}"
        lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def write_server(root: Path, ports: Ports, staging_ports: Ports, admin_password: str) -> None:
    """The production directory as the live server has it (idempotent: an existing .env is kept)."""
    (root / "secrets").mkdir(parents=True, exist_ok=True)
    (root / "docker" / "nginx").mkdir(parents=True, exist_ok=True)
    compose = _fill((SERVER_FILES / "production.compose.yml").read_text(), {
        "ROOT": root, "FRONTEND_PORT": ports.frontend, "GATEWAY_PORT": ports.gateway,
        "TRANSLATOR_PORT": ports.translator, "ADMIN_PORT": ports.admin})
    (root / "docker-compose.yml").write_text(compose)
    env = root / ".env"
    if not env.exists():
        env.touch(mode=0o600)
        env.write_text(env_text(ports, admin_password))
    (root / "secrets" / "firebase-admin-sdk.json").write_text(json.dumps({"type": "service_account",
                                                                         "project_id": "meeshy-replica"}))
    (root / "docker" / "nginx" / "static-files.conf").write_text((SERVER_FILES / "static-files.conf").read_text())
    proxy = (SERVER_FILES / "proxy.conf").read_text()
    (root / "docker" / "nginx" / "proxy.conf").write_text(_fill(proxy, {
        "PREFIX": "", "DOMAIN": "meeshy.me", "SUFFIX": "", "SSL": "", "TLS_CERTIFICATE": "# (plain HTTP here)"}))
    (root / "docker" / "nginx" / "proxy-staging.conf").write_text(_fill(proxy, {
        "PREFIX": "staging.", "DOMAIN": "meeshy.me", "SUFFIX": "-staging", "SSL": " ssl",
        "TLS_CERTIFICATE": "ssl_certificate /etc/nginx/default.crt; ssl_certificate_key /etc/nginx/default.key;"}))


def write_workstation(directory: Path, root: Path, ssh_target: str, ssh_dir: Path, ports: Ports,
                      staging_ports: Ports, probe_password: str, probe_conversation: str, admin_password: str,
                      test_community: str = "") -> Path:
    """The operator's side: staging's compose file, the secrets file, the site file. Returns the site file."""
    directory.mkdir(parents=True, exist_ok=True)
    staging_compose = directory / "docker-compose.staging.yml"
    staging_compose.write_text(_fill((SERVER_FILES / "staging.compose.yml").read_text(), {
        "STAGING_FRONTEND_PORT": staging_ports.frontend, "STAGING_GATEWAY_PORT": staging_ports.gateway,
        "STAGING_TRANSLATOR_PORT": staging_ports.translator, "STAGING_ADMIN_PORT": staging_ports.admin}))
    secrets_file = directory / "secrets.env"
    secrets_file.touch(mode=0o600)
    secrets_file.write_text(f"PROBE_PASSWORD={probe_password}\nADMIN_UI_PASSWORD={admin_password}\n" + "".join(
        f"ACCOUNT_{n}_PASSWORD={by_username(u).password}\n" for n, u in enumerate(SUITE_ACCOUNTS, 1)))
    site = {
        "ssh": ssh_target, "ssh_key": str(ssh_dir / "id_ed25519"), "known_hosts": str(ssh_dir / "known_hosts"),
        "root": str(root), "staging_compose": str(staging_compose),
        "new_images": {f"{app.upper()}_IMAGE": f"meeshy-replica/{app}:{NEW}" for app in APPS},
        "gateway_urls": {"production": f"http://127.0.0.1:{ports.gateway}",
                         "staging": f"https://127.0.0.1:{staging_ports.gateway}"},
        # staging's certificate is self-signed, as on meeshy.me's 8443: the operator's explicit opt-out
        "tls": {"production": True, "staging": False}, "api_prefixes": {"old": "/api", "new": "/api/v1"},
        "probe": {"username": PROBE_ACCOUNT, "conversation": probe_conversation},
        "optional_services": ["p3x-redis-ui"], "secrets_file": str(secrets_file),
        "staging_files": {"secrets/firebase-admin-sdk.json": "secrets/firebase-admin-sdk.json",
                          "docker/nginx/static-files.conf": "config/nginx/static-files.conf",
                          "docker/nginx/proxy-staging.conf": "config/nginx/proxy.conf"},
        # What the suites need besides (ops/config/site_target.py); the passwords are in the secrets file.
        "suite": {"admin_ui_user": ADMIN_USER, "test_community": test_community, "accounts": list(SUITE_ACCOUNTS),
                  "translation_languages": SUITE_TRANSLATION_LANGUAGES,
                  "redis_ui_urls": {"production": f"http://127.0.0.1:{ports.admin}",
                                    "staging": f"https://127.0.0.1:{staging_ports.admin}"},
                  "frontend_urls": {"production": f"http://127.0.0.1:{ports.frontend}",
                                    "staging": f"https://127.0.0.1:{staging_ports.frontend}"},
                  "translator_urls": {"production": f"http://127.0.0.1:{ports.translator}",
                                      "staging": f"https://127.0.0.1:{staging_ports.translator}"}},
    }
    path = directory / "site.json"
    path.write_text(json.dumps(site, indent=2))
    return path
