"""A date after the year 9999 (a timestamp in microseconds read as milliseconds, common in legacy
data) is a reject with its reason, in a migrated collection and in a copy a model reads; where no
model reads a collection, the document is copied byte for byte. Nothing aborts; delta and verify agree."""

from __future__ import annotations

from datetime import datetime, timedelta

from bson import ObjectId
from bson.datetime_ms import DatetimeMS

from ops.migration.plan import META_COLLECTION, REJECTS_COLLECTION
from tests.migration.conftest import database, run_cli

FAR = DatetimeMS(1_737_840_856_000_000)  # 2025-01-25 in µs, read as ms: the year 57040


def test_a_date_after_9999_is_rejected_with_its_reason_and_nothing_aborts(legacy, db_url, new_schema):
    source, _ = legacy
    db = database(source)
    message = db["Message"].find_one({"isDeleted": False})
    far_message = {**message, "_id": ObjectId(), "createdAt": FAR}
    far_stats = {"_id": ObjectId(), "userId": ObjectId(), "messagesSent": 1, "createdAt": FAR, "updatedAt": FAR}
    far_log = {"_id": ObjectId(), "action": "ban", "at": FAR}
    db["Message"].insert_one(far_message)
    db["UserStats"].insert_one(far_stats)
    db["AdminAuditLog"].insert_one(far_log)
    target = db_url("target")
    schema = ("--schema", str(new_schema))
    migrated = run_cli("migrate", "--source", source, "--target", target, *schema, "--t0", "2026-01-25 21:34:16")
    assert migrated.returncode == 0, migrated.stderr
    out = database(target)
    for collection, doc in (("Message", far_message), ("UserStats", far_stats)):
        reject = out[REJECTS_COLLECTION].find_one({"_id": f"{collection}:{doc['_id']}"})
        assert "'createdAt' is a date outside the years 1-9999" in reject["reason"], reject["reason"]
        assert reject["document"]["createdAt"] == FAR
    assert out["AdminAuditLog"].find_one({"_id": far_log["_id"]}) == far_log
    assert out[META_COLLECTION].find_one({"_id": "run"})["status"] == "done"
    assert run_cli("verify", "--source", source, "--target", target, *schema).returncode == 0

    later = datetime(2026, 1, 25, 21, 34, 16) + timedelta(seconds=1)
    db["Message"].insert_one({**message, "_id": ObjectId(), "createdAt": later, "updatedAt": later, "editedAt": FAR})
    delta = run_cli("delta", "--source", source, "--target", target, *schema)
    assert delta.returncode == 0, delta.stderr
    assert out[REJECTS_COLLECTION].count_documents({"reason": {"$regex": "'editedAt' is a date outside"}}) == 1
    assert run_cli("verify", "--source", source, "--target", target, *schema).returncode == 0
