"""delta through the source server's oplog: the changes it names are found without reading the
collections, and a delta whose oplog cannot name them all scans, as without one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pymongo
import pytest
from bson import ObjectId, Timestamp
from pymongo.errors import OperationFailure

from ops.migration.delta import apply_delta
from ops.migration.engine import migrate
from ops.migration.oplog import changes_since
from ops.migration.verify import verify
from tests.migration.changes import write_window
from tests.migration.conftest import database, state


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _entry(op: str, ns: str, o: dict, **more) -> dict:
    """An oplog entry as MongoDB writes it."""
    return {"ts": Timestamp(int(time.time()), 1), "t": 1, "v": 2, "op": op, "ns": ns, "o": o, "wall": _now(),
            **more}


@pytest.fixture
def oplog(mongo_server):
    """The server's oplog: a replica set's own, or one made here, as `rs.initiate` makes it (FerretDB
    records every write in ``local.oplog.rs`` once that capped collection exists), dropped after.
    Yields whether it was made here."""
    client = pymongo.MongoClient(mongo_server.url)
    local = client["local"]
    made = "oplog.rs" not in local.list_collection_names()
    if made:
        try:
            local.create_collection("oplog.rs", capped=True, size=64 << 20)
        except OperationFailure as exc:
            pytest.skip(f"this server keeps no oplog and cannot be given one ({exc})")
        local["oplog.rs"].insert_one(_entry("n", "", {"msg": "initiating set"}))
        client["probe"]["written"].insert_one({"_id": "probe"})
        if local["oplog.rs"].find_one({"ns": "probe.written"}) is None:
            local.drop_collection("oplog.rs")
            pytest.skip("this server does not record its writes in an oplog (a standalone mongod)")
        client.drop_database("probe")
    time.sleep(1.1)  # T0 a second after the oplog's first entry: it reaches back past T0
    yield made
    if made:
        local.drop_collection("oplog.rs")
    client.close()


def test_the_delta_takes_the_changes_the_oplog_names(legacy, db_url, oplog):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target, t0=_now())
    db = database(source)
    write_window(db, _now(), inserts=3, updates=3, deletes=3)
    # An edit that leaves updatedAt alone: a scan by timestamps cannot see it, the oplog does.
    silent = db["Community"].find_one({"name": {"$exists": True}}, {"_id": 1})["_id"]
    db["Community"].update_one({"_id": silent}, {"$set": {"description": "silent"}})

    report = apply_delta(source, target)

    assert report.found_by.startswith("oplog (")
    assert database(target)["Community"].find_one({"_id": silent})["description"] == "silent"
    assert report.totals["deleted"] >= 6 and report.totals["inserted"] >= 6
    fresh = db_url("fresh")
    migrate(source, fresh)
    assert state(target) == state(fresh)
    assert verify(source, target).ok
    assert apply_delta(source, target).totals == {"inserted": 0, "updated": 0, "deleted": 0, "rejected": 0}


def test_documents_the_target_received_itself_are_removed_unless_the_caller_vouches_for_it(legacy, db_url, oplog):
    """Staging's tests write into the copy the switch takes: no change of the source names those
    documents, yet the delta must leave the target a migration of the source. Only the switch's pass
    while frozen, after its catch-up removed them, may skip the counts."""
    source, _ = legacy
    targets = {untouched: db_url(f"target-{untouched}") for untouched in (False, True)}
    for target in targets.values():
        migrate(source, target, t0=_now())
        messages = database(target)["Message"]
        messages.insert_one({**messages.find_one(), "_id": ObjectId(), "content": "written in staging"})
    write_window(database(source), _now(), inserts=2, updates=2, deletes=0)

    reports = {untouched: apply_delta(source, target, target_untouched=untouched)
               for untouched, target in targets.items()}

    assert reports[False].found_by.startswith("oplog (") and reports[False].totals["deleted"] == 1
    fresh = db_url("fresh")
    migrate(source, fresh)
    assert state(targets[False]) == state(fresh)
    assert database(targets[True])["Message"].count_documents({"content": "written in staging"}) == 1


def test_an_oplog_that_does_not_reach_back_to_t0_is_not_used(legacy, db_url, oplog):
    source, _ = legacy
    target = db_url("target")
    migrate(source, target, t0=_now() - timedelta(hours=1))  # before the oplog's oldest entry
    write_window(database(source), _now(), inserts=2, updates=2, deletes=2)

    report = apply_delta(source, target)

    assert report.found_by == "scans"
    assert verify(source, target).ok


def test_a_transaction_counts_by_its_writes_and_a_dropped_collection_stops_the_oplog(legacy, oplog):
    if not oplog:
        pytest.skip("entries are written only into an oplog made here: a replica set's own refuses them")
    source, _ = legacy
    db = database(source)
    entries = db.client["local"]["oplog.rs"]
    since = _now()
    message, reaction = ObjectId(), ObjectId()
    entries.insert_one(_entry("c", "admin.$cmd", {"applyOps": [
        {"op": "i", "ns": f"{db.name}.Message", "ui": None, "o": {"_id": message, "content": "in a transaction"}},
        {"op": "u", "ns": f"{db.name}.Conversation", "o": {"_id": "conversation", "lastMessageAt": _now()},
         "o2": {"_id": "conversation"}},  # a replacement (FerretDB stores no "$v" key to show a diff)
        {"op": "d", "ns": f"{db.name}.Reaction", "o": {"_id": reaction}},
        {"op": "i", "ns": "elsewhere.Message", "o": {"_id": "not ours"}}]}))
    entries.insert_one(_entry("c", f"{db.name}.$cmd", {"createIndexes": "Message", "name": "by_sender"}))

    changes = changes_since(db, since)

    assert changes.written["Message"] == {message} and changes.written["Conversation"] == {"conversation"}
    assert changes.deleted["Reaction"] == {reaction}
    entries.insert_one(_entry("c", f"{db.name}.$cmd", {"drop": "Reaction"}))
    assert changes_since(db, since) is None
