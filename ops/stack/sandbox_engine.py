"""The rehearsal's container engine: the sandbox's process runner, started from the rendered .env."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ops.embedded_db import free_port
from ops.host import Host
from ops.stack.engine import Endpoints, Environment

SERVICES = ("translator", "gateway", "web")


def parse_env(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


class SandboxEngine:
    """Runs each environment as a sandbox stack named after it; state kept under ``state_dir``.

    An environment keeps its ports from one start to the next (its public address, as Traefik's
    routes on a server), and its uploads volume is the environment's ``uploads/`` directory. A
    private start takes fresh ports, so that nobody but the operator reaches it.
    """

    name = "sandbox"

    def __init__(self, host: Host, state_dir: Path) -> None:
        self.host, self.state_dir = host, Path(state_dir)

    def _stack_name(self, env: Environment) -> str:
        return f"meeshy-{env.name}"

    def _public_ports(self, env: Environment) -> dict[str, int]:
        path = self.state_dir / f"{self._stack_name(env)}.ports.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({s: free_port() for s in SERVICES}))
        return json.loads(path.read_text())

    def _link_uploads(self, env: Environment) -> None:
        """The stack's uploads directory is the environment's volume, ``<directory>/uploads``."""
        volume = Path(env.directory) / "uploads"
        volume.mkdir(parents=True, exist_ok=True)
        link = self.state_dir.resolve() / self._stack_name(env) / "uploads"
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() and link.resolve() == volume.resolve():
            return
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            shutil.rmtree(link)
        link.symlink_to(volume.resolve(), target_is_directory=True)

    def up(self, env: Environment, private: bool = False) -> Endpoints:
        from sandbox import stack

        running = self.endpoints(env)
        if running is not None:
            return running
        config = parse_env(self.host.read_text(env.env_file))
        faults = tuple(f for f in config.get("SANDBOX_FAULTS", "").split(",") if f)
        self._link_uploads(env)
        info = stack.up(self._stack_name(env), config["DATABASE_URL"], data=config["DATA_SHAPE"],
                        faults=faults, state_dir=self.state_dir,
                        ports=None if private else self._public_ports(env))
        return Endpoints(info.gateway_url, info.translator_url, info.web_url)

    def down(self, env: Environment) -> None:
        from sandbox import stack

        stack.down(self._stack_name(env), self.state_dir)

    def stop_writers(self, env: Environment) -> None:
        # Every sandbox process writes (gateway, translator); the database is the embedded server.
        self.down(env)

    def _status(self, env: Environment):
        from sandbox import stack

        for info in _as_list(stack.status(self.state_dir)):
            if info.name == self._stack_name(env) and info.services.get("gateway", {}).get("running"):
                return info
        return None

    def endpoints(self, env: Environment) -> Endpoints | None:
        info = self._status(env)
        if info is None:
            return None
        return Endpoints(info.gateway_url, info.translator_url, info.web_url)

    def state(self, env: Environment) -> str:
        info = self._status(env)
        if info is None:
            return f"{self._stack_name(env)}: not running\n"
        pids = getattr(info, "pids", {}) or {}
        return "".join(f"{self._stack_name(env)}\t{svc}\tpid {pid}\n" for svc, pid in dict(pids).items())

    def logs(self, env: Environment) -> dict[str, str]:
        info = self._status(env)
        out = {}
        for svc, path in dict(getattr(info, "logs", {}) or {}).items():
            p = Path(path)
            if p.exists():
                out[svc] = "\n".join(p.read_text(errors="replace").splitlines()[-1000:])
        return out

    def images(self, env: Environment) -> dict[str, str]:
        import sandbox

        return {"sandbox": f"sandbox@{getattr(sandbox, '__version__', 'local')}"}


def _as_list(status: object) -> list:
    if isinstance(status, dict):
        return list(status.values())
    return list(status or [])
