"""`--data legacy`: the rehearsal's old production serves legacy data and writes legacy-shaped documents."""

from __future__ import annotations

import time

import pytest
import requests
from bson import ObjectId
from sandbox_clients import Peer, login

from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER as TEST_CONV


@pytest.fixture(scope="module")
def legacy(make_sandbox):
    return make_sandbox("legacy")


def wait_for(predicate, timeout: float = 5.0):
    end = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.05)
    return value


def test_health_and_login_with_legacy_roles(legacy):
    health = requests.get(legacy.url + "/health", timeout=5).json()
    assert health["status"] == "healthy" and health["sandbox"]["data"] == "legacy"
    r = login(legacy.url, "carlos_es", "Rehearse-carlos-2026", api="/api")
    assert r.status_code == 200 and r.json()["data"]["user"]["role"] == "MODO"


def test_the_old_production_serves_api_without_v1(legacy):
    """06c4a4ab5 registers every route under /api (server.ts:593-690); /api/v1 came on 2026-01-10."""
    assert login(legacy.url, "carlos_es", "Rehearse-carlos-2026").status_code == 404  # /api/v1
    api = legacy.api("alice_fr")
    assert api.get(f"/api/conversations/{TEST_CONV}/messages").status_code == 200
    assert api.get(f"/api/v1/conversations/{TEST_CONV}/messages").status_code == 404


def test_send_reply_react_edit_delete_write_the_legacy_shape(legacy):
    alice = Peer(legacy.url, legacy.token("alice_fr"))
    bob = Peer(legacy.url, legacy.token("bob_en"))
    db = legacy.db()
    try:
        ack = alice.call(
            "message:send", {"conversationId": TEST_CONV, "content": "Ancien monde", "originalLanguage": "fr"}
        )
        mid = ack["data"]["messageId"]
        bob.wait("message:new", where=lambda m: m["id"] == mid)
        reply = bob.call(
            "message:send", {"conversationId": TEST_CONV, "content": "Old world", "replyToId": mid}
        )
        rid = ObjectId(reply["data"]["messageId"])
        assert bob.call("reaction:add", {"messageId": mid, "emoji": "👍"})["success"] is True
    finally:
        alice.close()
        bob.close()
    msg = db["Message"].find_one({"_id": ObjectId(mid)})
    assert msg["messageType"] == "text" and msg["originalLanguage"] == "fr"
    assert "messageSource" not in msg and "reactionSummary" not in msg
    assert db["Message"].find_one({"_id": rid})["replyToId"] == ObjectId(mid)
    reaction = db["Reaction"].find_one({"messageId": ObjectId(mid)})
    assert "anonymousUserId" in reaction and "anonymousId" not in reaction
    translation = wait_for(
        lambda: db["MessageTranslation"].find_one({"messageId": ObjectId(mid), "targetLanguage": "en"})
    )
    assert translation["sourceLanguage"] == "fr" and translation["cacheKey"]
    assert db["User"].find_one({"username": "alice_fr"})["lastSeen"] is not None

    api = legacy.api("alice_fr")
    assert api.put(f"/api/messages/{mid}", json={"content": "Ancien monde (édité)"}).status_code == 200
    edited = db["Message"].find_one({"_id": ObjectId(mid)})
    assert edited["isEdited"] is True and edited["editedAt"] and edited["content"] == "Ancien monde (édité)"
    assert api.delete(f"/api/messages/{mid}").status_code == 200
    deleted = db["Message"].find_one({"_id": ObjectId(mid)})
    assert deleted["isDeleted"] is True and deleted["deletedAt"] is not None


def test_rest_reads_of_legacy_data(legacy):
    api = legacy.api("bob_en")
    data = api.get(f"/api/conversations/{TEST_CONV}/messages").json()["data"]
    welcome = next(m for m in data if m["content"] == "Bienvenue à tous")
    assert welcome["reactionSummary"] == {"👍": 1}  # computed from Reaction rows: legacy has no summary
    assert welcome["translations"][0]["targetLanguage"] == "en"
    assert api.get("/api/communities").json()["data"][0]["isPrivate"] is True


def test_the_database_finds_an_edited_message_by_its_id_index(legacy, mongo_server):
    """An edit (and a delete) is a findAndModify of Message by _id. MongoDB answers it from the _id index;
    FerretDB 1.24.2 on SQLite looked _id up with an expression its index is not on, so each edit read the
    whole collection twice, and timed out at four times the real data on a busy machine
    (tools/ferretdb/build.sh)."""
    if mongo_server.kind != "ferretdb":
        pytest.skip(f"the plan checked is FerretDB's SQLite backend's, not {mongo_server.kind}'s")
    api = legacy.api("alice_fr")
    sent = api.post(f"/api/conversations/{TEST_CONV}/messages", json={"content": "À éditer", "originalLanguage": "fr"})
    mid = ObjectId(sent.json()["data"]["id"])
    assert api.put(f"/api/messages/{mid}", json={"content": "Édité"}).status_code == 200
    explained = legacy.db().command("explain", {"find": "Message", "filter": {"_id": mid}})
    plan = explained["queryPlanner"]["Plan"]
    assert explained["filterPushdown"] is True
    assert any("USING INDEX" in step for step in plan), plan
