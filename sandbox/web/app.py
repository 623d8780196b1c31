"""aiohttp app of the sandbox web frontend (contract §1.3 and §8).

Pages are shells rendered on the server; `static/app.js` fills them from the gateway. As in the
real app, the session lives in the browser's localStorage under `meeshy-auth`, so the server never
sees a token.
"""

from __future__ import annotations

import html
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from string import Template

from aiohttp import web

from ops.errors import OpsError
from rehearsal.seed_accounts import GLOBAL_CONVERSATION_IDENTIFIER
from sandbox.defects import Defects

VERSION = "1.0.0"
HERE = Path(__file__).parent
REPO_ROOT = HERE.parents[1]
SOCKET_IO_DIST = REPO_ROOT / "node_modules" / "socket.io-client" / "dist"

SETTINGS_KEY = web.AppKey("settings", "WebSettings")
STARTED_KEY = web.AppKey("started", float)


@dataclass(frozen=True)
class WebSettings:
    gateway_url: str
    translator_url: str = ""
    defects: Defects = field(default_factory=lambda: Defects("prisma"))
    data: str = "prisma"  # the old production's front end calls /api, the new one /api/v1
    page_faults: dict[str, str] = field(default_factory=dict)  # sandbox/faults.py, page_* only

    @property
    def ws_url(self) -> str:
        return "ws" + self.gateway_url.removeprefix("http")

    def page_config(self) -> dict[str, object]:
        """What the page's script needs: only public URLs, never a secret."""
        api_path = "/api" if self.data == "legacy" else "/api/v1"
        return {
            "apiUrl": self.gateway_url.rstrip("/"),
            "apiPath": api_path,
            "wsUrl": self.ws_url,
            "faults": self.page_faults,
        }


# What the real /login sends before its script runs (use-auth.ts starts with isChecking: true).
SPINNER = '    <div class="spinner" role="status" aria-label="Loading"></div>'


def _render(name: str, settings: WebSettings, conversation_param: str = "", group_param: str = "") -> web.Response:
    # "<" is escaped so no value can close the <script> element the config sits in.
    config = json.dumps(settings.page_config()).replace("<", "\\u003c")
    defects = settings.defects
    login_form = SPINNER if "login_client_rendered" in defects else (HERE / "static" / "login-form.html").read_text()
    body = Template((HERE / "templates" / name).read_text()).substitute(
        config=config,
        conversation_param=html.escape(conversation_param, quote=True),
        group_param=html.escape(group_param, quote=True),
        login_form=login_form.rstrip("\n"),
        composer_label="" if "composer_no_aria_label" in defects else ' aria-label="Message input"',
    )
    return web.Response(text=body, content_type="text/html")


def _rss_bytes() -> int:
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


async def health(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    return web.json_response(
        {
            "status": "healthy",
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "service": "meeshy-web",
            "version": VERSION,
            "environment": "sandbox",
            "uptime": round(time.monotonic() - request.app[STARTED_KEY], 3),
            "memory": {"rss": _rss_bytes()},
            "api_url": settings.gateway_url,
            "ws_url": settings.ws_url,
            "translation_url": settings.translator_url,
        }
    )


async def home(request: web.Request) -> web.Response:
    # For a signed-in user the real home page is the stream of the global conversation `meeshy`.
    return _render("conversations.html", request.app[SETTINGS_KEY], GLOBAL_CONVERSATION_IDENTIFIER)


async def login_page(request: web.Request) -> web.Response:
    return _render("login.html", request.app[SETTINGS_KEY])


async def conversations_page(request: web.Request) -> web.Response:
    return _render("conversations.html", request.app[SETTINGS_KEY], request.match_info.get("id", ""))


async def settings_page(request: web.Request) -> web.Response:
    return _render("settings.html", request.app[SETTINGS_KEY])


async def groups_page(request: web.Request) -> web.Response:
    # The real app's communities are its "groups" (app/groups/page.tsx, app/groups/[identifier]/page.tsx).
    return _render("groups.html", request.app[SETTINGS_KEY], group_param=request.match_info.get("identifier", ""))


def create_app(settings: WebSettings) -> web.Application:
    if not (SOCKET_IO_DIST / "socket.io.min.js").exists():
        raise OpsError(f"socket.io-client is missing from {SOCKET_IO_DIST.parent}: run `make setup`.")
    app = web.Application()
    app[SETTINGS_KEY] = settings
    app[STARTED_KEY] = time.monotonic()
    app.router.add_get("/api/health", health)
    app.router.add_get("/", home)
    app.router.add_get("/login", login_page)
    # After login the real app lands on /dashboard; here it is the conversation list.
    app.router.add_get("/dashboard", conversations_page)
    app.router.add_get("/conversations", conversations_page)
    app.router.add_get("/conversations/{id}", conversations_page)
    app.router.add_get("/settings", settings_page)
    app.router.add_get("/groups", groups_page)
    app.router.add_get("/groups/{identifier}", groups_page)
    app.router.add_static("/static/vendor/socket.io/", SOCKET_IO_DIST)
    app.router.add_static("/static/", HERE / "static")
    return app
