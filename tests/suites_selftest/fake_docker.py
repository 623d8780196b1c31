"""A stand-in for the `docker` CLI on the compose host, answering from a sandbox stack's state.

The Docker engine cannot exist on this machine, so this is the one boundary the self-tests mock:
`docker compose -p P ps --all --format json`, `docker compose -p P logs ...` and `docker volume ls`.
Each service's State comes from whether its process runs, and its Health from the same probe
Docker's healthcheck makes (`curl -f <health URL>`). Any other command fails loudly (exit 97).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import requests

IMAGES = {
    "translator": "isopen/meeshy-translator:staging",
    "gateway": "isopen/meeshy-gateway:staging",
    "web": "isopen/meeshy-web:staging",
}
HEALTH = {"translator": "/health", "gateway": "/health", "web": "/api/health"}
VOLUMES = ("meeshy-staging-gateway-uploads", "meeshy-staging-models-data")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 400
    except requests.RequestException:
        return False


def ps(state: dict) -> list[dict]:
    urls = {"translator": state["translator_url"], "gateway": state["gateway_url"], "web": state["web_url"]}
    rows = []
    for service, image in IMAGES.items():
        pid = state["pids"].get(service)
        running = pid is not None and _alive(pid)
        health = ("healthy" if _healthy(urls[service] + HEALTH[service]) else "unhealthy") if running else ""
        rows.append(
            {
                "Service": service,
                "Name": f"meeshy-{service}-staging",
                "Image": image,
                "State": "running" if running else "exited",
                "Health": health,
                "ExitCode": 0 if running else 1,
            }
        )
    return rows


def main(argv: list[str]) -> int:
    state = json.loads(Path(os.environ["FAKE_DOCKER_STACK_JSON"]).read_text())
    if argv[:2] == ["volume", "ls"]:
        print("\n".join(VOLUMES))
        return 0
    if argv[:1] == ["compose"] and "-p" in argv:
        rest = argv[argv.index("-p") + 2 :]
        if rest[:1] == ["ps"]:
            print("\n".join(json.dumps(row) for row in ps(state)))
            return 0
        if rest[:1] == ["logs"]:
            for service, path in state["logs"].items():
                for line in Path(path).read_text(errors="replace").splitlines():
                    print(f"{service}  | {line}")
            return 0
    print(f"fake docker: unsupported command {' '.join(argv)!r}", file=sys.stderr)
    return 97


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
