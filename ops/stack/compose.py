"""A real server's container engine: ``docker compose`` on a host, with names read from its config."""

from __future__ import annotations

import json

from ops.errors import OpsError
from ops.host import Host
from ops.stack.engine import Endpoints, Environment

WRITERS = ("gateway", "translator", "frontend", "web")


class ComposeEngine:
    """Service and container names come from ``docker compose config``, never from a guess."""

    name = "docker compose"

    def __init__(self, host: Host, gateway_health_url: dict[str, str]) -> None:
        self.host, self.gateway_health_url = host, gateway_health_url

    def _compose(self, env: Environment, args: str, *values: object, timeout: float = 600) -> str:
        command = f"cd %s && docker compose --env-file .env {args}"
        return self.host.check_output(command, env.directory, *values, timeout=timeout)

    def config(self, env: Environment) -> dict:
        return json.loads(self._compose(env, "config --format json", timeout=60))

    def services(self, env: Environment) -> dict[str, str]:
        """Compose service name → container name (the compose default when none is set)."""
        cfg = self.config(env)
        project = cfg["name"]
        return {svc: spec.get("container_name") or f"{project}-{svc}-1"
                for svc, spec in cfg["services"].items()}

    def up(self, env: Environment, private: bool = False) -> Endpoints:
        # NOTE: the production compose file has no private route: a private start is a public one,
        # so on a server the switch's smoke checks run on the public address.
        self._compose(env, "up -d --wait --wait-timeout 300", timeout=400)
        return Endpoints(self.gateway_health_url[env.name])

    def down(self, env: Environment) -> None:
        self._compose(env, "down")

    def stop_writers(self, env: Environment) -> None:
        writers = [svc for svc in self.services(env) if any(w in svc for w in WRITERS)]
        if not writers:
            raise OpsError(f"no writer service found in {env.directory}/docker-compose.yml")
        self._compose(env, "stop " + " ".join(["%s"] * len(writers)), *writers)

    def endpoints(self, env: Environment) -> Endpoints | None:
        running = self._compose(env, "ps --status running --format json", timeout=60)
        return Endpoints(self.gateway_health_url[env.name]) if running.strip() else None

    def state(self, env: Environment) -> str:
        return self._compose(env, "ps --all", timeout=60)

    def logs(self, env: Environment) -> dict[str, str]:
        return {svc: self._compose(env, "logs --no-color --tail 1000 %s", svc, timeout=120)
                for svc in self.services(env)}

    def images(self, env: Environment) -> dict[str, str]:
        out = {}
        for svc, container in self.services(env).items():
            result = self.host.run("docker inspect -f '{{.Image}}' %s", container, check=False, timeout=30)
            if result.ok:
                out[svc] = result.stdout.strip()
        return out
