"""A deterministic stand-in for the NLLB translator: `[fr→en] text`, after a configurable delay."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from sandbox.defects import Defects
from sandbox.faults import Faults

LANGUAGES = {
    "fr": "Français",
    "en": "English",
    "es": "Español",
    "de": "Deutsch",
    "pt": "Português",
    "zh": "中文",
    "ja": "日本語",
    "ar": "العربية",
}
# translator_slow answers after this long: far past the gateway's deadline.
SLOW_DELAY_S = 60.0


def translate_text(text: str, source: str, target: str) -> str:
    return f"[{source}→{target}] {text}"


class Translator:
    def __init__(self, delay_ms: int, load_ms: int, faults: Faults) -> None:
        self.delay_s = SLOW_DELAY_S if "translator_slow" in faults else delay_ms / 1000
        self.load_s = load_ms / 1000
        self.faults = faults
        self.started = time.monotonic()

    @property
    def models_loaded(self) -> bool:
        if "models_not_loaded" in self.faults:
            return False
        return time.monotonic() - self.started >= self.load_s

    def uptime(self) -> float:
        return round(time.monotonic() - self.started, 3)


def build_app(
    delay_ms: int = 20, load_ms: int = 300, faults: Faults | None = None, defects: Defects | None = None
) -> web.Application:
    tr = Translator(delay_ms, load_ms, faults or Faults())
    defects = defects if defects is not None else Defects("prisma")
    app = web.Application()

    def database() -> dict:
        if "translator_db_unregistered" in defects:
            # main.py never hands its database service to the health module (main.py:186-188).
            return {
                "connected": False,
                "status": "service_not_initialized",
                "error": "Database service not configured",
            }
        return {"connected": True, "status": "healthy", "type": "mongodb"}

    async def health(_request: web.Request) -> web.Response:
        # Always 200. While no model is loaded the models block says "degraded_mode", which the real
        # code counts as models_ok: summary.models_loaded is then true and only models_loading and
        # total_models tell the truth (api/health.py:136-141,185-230).
        loaded = tr.models_loaded
        db = database()
        db_ok = db["connected"]
        models = {
            "loaded": loaded,
            "count": 2 if loaded else 0,
            "status": "healthy" if loaded else "degraded_mode",
            "degraded_mode": False,
        }
        return web.json_response(
            {
                "status": "healthy" if db_ok else "unhealthy",
                "service": "meeshy-translator",
                "version": "1.0.0",
                "timestamp": time.time(),
                "uptime_seconds": tr.uptime(),
                "models_loading": not loaded,
                "components": {
                    "database": db,
                    "zmq_server": {"running": True, "status": "healthy", "port": 5555},
                    "translation_models": models,
                },
                "summary": {
                    "database_connected": db_ok,
                    "zmq_running": True,
                    "models_loaded": True,  # loaded, or "degraded_mode": both count as ok
                    "models_loading": not loaded,
                    "total_models": models["count"],
                },
            }
        )

    async def ready(_request: web.Request) -> web.Response:
        # Only the database and ZMQ are checked, never the models (api/health.py:246-275).
        db_ok = database()["connected"]
        if not db_ok:
            return web.json_response(
                {"detail": {"message": "Service not ready", "database_ready": False, "zmq_ready": True}},
                status=503,
            )
        return web.json_response(
            {
                "status": "ready",
                "message": "Service ready to handle translation requests",
                "database_ready": True,
                "zmq_ready": True,
            }
        )

    async def live(_request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "alive",
                "service": "meeshy-translator",
                "timestamp": time.time(),
                "uptime_seconds": tr.uptime(),
            }
        )

    async def languages(_request: web.Request) -> web.Response:
        return web.json_response({"languages": LANGUAGES})

    async def translate(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("text"), str)
            or not body.get("target_language")
        ):
            return web.json_response({"detail": "text and target_language are required"}, status=422)
        if not tr.models_loaded:
            return web.json_response({"detail": "Translation models not loaded"}, status=503)
        started = time.monotonic()
        await asyncio.sleep(tr.delay_s)
        source = body.get("source_language") or "auto"
        source = "fr" if source == "auto" else source
        target = body["target_language"]
        return web.json_response(
            {
                "original_text": body["text"],
                "translated_text": translate_text(body["text"], source, target),
                "source_language": source,
                "target_language": target,
                "model_used": body.get("model_type") or "basic",
                "confidence_score": 0.95,
                "processing_time_ms": round((time.monotonic() - started) * 1000, 1),
                "from_cache": False,
            }
        )

    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/live", live)
    app.router.add_get("/languages", languages)
    app.router.add_post("/translate", translate)
    return app
