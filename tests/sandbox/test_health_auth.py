"""Health (§1) and authentication (§2) of the sandbox, over real HTTP on loopback."""

from __future__ import annotations

import subprocess
import sys
import time

import jwt
import pytest
import requests
from sandbox_clients import Api, login

from ops.host.ports import free_port


def test_gateway_health_reports_database_and_translation(prisma):
    r = requests.get(prisma.url + "/health", timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "healthy"
    assert body["services"]["database"] == {"status": "up", "userCount": 7}
    assert body["services"]["translation"]["status"] == "up"
    assert body["services"]["websocket"]["status"] == "up"


def test_translator_health_ready_live(prisma):
    base = prisma.info.translator_url
    health = requests.get(base + "/health", timeout=5).json()
    assert health["service"] == "meeshy-translator"
    assert health["summary"]["models_loaded"] is True
    assert requests.get(base + "/ready", timeout=5).json()["status"] == "ready"
    assert requests.get(base + "/live", timeout=5).json()["status"] == "alive"
    out = requests.post(
        base + "/translate",
        json={"text": "bonjour", "source_language": "fr", "target_language": "en"},
        timeout=5,
    ).json()
    assert out["translated_text"] == "[fr→en] bonjour"


@pytest.mark.parametrize("defect_on", [True, False], ids=["real", "fixed"])
def test_translator_ready_ignores_the_models_and_health_tells_the_loading(defect_on):
    """The real /ready checks only the database and ZMQ: always 503 at d5983046 (no database
    component registered), 200 once that is fixed, models loaded or not. /health tells the loading."""
    port = free_port()
    off = [] if defect_on else ["--defects-off", "translator_db_unregistered"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.translator", "--port", str(port), "--load-ms", "1500", *off],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 10
        first = None
        while first is None and time.monotonic() < end:
            try:
                first = requests.get(base + "/health", timeout=1).json()
            except requests.ConnectionError:
                time.sleep(0.05)
        assert first is not None and first["summary"]["models_loading"] is True
        assert first["summary"]["total_models"] == 0 and first["summary"]["zmq_running"] is True
        assert first["status"] == ("unhealthy" if defect_on else "healthy")
        ready = requests.get(base + "/ready", timeout=1)
        assert ready.status_code == (503 if defect_on else 200)
        if defect_on:
            assert ready.json()["detail"] == {
                "message": "Service not ready",
                "database_ready": False,
                "zmq_ready": True,
            }
        while requests.get(base + "/health", timeout=1).json()["summary"]["models_loading"]:
            assert time.monotonic() < end, "the models never loaded"
            time.sleep(0.05)
        assert requests.get(base + "/ready", timeout=1).status_code == (503 if defect_on else 200)
    finally:
        proc.terminate()
        proc.wait(5)


def test_login_by_username_returns_jwt_and_user(prisma):
    r = login(prisma.url, "alice_fr", "Rehearse-alice-2026")
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["user"]["username"] == "alice_fr" and "password" not in data["user"]
    assert data["expiresIn"] == 86400 and data["sessionToken"] and data["session"]["id"]
    claims = jwt.decode(data["token"], options={"verify_signature": False})
    assert claims["username"] == "alice_fr" and claims["role"] == "USER"
    assert claims["userId"] == str(prisma.ids["users"]["alice_fr"])
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_login_by_email_is_case_insensitive(prisma):
    r = login(prisma.url, "  Bob@Meeshy.LOCAL ", "Rehearse-bob-2026")
    assert r.status_code == 200
    assert r.json()["data"]["user"]["username"] == "bob_en"


def test_migrated_modo_logs_in_as_moderator(prisma):
    r = login(prisma.url, "carlos_es", "Rehearse-carlos-2026")
    assert r.status_code == 200 and r.json()["data"]["user"]["role"] == "MODERATOR"


def test_login_errors(prisma):
    wrong = login(prisma.url, "maria_pt", "not-her-password")
    assert wrong.status_code == 401 and wrong.json() == {"success": False, "error": "Identifiants invalides"}
    assert login(prisma.url, "nobody_here", "whatever").status_code == 401
    missing = requests.post(prisma.url + "/api/v1/auth/login", json={"username": "maria_pt"}, timeout=5)
    assert missing.status_code == 400


def test_me_and_logout(prisma):
    api = prisma.api("admin")
    me = api.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["data"]["user"]["username"] == "admin"
    assert me.json()["data"]["user"]["permissions"]["canAccessAdmin"] is True
    assert Api(prisma.url).get("/api/v1/auth/me").status_code == 401
    assert Api(prisma.url, "not-a-jwt").get("/api/v1/auth/me").json()["code"] == "AUTH_FAILED"
    out = api.post("/api/v1/auth/logout")
    assert out.status_code == 200 and out.json()["data"]["message"] == "Déconnexion réussie"


def test_login_rate_limit_counts_every_request_per_ip_and_username_prefix(fresh_sandbox):
    limited = fresh_sandbox("prisma", login_rate="3/60")
    statuses = [
        login(limited.url, "alice_fr", pw).status_code
        for pw in ("Rehearse-alice-2026", "wrong", "wrong", "Rehearse-alice-2026")
    ]
    assert statuses == [200, 401, 401, 429]
    r = login(limited.url, "ali@meeshy.local", "Rehearse-alice-2026")  # same first 3 characters
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.json()["error"] == "RATE_LIMIT_EXCEEDED"
    # The key is case-sensitive (identifier.substring(0, 3)): "ALI" is another bucket.
    assert login(limited.url, "ALIce_fr", "wrong").status_code == 401
    assert login(limited.url, "bob_en", "Rehearse-bob-2026").status_code == 200


def test_the_old_version_has_no_login_limit(fresh_sandbox):
    old = fresh_sandbox("legacy", login_rate="2/60")
    assert {login(old.url, "alice_fr", "wrong", api="/api").status_code for _ in range(4)} == {401}


def test_cors_headers_for_the_web_origin(prisma):
    origin = "http://127.0.0.1:3100"
    pre = requests.options(
        prisma.url + "/api/v1/auth/login",
        timeout=5,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,authorization",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == origin
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    r = requests.get(prisma.url + "/health", headers={"Origin": origin}, timeout=5)
    assert r.headers["Access-Control-Allow-Origin"] == origin
