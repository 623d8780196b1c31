"""Every fault of sandbox/FAULTS.md is observable from outside, as the suites will observe it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
from sandbox_clients import Peer, login

from ops.errors import OpsError
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER as TEST_CONV
from sandbox import stack
from sandbox.defects import DEFECTS
from sandbox.faults import FAULTS

QUIET = 1.5


def send_and_watch(sandbox, event: str, within: float = QUIET) -> list:
    alice = Peer(sandbox.url, sandbox.token("alice_fr"))
    bob = Peer(sandbox.url, sandbox.token("bob_en"))
    try:
        ack = alice.call(
            "message:send", {"conversationId": TEST_CONV, "content": "ping", "originalLanguage": "fr"}
        )
        assert ack["success"] is True
        return bob.collect(
            event, within, where=lambda e: ack["data"]["messageId"] in (e.get("id"), e.get("messageId"))
        )
    finally:
        alice.close()
        bob.close()


def test_faults_md_documents_every_fault_and_every_defect():
    faults, _, defects = (Path(stack.__file__).parent / "FAULTS.md").read_text().partition("\n# Defects")
    assert set(re.findall(r"^\| `(\w+)`", faults, re.MULTILINE)) == set(FAULTS)
    assert set(re.findall(r"^\| `(\w+)`", defects, re.MULTILINE)) == set(DEFECTS)


def test_unknown_fault_is_refused(mongo_server, sandbox_state):
    with pytest.raises(OpsError, match="unknown fault"):
        stack.up("bad", mongo_server.db_url("sbx_bad"), faults=["disk_full"], state_dir=sandbox_state)


def test_healthy_stack_translates_and_broadcasts(prisma):
    """The control: what the faults below take away is there without them."""
    assert len(send_and_watch(prisma, "message:translation")) == 3
    assert send_and_watch(prisma, "message:new")


def test_translator_down(fresh_sandbox):
    s = fresh_sandbox(faults=("translator_down",))
    assert "translator" not in s.info.pids
    health = requests.get(s.url + "/health", timeout=5)
    assert health.status_code == 200 and health.json()["services"]["translation"]["status"] == "down"
    with pytest.raises(requests.ConnectionError):
        requests.get(s.info.translator_url + "/health", timeout=2)
    assert send_and_watch(s, "message:translation") == []


def test_translator_slow_misses_the_deadline(fresh_sandbox):
    s = fresh_sandbox(faults=("translator_slow",), translate_deadline_s=1.0)
    assert requests.get(s.url + "/health", timeout=5).json()["services"]["translation"]["status"] == "up"
    with pytest.raises(requests.Timeout):
        requests.post(
            s.info.translator_url + "/translate",
            timeout=1.5,
            json={"text": "x", "source_language": "fr", "target_language": "en"},
        )
    assert send_and_watch(s, "message:translation", within=2.0) == []


def test_models_not_loaded(fresh_sandbox):
    s = fresh_sandbox(faults=("models_not_loaded",), translator_load_ms=100)
    time.sleep(0.2)  # past the configured load time, on purpose: the models must still not be loaded
    health = requests.get(s.info.translator_url + "/health", timeout=5)
    # As the real one: no model counts as "degraded_mode", so summary.models_loaded stays true and
    # only models_loading and total_models tell.
    summary = health.json()["summary"]
    assert health.status_code == 200 and summary["models_loading"] is True and summary["total_models"] == 0
    assert send_and_watch(s, "message:translation") == []


def test_db_down(fresh_sandbox):
    s = fresh_sandbox(faults=("db_down",))
    health = requests.get(s.url + "/health", timeout=5)
    assert health.status_code == 503 and health.json()["status"] == "unhealthy"
    assert login(s.url, "alice_fr", "Rehearse-alice-2026").status_code == 500


def test_health_lies(fresh_sandbox):
    s = fresh_sandbox(faults=("health_lies",))
    health = requests.get(s.url + "/health", timeout=5)
    assert health.status_code == 200 and health.json()["status"] == "healthy"
    assert login(s.url, "alice_fr", "Rehearse-alice-2026").status_code == 500


def test_no_broadcast(fresh_sandbox):
    s = fresh_sandbox(faults=("no_broadcast",))
    assert send_and_watch(s, "message:new") == []


def test_uploads_not_served(fresh_sandbox):
    s = fresh_sandbox(faults=("uploads_not_served",))
    r = s.api("alice_fr").post("/api/v1/attachments/upload", files={"files": ("a.txt", b"abc", "text/plain")})
    assert r.status_code == 200
    att = r.json()["data"]["attachments"][0]
    assert requests.get(s.url + att["fileUrl"], timeout=5).status_code == 404
    stored = Path(s.info.uploads_dir).rglob("a_*.txt")
    assert [p.read_bytes() for p in stored] == [b"abc"]


def test_login_rejects(fresh_sandbox):
    s = fresh_sandbox(faults=("login_rejects",))
    assert login(s.url, "alice_fr", "Rehearse-alice-2026").status_code == 401


def test_collection_missing_hides_a_collection_until_down(fresh_sandbox, sandbox_state):
    s = fresh_sandbox(faults=("collection_missing:Mention",))
    assert "Mention" not in s.db().list_collection_names()
    default = fresh_sandbox(faults=("collection_missing",))
    assert "Community" not in default.db().list_collection_names()
    assert default.api("alice_fr").get("/api/v1/communities").json()["data"] == []
    count = default.db()["_sandbox_hidden_Community"].count_documents({})
    stack.down(default.info.name, sandbox_state)
    assert default.db()["Community"].count_documents({}) == count == 1


def test_index_missing_drops_a_prisma_index_until_down(fresh_sandbox, sandbox_state):
    s = fresh_sandbox(faults=("index_missing",))
    assert "User_email_key" not in s.db()["User"].index_information()
    assert "User_username_key" in s.db()["User"].index_information()
    stack.down(s.info.name, sandbox_state)
    restored = s.db()["User"].index_information()["User_email_key"]
    assert restored["unique"] is True and restored["key"] == [("email", 1)]


def test_critical_log(fresh_sandbox):
    s = fresh_sandbox(faults=("critical_log",))
    assert "CRITICAL" in s.info.log_path("gateway").read_text()


def test_slow_reads(fresh_sandbox):
    s = fresh_sandbox(faults=("slow_reads:800",))
    api = s.api("alice_fr")
    started = time.monotonic()
    assert api.get(f"/api/v1/conversations/{TEST_CONV}/messages").status_code == 200
    assert time.monotonic() - started >= 0.8
    started = time.monotonic()
    assert api.get("/api/v1/auth/me").status_code == 200
    assert time.monotonic() - started < 0.8


def test_faults_from_the_environment(fresh_sandbox, monkeypatch):
    monkeypatch.setenv("MEESHY_SANDBOX_FAULTS", "login_rejects")
    s = fresh_sandbox()
    assert s.info.faults == ["login_rejects"]
    assert login(s.url, "bob_en", "Rehearse-bob-2026").status_code == 401
