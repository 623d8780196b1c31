"""A container engine for step tests that do not need the full sandbox: each environment is a real
HTTP server on loopback answering /health 200, started from the environment's rendered .env."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ops.host import Host
from ops.stack import Endpoints, Environment, parse_env


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class StandinEngine:
    name = "stand-in"

    def __init__(self, host: Host) -> None:
        self.host = host
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.started: list[tuple[str, dict[str, str]]] = []

    def up(self, env: Environment, private: bool = False) -> Endpoints:
        if env.name not in self.servers:
            self.started.append((env.name, parse_env(self.host.read_text(env.env_file))))
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers[env.name] = server
        return self.endpoints(env)

    def down(self, env: Environment) -> None:
        server = self.servers.pop(env.name, None)
        if server is not None:
            server.shutdown()
            server.server_close()

    stop_writers = down

    def endpoints(self, env: Environment) -> Endpoints | None:
        server = self.servers.get(env.name)
        return Endpoints(f"http://127.0.0.1:{server.server_address[1]}") if server else None

    def state(self, env: Environment) -> str:
        return f"{env.name}\t{'running' if env.name in self.servers else 'stopped'}\n"

    def logs(self, env: Environment) -> dict[str, str]:
        return {"gateway": f"{env.name} gateway log line\n"}

    def images(self, env: Environment) -> dict[str, str]:
        return {"gateway": "sha256:" + "0" * 64}

    def close(self) -> None:
        for name in list(self.servers):
            self.down(Environment(name, ""))
