"""Build a Site from a site file (JSON): the rehearsal writes one; a real server gets one by hand.

{"root": "/opt/meeshy", "ssh": "root@meeshy.me:22", "ssh_key": "~/.ssh/id_ed25519",
 "engine": "compose" | "sandbox", "sandbox_state_dir": "...", "mongodb_network": "meeshy-network",
 "production_db_url": ..., "staging_legacy_url": ..., "staging_db_url": ...,
 "health_urls": {"production": "https://gate.meeshy.me", "staging": "https://gate.staging.meeshy.me"},
 "secrets_file": "/path/to/secrets.env"}          # KEY=VALUE, mode 600, never inside a snapshot
"""

from __future__ import annotations

import json
from pathlib import Path

from ops.backup import MongodumpTool, PymongoArchiveTool
from ops.errors import OpsError
from ops.host import Host, LocalHost, SshHost
from ops.stack import ComposeEngine, SandboxEngine, parse_env
from ops.steps.site import Site


def make_host(spec: str | None, key_file: str | None = None) -> Host:
    if not spec or spec == "local":
        return LocalHost()
    target, _, port = spec.partition(":")
    user, _, hostname = target.rpartition("@")
    return SshHost(hostname, user=user or None, port=int(port or 22),
                   key_file=Path(key_file).expanduser() if key_file else None)


def load_site(path: Path, **overrides) -> Site:
    if not Path(path).exists():
        raise OpsError(f"no site file at {path} (the rehearsal writes var/rehearsal/site.json)")
    cfg = json.loads(Path(path).read_text())
    host = make_host(cfg.get("ssh"), cfg.get("ssh_key"))
    if cfg.get("engine", "compose") == "sandbox":
        engine, tool = SandboxEngine(host, Path(cfg["sandbox_state_dir"])), PymongoArchiveTool()
    else:
        engine, tool = ComposeEngine(host, cfg["health_urls"]), MongodumpTool(cfg["mongodb_network"])
    secrets = parse_env(Path(cfg["secrets_file"]).read_text()) if cfg.get("secrets_file") else {}
    return Site(host=host, engine=engine, backup_tool=tool, root=cfg["root"],
                production_db_url=cfg["production_db_url"], staging_legacy_url=cfg["staging_legacy_url"],
                staging_db_url=cfg["staging_db_url"], secrets=secrets, **overrides)
