"""Health: gateway, translator and frontend answer healthy bodies within a deadline; admin UIs need auth."""

from __future__ import annotations

import allure
import pytest
import requests

from meeshy_checks.checklib.evidence import attach_json
from meeshy_checks.checklib.http import Api, poll

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Health")]


@pytest.fixture(scope="module")
def deadline(target) -> float:
    return target.get_float("CHECK_HEALTH_DEADLINE_S")


def _json_or_none(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        return None


def _poll_json(api: Api, path: str, accept, deadline: float) -> tuple[int, object]:
    """Poll ``path`` until ``accept(status, body)``; return the last (status, body)."""

    def fetch():
        response = api.get(path)
        return response.status_code, _json_or_none(response)

    status, body = poll(fetch, lambda sb: accept(*sb), deadline)
    attach_json(f"GET {path} ({status})", body)
    return status, body


def test_gateway_health_reports_database_and_translation_up(gateway, deadline):
    def healthy(status, body):
        services = (body or {}).get("services") or {}
        return (
            status == 200
            and body.get("status") == "healthy"
            and (services.get("database") or {}).get("status") == "up"
            and (services.get("translation") or {}).get("status") == "up"
        )

    status, body = _poll_json(gateway, "/health", healthy, deadline)
    assert status == 200, f"gateway /health answered {status}: {body}"
    services = body.get("services") or {}
    assert body.get("status") == "healthy", f"gateway status {body.get('status')!r}"
    assert (services.get("database") or {}).get("status") == "up", f"database: {services.get('database')}"
    assert (services.get("translation") or {}).get("status") == "up", f"translation: {services.get('translation')}"
    assert isinstance((services.get("database") or {}).get("userCount"), int), "no userCount in the database block"


@pytest.fixture(scope="module")
def translator(target, need, http_timeout, verify_tls) -> Api:
    need("CHECK_TRANSLATOR_URL")
    return Api(target.get("CHECK_TRANSLATOR_URL"), http_timeout, verify_tls)


def _models_ready(body) -> bool:
    """What readiness means at d5983046: models loaded and ZMQ running. summary.models_loaded is true
    as soon as the models block says "degraded_mode" (no model at all), so loading and the count tell."""
    summary = (body or {}).get("summary") or {}
    return summary.get("models_loading") is False and (summary.get("total_models") or 0) > 0


def test_translator_is_ready_with_models_loaded(translator, deadline, known_defects):
    status, body = _poll_json(translator, "/health", lambda s, b: s == 200 and _models_ready(b), deadline)
    summary = (body or {}).get("summary") or {}
    assert status == 200, f"translator /health answered {status}: {body}"
    assert _models_ready(body), f"translation models not loaded: {summary}"
    assert summary.get("zmq_running") is True, f"translator ZMQ server not running: {summary}"
    if body.get("status") != "healthy":
        database = ((body.get("components") or {}).get("database")) or {}
        if database.get("status") == "service_not_initialized":
            known_defects.meet("translator-health-unhealthy", f"/health status {body.get('status')!r}: {database}")
        else:
            raise AssertionError(f"translator status {body.get('status')!r}: {body.get('components')}")
    ready = translator.get("/ready")
    if ready.status_code == 503 and (_json_or_none(ready) or {}).get("detail", {}).get("database_ready") is False:
        known_defects.meet("translator-ready-503", f"/ready answered 503: {ready.text[:200]}")
    else:
        assert ready.status_code == 200, f"translator /ready: {ready.status_code} {ready.text[:200]}"
    known_defects.conclude()


def test_frontend_answers(target, need, http_timeout, verify_tls, deadline, known_defects):
    need("CHECK_FRONTEND_URL")
    web = Api(target.get("CHECK_FRONTEND_URL"), http_timeout, verify_tls)
    status, body = _poll_json(web, "/api/health", lambda s, b: s == 200, deadline)
    assert status == 200 and (body or {}).get("status") == "healthy", f"frontend /api/health: {status} {body}"
    page = web.get("/login")
    assert page.status_code == 200 and "<script" in page.text, (
        f"frontend /login answered {page.status_code} without the app's script"
    )
    if "login-form-username" not in page.text:
        known_defects.meet("login-client-rendered", "the server's /login HTML holds no login form")
    known_defects.conclude()


ADMIN_UIS = {
    "mongodb-ui": "CHECK_MONGO_UI_URL",
    "redis-ui": "CHECK_REDIS_UI_URL",
    "traefik-dashboard": "CHECK_TRAEFIK_URL",
}


@pytest.mark.parametrize("key", ADMIN_UIS.values(), ids=ADMIN_UIS.keys())
def test_admin_ui_requires_basic_auth(key, target, need, http_timeout, verify_tls):
    need(key)
    url = target.get(key)
    anonymous = requests.get(url, timeout=http_timeout, verify=verify_tls, allow_redirects=False)
    assert anonymous.status_code == 401, f"{url} answered {anonymous.status_code} without credentials"
    need("CHECK_ADMIN_UI_USER", "CHECK_ADMIN_UI_PASSWORD")
    auth = (target.get("CHECK_ADMIN_UI_USER"), target.get("CHECK_ADMIN_UI_PASSWORD").reveal())
    authed = requests.get(url, timeout=http_timeout, verify=verify_tls, auth=auth)
    assert authed.status_code == 200, f"{url} answered {authed.status_code} with the credentials"
