"""The gateway's in-memory mirror stays what the database holds: its own writes land in the database
before they are served, and writes made behind its back (another process, a migration) are served
once its poll sees them."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests
from bson import ObjectId
from pymongo.errors import AutoReconnect, NetworkTimeout

from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER
from sandbox.gateway import matching
from sandbox.gateway.mirror import Mirror
from sandbox.shapes import shape_for

POLL_DEADLINE_S = 15.0


def _messages(sandbox, username: str = "alice_fr") -> list[dict]:
    r = sandbox.api(username).get(f"/api/v1/conversations/{TEST_CONVERSATION_IDENTIFIER}/messages?limit=50")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _eventually(condition) -> bool:
    end = time.monotonic() + POLL_DEADLINE_S
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _mirror_ready(sandbox) -> bool:
    return requests.get(sandbox.url + "/health", timeout=5).json()["sandbox"]["mirror_ready"]


def test_writes_behind_the_gateways_back_are_served(fresh_sandbox):
    sandbox = fresh_sandbox("prisma")
    assert _eventually(lambda: _mirror_ready(sandbox)), "the mirror never read every collection"
    assert _messages(sandbox)
    db = sandbox.db()
    conversation = sandbox.ids["conversations"][TEST_CONVERSATION_IDENTIFIER]
    doc = shape_for("prisma").new_message(conversation, sandbox.ids["users"]["bob_en"], "written behind its back", "fr",
                                          "text", None, [])
    db["Message"].insert_one(doc)
    assert _eventually(lambda: any(m["id"] == str(doc["_id"]) for m in _messages(sandbox))), (
        "a message inserted by another process is never served")
    db["Message"].delete_one({"_id": doc["_id"]})
    assert _eventually(lambda: all(m["id"] != str(doc["_id"]) for m in _messages(sandbox))), (
        "a message deleted by another process is still served")


def test_the_gateways_writes_are_in_the_database_when_it_answers(fresh_sandbox):
    sandbox = fresh_sandbox("prisma")
    api = sandbox.api("alice_fr")
    sent = api.post(f"/api/v1/conversations/{TEST_CONVERSATION_IDENTIFIER}/messages",
                    json={"content": "through the gateway", "originalLanguage": "fr"})
    assert sent.status_code == 201, sent.text
    message_id = ObjectId(sent.json()["data"]["id"])
    stored = sandbox.db()["Message"].find_one({"_id": message_id})
    assert stored is not None and stored["content"] == "through the gateway"
    edited = api.put(f"/api/v1/messages/{message_id}", json={"content": "edited"})
    assert edited.status_code == 200, edited.text
    assert sandbox.db()["Message"].find_one({"_id": message_id})["content"] == "edited"
    assert next(m for m in _messages(sandbox) if m["id"] == str(message_id))["content"] == "edited"
    assert api.delete(f"/api/v1/messages/{message_id}").status_code == 200
    assert sandbox.db()["Message"].find_one({"_id": message_id})["isDeleted"] is True
    assert all(m["id"] != str(message_id) for m in _messages(sandbox))


@pytest.mark.parametrize(
    ("doc", "flt", "expected"),
    [
        ({"a": None}, {"a": None}, True),
        ({}, {"a": None}, True),
        ({}, {"a": {"$ne": False}}, True),
        ({"a": False}, {"a": {"$ne": False}}, False),
        ({"a": 1}, {"a": True}, False),  # BSON: a boolean is not a number
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": [1, 2]}, {"a": 2}, True),  # equality matches an array's element
        ({"a": "Alice"}, {"a": {"$regex": "^alice$", "$options": "i"}}, True),
        ({"a": datetime(2026, 1, 1)}, {"a": {"$lt": datetime(2026, 1, 2)}}, True),
        ({"a": "x"}, {"a": {"$lt": datetime(2026, 1, 2)}}, False),  # no comparison across types
        ({"a": 1}, {"$or": [{"a": 2}, {"a": 1}]}, True),
    ],
)
def test_filters_evaluate_as_mongodb_does(doc, flt, expected):
    assert matching.matches(doc, flt) is expected


def test_sort_follows_bson_type_order_missing_first():
    docs = [{"k": datetime(2026, 1, 1)}, {}, {"k": 3}, {"k": "s"}]
    assert [d.get("k") for d in matching.sort(docs, [("k", 1)])] == [None, 3, "s", datetime(2026, 1, 1)]


def test_an_operator_it_does_not_know_is_left_to_the_database():
    with pytest.raises(matching.Unsupported):
        matching.check({"a": {"$elemMatch": {"b": 1}}})


@pytest.mark.parametrize("error, unreachable", [(NetworkTimeout("timed out"), False),
                                                 (AutoReconnect("connection refused"), True)])
def test_a_slow_poll_is_not_an_unreachable_database(error, unreachable):
    """A poll that times out (the server busy with a dump) leaves reads served; one that cannot connect
    fails them, as the real gateway's queries would fail."""
    mirror = Mirror(db=None)

    async def poll() -> None:
        raise error

    mirror.poll = poll
    # A thread of its own: a browser test on this worker may have left an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, mirror.poll_once()).result()
    assert (mirror.unreachable is not None) is unreachable
