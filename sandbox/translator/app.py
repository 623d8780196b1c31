"""A deterministic stand-in for the NLLB translator: `[fr→en] text`, after a configurable delay."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

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


def build_app(delay_ms: int = 20, load_ms: int = 300, faults: Faults | None = None) -> web.Application:
    tr = Translator(delay_ms, load_ms, faults or Faults())
    app = web.Application()

    async def health(_request: web.Request) -> web.Response:
        # Always 200, and "healthy" even while models load (§1.2): read summary.models_loaded.
        loaded = tr.models_loaded
        return web.json_response(
            {
                "status": "healthy",
                "service": "meeshy-translator",
                "version": "1.0.0",
                "timestamp": time.time(),
                "uptime_seconds": tr.uptime(),
                "models_loading": not loaded,
                "components": {
                    "database": {"connected": True, "status": "healthy", "type": "mongodb"},
                    "zmq_server": {"running": True, "port": 5555},
                    "translation_models": {
                        "loaded": loaded,
                        "count": 2 if loaded else 0,
                        "status": "healthy" if loaded else "loading",
                    },
                },
                "summary": {
                    "database_connected": True,
                    "zmq_running": True,
                    "models_loaded": loaded,
                    "models_loading": not loaded,
                    "total_models": 2 if loaded else 0,
                },
            }
        )

    async def ready(_request: web.Request) -> web.Response:
        if not tr.models_loaded:
            return web.json_response(
                {
                    "detail": {
                        "message": "Service not ready",
                        "database_ready": True,
                        "zmq_ready": True,
                        "models_ready": False,
                    }
                },
                status=503,
            )
        return web.json_response(
            {"status": "ready", "message": "Service is ready", "database_ready": True, "zmq_ready": True}
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
