"""``docker compose`` on the server's host: the only way the steps start, stop and inspect a stack, and
the way the suites' service checks read it (containers, logs, volumes) exactly as an operator would.

Names come from ``docker compose config`` (services, container names, volumes), never from a guess.
``up`` does not use ``--wait``: a service the operator marks as not essential (the Redis UI that
reports unhealthy on the real server) must not fail a deploy, a switch or a restore; the essential
ones are polled with a deadline.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from ops.errors import OpsError
from ops.host import Host
from ops.stack.engine import Environment

WRITERS = ("gateway", "translator", "frontend", "web")
HEALTH_POLL_S = 1.0


def parse_ps(text: str) -> list[dict]:
    """``ps --format json``: one object per line from compose v2.21 on, an array before."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Container:
    service: str
    name: str
    image: str
    state: str  # running, exited, …
    health: str  # healthy, unhealthy, starting, or "" without a healthcheck
    exit_code: int

    @classmethod
    def from_ps(cls, row: dict) -> Container:
        return cls(row.get("Service", ""), row.get("Name", ""), row.get("Image", ""), row.get("State", ""),
                   row.get("Health", ""), int(row.get("ExitCode") or 0))


class ComposeEngine:
    def __init__(self, host: Host, optional_services: tuple[str, ...] = ()) -> None:
        self.host, self.optional_services = host, tuple(optional_services)

    def compose(self, env: Environment, args: str, *values: object, timeout: float = 600) -> str:
        """``docker compose -p <project> <args>`` in the project's directory (when it has one: a project
        the daemon runs is found by its name alone)."""
        prefix, values = ("cd %s && ", (env.directory, env.project, *values)) if env.directory \
            else ("", (env.project, *values))
        return self.host.check_output(f"{prefix}docker compose -p %s {args}", *values, timeout=timeout)

    def config(self, env: Environment) -> dict:
        out = self.compose(env, "config --format json", timeout=60)
        try:
            cfg = json.loads(out)
        except ValueError:
            cfg = None
        if not isinstance(cfg, dict) or not isinstance(cfg.get("services"), dict):
            raise OpsError(f"`docker compose config` of {env.compose_file} gave no services as JSON (a Compose "
                           f"older than v2.x?): {out.strip()[:200]!r}")
        return cfg

    def services(self, env: Environment) -> dict[str, str]:
        """Compose service name → container name (the compose default when none is set)."""
        cfg = self.config(env)
        return {svc: spec.get("container_name") or f"{env.project}-{svc}-1"
                for svc, spec in cfg["services"].items()}

    def volumes(self, env: Environment) -> dict[str, str]:
        """Compose volume key → the volume's real name."""
        cfg = self.config(env)
        return {key: spec.get("name") or f"{env.project}_{key}" for key, spec in (cfg.get("volumes") or {}).items()}

    def networks(self, env: Environment) -> list[str]:
        cfg = self.config(env)
        return [spec.get("name") or f"{env.project}_{key}" for key, spec in (cfg.get("networks") or {}).items()]

    def writers(self, env: Environment) -> list[str]:
        found = [svc for svc in self.services(env) if any(w in svc for w in WRITERS)]
        if not found:
            raise OpsError(f"no writer service (gateway, translator, frontend) in {env.compose_file}")
        return found

    def ps(self, env: Environment, all_states: bool = False) -> list[dict]:
        flag = "--all" if all_states else "--status running"
        return parse_ps(self.compose(env, f"ps {flag} --format json", timeout=60))

    def containers(self, env: Environment) -> list[Container]:
        """Every container of the project, whatever its state."""
        return [Container.from_ps(row) for row in self.ps(env, all_states=True)]

    def host_volumes(self) -> set[str]:
        """Every docker volume on the host, of any project."""
        out = self.host.check_output("docker volume ls --format '{{.Name}}'", timeout=60)
        return {line.strip() for line in out.splitlines() if line.strip()}

    def essential(self, service: str) -> bool:
        return not any(service == o or service.startswith(f"{o}-") for o in self.optional_services)

    def up(self, env: Environment, deadline_s: float = 300.0, services: tuple[str, ...] = ()) -> float:
        """``up -d`` (recreates what changed), then wait until every essential service runs and is
        healthy where it has a healthcheck; return the seconds it took."""
        started = time.monotonic()
        names = " ".join(["%s"] * len(services))
        self.compose(env, f"up -d --remove-orphans {names}".strip(), *services, timeout=deadline_s + 60)
        self.wait_healthy(env, deadline_s - (time.monotonic() - started), services)
        return time.monotonic() - started

    def wait_healthy(self, env: Environment, deadline_s: float, services: tuple[str, ...] = ()) -> None:
        wanted = [s for s in (services or tuple(self.expected_running(env))) if self.essential(s)]
        end = time.monotonic() + max(deadline_s, 1.0)
        while True:
            states = {c["Service"]: c for c in self.ps(env, all_states=True)}
            waiting = [s for s in wanted if not _ready(states.get(s))]
            if not waiting:
                return
            failed = [s for s in waiting if (states.get(s) or {}).get("Health") == "unhealthy"]
            if failed or time.monotonic() > end:
                # a healthcheck out of retries will not recover by waiting longer
                when = "" if failed else f" within {deadline_s:.0f}s"
                detail = ", ".join(f"{s}: {_describe(states.get(s))}" for s in failed or waiting)
                raise OpsError(f"the {env.name} stack ({env.project}) is not healthy{when}: {detail}")
            time.sleep(HEALTH_POLL_S)  # poll interval

    def expected_running(self, env: Environment) -> list[str]:
        """Services meant to keep running (a one-shot with ``restart: "no"`` and no ports is not)."""
        cfg = self.config(env)
        return [svc for svc, spec in cfg["services"].items() if spec.get("restart") not in ("no", '"no"')]

    def stop(self, env: Environment, services: list[str]) -> None:
        self.compose(env, "stop " + " ".join(["%s"] * len(services)), *services, timeout=120)

    def down(self, env: Environment, volumes: bool = False) -> None:
        self.compose(env, "down --remove-orphans" + (" -v" if volumes else ""), timeout=300)

    def serving(self, env: Environment) -> bool:
        """True while any writer of the stack runs (the database alone does not serve users)."""
        running = {c["Service"] for c in self.ps(env)}
        return any(any(w in svc for w in WRITERS) for svc in running)

    def state(self, env: Environment) -> str:
        return self.compose(env, "ps --all", timeout=60)

    def logs(self, env: Environment, service: str, tail: int = 1000) -> str:
        return self.compose(env, "logs --no-color --tail %s %s", tail, service, timeout=120)

    def logs_since(self, env: Environment, minutes: int) -> dict[str, list[str]]:
        """Service → its log lines (timestamped) of the last ``minutes``."""
        out = self.compose(env, "logs --since %s --no-color --timestamps", f"{int(minutes)}m", timeout=120)
        by_service: dict[str, list[str]] = {}
        for line in out.splitlines():
            service, sep, text = line.partition("|")
            key = service.strip() if sep else "compose"
            by_service.setdefault(key, []).append(text.strip() if sep else line)
        return by_service

    def images(self, env: Environment) -> dict[str, dict[str, str]]:
        """Per running service: the image reference it was started from and the image id it runs."""
        out = {}
        for svc, container in self.services(env).items():
            result = self.host.run("docker inspect -f '{{.Config.Image}} {{.Image}}' %s", container,
                                   check=False, timeout=30)
            if result.ok:
                ref, image_id = result.stdout.split()
                out[svc] = {"ref": ref, "id": image_id}
        return out

    def container_address(self, env: Environment, service: str) -> str:
        """The service container's address on its network (reachable from the host, not published)."""
        container = self.services(env)[service]
        address = self.host.check_output(
            "docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' %s", container, timeout=30
        ).split()
        if not address:
            raise OpsError(f"container {container} has no network address (is it running?)")
        return address[0]


def _ready(container: dict | None) -> bool:
    if not container or container.get("State") != "running":
        return False
    return container.get("Health") in ("", None, "healthy")


def _describe(container: dict | None) -> str:
    if not container:
        return "not created"
    health = f" ({container['Health']})" if container.get("Health") else ""
    return f"{container.get('State')}{health}"
