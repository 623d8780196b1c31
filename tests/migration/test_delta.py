"""delta: after it, the target equals a full migration of the current source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from ops.migration.delta import apply_delta
from ops.migration.engine import migrate
from ops.migration.verify import verify
from tests.migration.conftest import database, state


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _write_after_t0(source_url: str) -> dict:
    db = database(source_url)
    now = _now() + timedelta(seconds=1)
    bob = db["User"].find_one({"username": "bob_en"})
    message = db["Message"].find_one({"isDeleted": {"$ne": True}, "senderId": {"$exists": True}})
    new_message = {"_id": ObjectId(), "conversationId": message["conversationId"], "senderId": bob["_id"],
                   "content": "écrit après T0 🎉 مرحبا", "originalLanguage": "fr", "messageType": "text",
                   "isEdited": False, "isDeleted": False, "replyToId": message["_id"],
                   "createdAt": now, "updatedAt": now}
    db["Message"].insert_one(new_message)
    db["Message"].update_one({"_id": message["_id"]},
                             {"$set": {"content": "edited", "isEdited": True, "editedAt": now, "updatedAt": now}})
    gone = db["Reaction"].find_one({"userId": {"$exists": True}})
    db["Reaction"].delete_one({"_id": gone["_id"]})
    db["Reaction"].insert_one({"_id": ObjectId(), "messageId": new_message["_id"], "userId": bob["_id"],
                               "emoji": "🦄", "createdAt": now, "updatedAt": now})
    db["User"].insert_one({"_id": ObjectId(), "username": "newcomer", "firstName": "New", "lastName": "Comer",
                           "email": "newcomer@meeshy.local", "password": "$2b$04$" + "a" * 53, "role": "USER",
                           "createdAt": now, "updatedAt": now})
    db["MessageStatus"].delete_one({})
    return {"message": new_message["_id"], "deleted_reaction": gone["_id"]}


def test_delta_applies_inserts_updates_and_deletes(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target, t0=_now())
    written = _write_after_t0(source)
    report = apply_delta(source, target)
    assert report.totals["inserted"] >= 3 and report.totals["deleted"] >= 2
    assert report.totals["updated"] >= 1
    db = database(target)
    assert db["Message"].find_one({"_id": written["message"]})["reactionCount"] == 1
    assert db["Reaction"].find_one({"_id": written["deleted_reaction"]}) is None
    assert db["User"].find_one({"username": "newcomer"})["displayName"] == "New Comer"
    fresh = db_url("fresh")
    migrate(source, fresh)
    assert state(target) == state(fresh)
    assert verify(source, target).ok


def test_a_second_delta_changes_nothing(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target, t0=_now())
    _write_after_t0(source)
    apply_delta(source, target)
    before = state(target)
    again = apply_delta(source, target)
    assert again.totals == {"inserted": 0, "updated": 0, "deleted": 0, "rejected": 0}
    assert state(target) == before


def test_fingerprint_mode_catches_an_update_that_left_updated_at_alone(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target, t0=_now())
    database(source)["Community"].update_one({"name": {"$exists": True}}, {"$set": {"description": "silent"}})
    assert apply_delta(source, target).totals["updated"] == 0
    assert apply_delta(source, target, mode="fingerprints").totals["updated"] == 1
    assert verify(source, target).ok


def test_a_deleted_parent_turns_its_children_into_rejects(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target, t0=_now())
    db = database(source)
    reaction = db["Reaction"].find_one({"userId": {"$exists": True}})
    db["Message"].delete_one({"_id": reaction["messageId"]})
    apply_delta(source, target)
    fresh = db_url("fresh")
    migrate(source, fresh)
    assert state(target) == state(fresh)


def test_a_new_document_taking_a_unique_key_is_rejected_like_a_full_migration_would(legacy, db_url):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target, t0=_now())
    db = database(source)
    now = _now() + timedelta(seconds=1)
    db["User"].insert_one({"_id": ObjectId(), "username": "copycat", "firstName": "Copy", "lastName": "Cat",
                           "email": "alice@meeshy.local", "password": "$2b$04$" + "a" * 53, "role": "USER",
                           "createdAt": now, "updatedAt": now})
    report = apply_delta(source, target)
    assert report.totals["rejected"] == 1
    rejected = database(target)["_meeshy_rejects"].find_one({"document.username": "copycat"})
    assert "unique-key collision" in rejected["reason"]
    fresh = db_url("fresh")
    migrate(source, fresh)
    assert state(target).keys() == state(fresh).keys()
    assert {k: v for k, v in state(target).items() if k != "_meeshy_rejects"} == \
        {k: v for k, v in state(fresh).items() if k != "_meeshy_rejects"}
    assert verify(source, target).ok
