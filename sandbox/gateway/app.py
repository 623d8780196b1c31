"""The gateway's aiohttp application: middlewares, health, and the route modules."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from pymongo.errors import PyMongoError

from sandbox.gateway import auth, communities, messages, realtime, uploads
from sandbox.gateway.config import GatewayConfig, api_prefix
from sandbox.gateway.core import Gateway
from sandbox.gateway.errors import ApiError, handler_error_body
from sandbox.gateway.limits import LIMITER_KEY, FixedWindow, global_limit_middleware
from sandbox.gateway.serialize import iso
from sandbox.shapes import now

log = logging.getLogger("gateway")
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Session-Token, X-Requested-With",
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Max-Age": "600",
}


@web.middleware
async def cors(request: web.Request, handler) -> web.StreamResponse:
    """The browser talks to the gateway from the web origin, so every answer carries CORS headers."""
    if request.path.startswith("/socket.io"):
        return await handler(request)  # python-socketio answers its own CORS
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    response.headers.update(CORS_HEADERS)
    return response


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return web.json_response(exc.body, status=exc.status)
    except PyMongoError as exc:
        log.error("database error on %s %s: %s", request.method, request.path, type(exc).__name__)
        return web.json_response(handler_error_body(500, "database unavailable"), status=500)


async def health(request: web.Request) -> web.Response:
    """§1.1: a real user count (503 when it throws) and the translator's status (200 when down)."""
    gw: Gateway = request.app["gw"]
    # Both probes run in parallel, as in the real handler.
    translation, users = await asyncio.gather(
        gw.translator_up(), gw.store["User"].count_documents({}), return_exceptions=True
    )
    user_count = 0
    if isinstance(users, PyMongoError):
        if "health_lies" not in gw.faults:
            log.error("health: database unreachable (%s)", type(users).__name__)
            return web.json_response(
                {"status": "unhealthy", "timestamp": iso(now()), "error": "Database connection failed"},
                status=503,
            )
    elif isinstance(users, BaseException):
        raise users
    else:
        user_count = users
    return web.json_response(
        {
            "status": "healthy",
            "timestamp": iso(now()),
            "environment": "sandbox",
            "version": "1.0.0",
            "uptime": round(time.monotonic() - request.app["started"], 3),
            "services": {
                "database": {"status": "up", "userCount": user_count},
                "translation": {"status": "up" if translation is True else "down"},
                "websocket": {"status": "up"},
            },
            # mirror_ready: the gateway has read its collections once (sandbox/gateway/mirror.py).
            "sandbox": {"data": gw.shape.name, "faults": gw.faults.names(), "defects": gw.defects.names(),
                        "mirror_ready": gw.store.mirror.ready},
        }
    )


async def info(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "name": "Meeshy Gateway (sandbox)",
            "version": "1.0.0",
            "supportedLanguages": ["fr", "en", "es", "de", "pt", "zh", "ja", "ar"],
        }
    )


def build_app(config: GatewayConfig) -> web.Application:
    gw = Gateway(config, realtime.new_server())
    limit = global_limit_middleware("health_rate_limited" in gw.defects)
    app = web.Application(middlewares=[cors, limit, errors], client_max_size=50 * 1024**2)
    gw.sio.attach(app, socketio_path="socket.io")
    app["gw"] = gw
    if config.global_rate is not None:
        app[LIMITER_KEY] = FixedWindow(*config.global_rate)
    app["started"] = time.monotonic()
    realtime.register(gw)
    app.router.add_get("/health", health)
    app.router.add_get("/info", info)
    prefix = api_prefix(config.data)
    # The old production had no login limiter (routes/auth.ts at 06c4a4ab5).
    login_limiter = FixedWindow(config.login_limit, config.login_window_s) if config.data == "prisma" else None
    auth.setup(app, login_limiter, prefix)
    messages.setup(app, prefix)
    uploads.setup(app)
    communities.setup(app, prefix)

    async def on_startup(_app: web.Application) -> None:
        await gw.start()
        if "critical_log" in gw.faults:
            log.critical(
                "Unhandled rejection: PrismaClientValidationError on startup sync (fault critical_log)"
            )

    async def on_cleanup(_app: web.Application) -> None:
        await gw.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
