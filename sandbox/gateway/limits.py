"""The real gateway's rate limiters: the global one (@fastify/rate-limit, 300 per minute per client
address) and the login one (5 per 15 minutes per address + the first 3 characters of the username).

Both count in fixed windows that start at a key's first request, and count every request, refused
ones included (LocalStore of @fastify/rate-limit 10; MemoryStore of utils/rate-limiter.ts).
The client address is the TCP peer: the real gateway sets no ``trustProxy``, so behind Traefik every
user shares the proxy's bucket, and here every local client shares 127.0.0.1's.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from aiohttp import web

from sandbox.gateway.errors import handler_error_body

LIMITER_KEY = web.AppKey("global_limiter", "FixedWindow")
EXEMPT_PATHS = ("/health", "/healthz", "/ready")


@dataclass
class Hit:
    count: int
    limit: int
    reset_s: float  # seconds until the window ends

    @property
    def refused(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_s))

    def headers(self) -> dict[str, str]:
        """X-RateLimit-* of every limited answer; Retry-After too when refused."""
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.retry_after),
        }
        if self.refused:
            out["Retry-After"] = str(self.retry_after)
        return out


class FixedWindow:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> Hit:
        t = time.monotonic()
        start, count = self._windows.get(key, (t, 0))
        if start + self.window_s <= t:
            start, count = t, 0
        count += 1
        self._windows[key] = (start, count)
        if len(self._windows) > 10_000:  # forget finished windows
            self._windows = {k: v for k, v in self._windows.items() if v[0] + self.window_s > t}
        return Hit(count, self.limit, start + self.window_s - t)


def parse_rate(text: str | None) -> tuple[int, float] | None:
    """ "300/60" → (300, 60.0); "off" or "" → None (no limiter)."""
    if not text or text.strip().lower() in ("off", "none", "0"):
        return None
    limit, _, window = text.partition("/")
    return int(limit), float(window or 60)


def _limited(request: web.Request, health_limited: bool) -> bool:
    if request.method == "OPTIONS" or request.path.startswith("/socket.io"):
        return False  # Socket.IO is attached to the HTTP server, outside Fastify's routes
    if request.match_info.http_exception is not None:
        return False  # no route: Fastify's 404 handler is not limited
    return health_limited or request.path not in EXEMPT_PATHS


def global_limit_middleware(health_limited: bool):
    @web.middleware
    async def limit(request: web.Request, handler) -> web.StreamResponse:
        limiter: FixedWindow | None = request.app.get(LIMITER_KEY)
        if limiter is None or not _limited(request, health_limited):
            return await handler(request)
        hit = limiter.hit(f"global:{request.remote}")
        headers = hit.headers()
        if hit.refused:
            # The plugin throws its errorResponseBuilder's object; the gateway's error handler turns
            # any error with a statusCode into its production body (server.ts:554-633).
            return web.json_response(handler_error_body(429), status=429, headers=headers)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    return limit
