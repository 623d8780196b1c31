"""Conformance of the database servers to the MongoDB operations the project relies on.

Every test runs on every rung this machine offers (rehearsal.embedded_db.available_rungs): the first one is
the session server of the tests (``MEESHY_TEST_MONGODB_URL``, or FerretDB here), the others are
started for this module. A server that ignores an operation fails here, loudly; a known difference is
an explicit strict xfail with its reason, so it fails too the day the server is fixed.

What was observed with pymongo 4.20 (✔ passes; ✘ fails, marked as a strict xfail with its reason).
On a real MongoDB (``MEESHY_TEST_MONGODB_URL``) no test is marked: everything must pass there.

| operation                                                | FerretDB 1.24.2       | nx-27017 0.8.1        |
|----------------------------------------------------------|-----------------------|-----------------------|
| insert_many ordered=False past a duplicate (index, code  | ✔                     | ✔                     |
| 11000)                                                   |                       |                       |
| bulk ReplaceOne(upsert) keyed on _id:                    | ✔                     | ✘ identical counted   |
| upserted/matched/modified counts                         |                       | as modified           |
| bulk ReplaceOne into a unique index: BulkWriteError      | ✘ stops at the error  | ✔                     |
| naming the position, the other replaces applied          | even unordered, says  |                       |
|                                                          | index 0, omits        |                       |
|                                                          | nModified: pymongo    |                       |
|                                                          | raises KeyError       |                       |
| replace_one(upsert) into a unique index:                 | ✔                     | ✔                     |
| DuplicateKeyError 11000                                  |                       |                       |
| update_one $set, update_many, update_one upsert, bulk    | ✔                     | ✔                     |
| UpdateOne                                                |                       |                       |
| update_one $set into a unique index: DuplicateKeyError   | ✘ code 1              | ✔                     |
| 11000                                                    | (InternalError)       |                       |
| delete_many / delete_one                                 | ✔                     | ✘ ObjectId filter     |
|                                                          |                       | deletes nothing       |
| create_index unique, compound, named; list_indexes,      | ✔                     | ✘ names its own       |
| index_information                                        |                       | indexes               |
| drop_index by name                                       | ✔                     | ✘ names its own       |
|                                                          |                       | indexes               |
| insert into a unique index: DuplicateKeyError 11000      | ✔                     | ✔                     |
| explicit nulls collide in a unique index                 | ✔                     | ✘                     |
| a missing field counts as null in a unique index (W17)   | ✘ never collides      | ✘ never collides      |
| partial unique index ($type filter) binds only documents | ✘ not implemented     | ✔                     |
| that have the part                                       | (238): plain unique   |                       |
| unique index over duplicates: OperationFailure, nothing  | ✔                     | ✔                     |
| created                                                  |                       |                       |
| … with code 11000                                        | ✘ code 1              | ✘ no code             |
| find: ObjectId, $in ObjectIds, date $gt/$lt to the ms,   | ✔                     | ✘ ObjectId equality,  |
| $exists, null, $or, $ne ObjectId, $regex/i, ObjectId +   |                       | $ne, ms dates,        |
| date                                                     |                       | $exists               |
| count_documents with the same filters                    | ✔                     | ✘ ObjectId, $or, null |
| sort (one and two keys), skip, limit                     | ✔                     | ✘ (ObjectId filter)   |
| projection (include, exclude)                            | ✔                     | ✔                     |
| distinct, with and without a filter                      | ✔                     | ✘ ignores $in         |
|                                                          |                       | ObjectIds             |
| aggregate $match (ObjectId) + $group (one accumulator) + | ✔                     | ✘ no document         |
| $sort                                                    |                       |                       |
| aggregate $group with two accumulators                   | ✘ the second is       | ✔                     |
|                                                          | always 0              |                       |
| aggregate $group on a compound _id + $match count > 1    | ✔                     | ✘ one group           |
| find with batch_size over 12,000 documents, sorted on    | ✔                     | ✘ int sort is         |
| _id                                                      |                       | lexicographic         |
| list_collection_names, create/drop collection            | ✔                     | ✔                     |
| drop_database                                            | ✔                     | ✔                     |
| rename_collection (documents and indexes follow)         | ✔                     | ✘ ignored             |
| rename onto an existing collection is refused            | ✔                     | ✘ ignored             |
| rename with dropTarget                                   | ✘ not implemented     | ✘ ignored             |
|                                                          | (238)                 |                       |
| estimated_document_count                                 | ✔                     | ✔                     |
| datetimes round-trip to the millisecond                  | ✔                     | ✔                     |
| a date after 9999 (read with DATETIME_AUTO)              | ✔                     | ✘ ProtocolError       |
| BSON values (ObjectId lists, Int64, float, bool, null,   | ✔                     | ✔                     |
| nested)                                                  |                       |                       |
| documents of ~100 KB                                     | ✔                     | ✔                     |
| unicode (emoji, RTL, combining marks): round-trip and    | ✔                     | ✔                     |
| equality                                                 |                       |                       |
| collStats count; RawBSONDocument copy byte for byte;     | ✔                     | ✔                     |
| buildInfo; find_one by _id, present and absent           |                       |                       |

So, on FerretDB: after a failed bulk of replaces (any exception, KeyError included), replay the batch
one document at a time (the upserts are idempotent, and replace_one names the duplicate); treat any
OperationFailure of a unique-index build as "duplicates exist"; find would-be duplicates of nullable
unique keys in code, not by building the index; use one accumulator per $group; drop the target
before a rename instead of passing dropTarget.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

import pymongo
import pytest
from bson import Int64, ObjectId
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.datetime_ms import DatetimeMS
from pymongo import ASCENDING, DESCENDING, ReplaceOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from rehearsal.embedded_db import Server, available_rungs, start_server

RUNGS = available_rungs("MEESHY_TEST_MONGODB_URL")
FERRETDB, NX = "ferretdb", "nx-27017"
# FerretDB on PostgreSQL shares FerretDB's differences unless one is listed for it by its own name.
FAMILY = {"ferretdb-postgresql": FERRETDB}
_names = itertools.count()


def on_every_rung(*cases: str, known: dict | None = None):
    """Parametrize over (case ×) rung; ``known`` maps a rung, or (rung, case), to a documented difference."""
    known = known or {}
    params = []
    for rung in RUNGS:
        for case in cases or (None,):
            family = FAMILY.get(rung, rung)
            reason = (known.get((rung, case)) or known.get(rung) or known.get((family, case))
                      or known.get(family))
            marks = [pytest.mark.xfail(strict=True, reason=f"{rung}: {reason}")] if reason else []
            if cases:
                params.append(pytest.param(case, rung, marks=marks, id=f"{case}-{rung}"))
            else:
                params.append(pytest.param(rung, marks=marks, id=rung))
    return pytest.mark.parametrize(("case", "rung") if cases else "rung", params, indirect=["rung"])


@pytest.fixture(scope="session")
def extra_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """Servers of the rungs after the first, started once on first use and stopped at the end."""
    started: dict[str, Server] = {}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def rung(request: pytest.FixtureRequest, extra_servers: dict[str, Server],
         tmp_path_factory: pytest.TempPathFactory) -> Server:
    kind = request.param
    if kind == RUNGS[0]:
        return request.getfixturevalue("mongo_server")
    if kind not in extra_servers:
        extra_servers[kind] = start_server(tmp_path_factory.mktemp(kind), kind=kind)
    return extra_servers[kind]


@pytest.fixture
def db(rung: Server) -> Iterator[Database]:
    client = pymongo.MongoClient(rung.url, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000,
                                 socketTimeoutMS=60000)
    name = f"conf_{next(_names)}"
    yield client[name]
    client.drop_database(name)
    client.close()


def ids(cursor) -> list:
    return [d["_id"] for d in cursor]


# ---------------------------------------------------------------- writes

@on_every_rung()
def test_insert_many_unordered_inserts_every_document_but_the_duplicate(db):
    db.c.insert_one({"_id": 3})
    with pytest.raises(BulkWriteError) as error:
        db.c.insert_many([{"_id": i} for i in range(1, 6)], ordered=False)
    details = error.value.details
    assert details["nInserted"] == 4
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(2, 11000)]
    assert sorted(ids(db.c.find())) == [1, 2, 3, 4, 5]


@on_every_rung(known={NX: "a replace by an identical document counts as modified"})
def test_bulk_replace_upsert_keyed_on_id_inserts_then_matches(db):
    docs = [{"_id": ObjectId(), "n": i} for i in range(5)]
    first = db.c.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs], ordered=False)
    assert (first.upserted_count, first.matched_count, first.modified_count) == (5, 0, 0)
    assert sorted(first.upserted_ids.values()) == sorted(d["_id"] for d in docs)

    changed = [d | {"n": d["n"] + 100} for d in docs[:3]] + [{"_id": ObjectId(), "n": 9}]
    second = db.c.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in changed], ordered=False)
    assert (second.upserted_count, second.matched_count, second.modified_count) == (1, 3, 3)
    assert sorted(d["n"] for d in db.c.find()) == [3, 4, 9, 100, 101, 102]

    again = db.c.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in changed], ordered=False)
    assert (again.upserted_count, again.matched_count, again.modified_count) == (0, 4, 0)


@on_every_rung(known={FERRETDB: "a bulk update stops at a write error even unordered, reports index 0 and no "
                                "nModified, so pymongo raises KeyError('nModified'), not BulkWriteError"})
def test_bulk_replace_reports_a_duplicate_of_a_unique_index_by_position(db):
    db.c.create_index("email", unique=True)
    db.c.insert_one({"_id": 1, "email": "a@x"})
    ops = [ReplaceOne({"_id": i}, {"_id": i, "email": e}, upsert=True)
           for i, e in [(2, "b@x"), (3, "a@x"), (4, "c@x")]]
    with pytest.raises(BulkWriteError) as error:
        db.c.bulk_write(ops, ordered=False)
    assert [(e["index"], e["code"]) for e in error.value.details["writeErrors"]] == [(1, 11000)]
    assert sorted(ids(db.c.find())) == [1, 2, 4]


@on_every_rung()
def test_replace_one_upsert_into_a_duplicate_raises_duplicate_key_11000(db):
    """The one-document fallback that names the culprit when a batch fails."""
    db.c.create_index("email", unique=True)
    db.c.insert_one({"_id": 1, "email": "a@x"})
    with pytest.raises(DuplicateKeyError) as error:
        db.c.replace_one({"_id": 2}, {"_id": 2, "email": "a@x"}, upsert=True)
    assert error.value.code == 11000
    assert db.c.replace_one({"_id": 3}, {"_id": 3, "email": "c@x"}, upsert=True).upserted_id == 3
    assert sorted(ids(db.c.find())) == [1, 3]


@on_every_rung()
def test_update_one_set_update_many_and_upsert(db):
    db.c.insert_many([{"_id": i, "k": "a" if i < 3 else "b", "v": 0} for i in range(5)])
    one = db.c.update_one({"_id": 1}, {"$set": {"v": 7, "new": "x"}})
    assert (one.matched_count, one.modified_count) == (1, 1)
    assert db.c.find_one({"_id": 1}) == {"_id": 1, "k": "a", "v": 7, "new": "x"}
    none = db.c.update_one({"_id": 99}, {"$set": {"v": 1}})
    assert (none.matched_count, none.modified_count, none.upserted_id) == (0, 0, None)
    many = db.c.update_many({"k": "b"}, {"$set": {"v": 2}})
    assert (many.matched_count, many.modified_count) == (2, 2)
    up = db.c.update_one({"_id": 42}, {"$set": {"v": 3}}, upsert=True)
    assert up.upserted_id == 42 and db.c.find_one({"_id": 42}) == {"_id": 42, "v": 3}
    bulk = db.c.bulk_write([UpdateOne({"_id": 2}, {"$set": {"v": 5}}),
                            UpdateOne({"_id": 3}, {"$set": {"v": 2}})])
    assert (bulk.matched_count, bulk.modified_count) == (2, 1)


@on_every_rung(known={FERRETDB: "a $set that breaks a unique index fails with code 1 (InternalError), "
                                "not DuplicateKeyError 11000"})
def test_update_one_set_into_a_duplicate_raises_duplicate_key_11000(db):
    db.c.create_index("email", unique=True)
    db.c.insert_many([{"_id": 1, "email": "a@x"}, {"_id": 2, "email": "b@x"}])
    with pytest.raises(DuplicateKeyError) as error:
        db.c.update_one({"_id": 2}, {"$set": {"email": "a@x"}})
    assert error.value.code == 11000


@on_every_rung(known={NX: "delete_many with an ObjectId equality filter deletes nothing"})
def test_delete_many_removes_only_the_matching_documents(db):
    oid = ObjectId()
    db.c.insert_many([{"_id": i, "owner": oid if i % 2 else ObjectId()} for i in range(6)])
    assert db.c.delete_many({"owner": oid}).deleted_count == 3
    assert sorted(ids(db.c.find())) == [0, 2, 4]
    assert db.c.delete_one({"_id": 2}).deleted_count == 1
    assert db.c.delete_many({}).deleted_count == 2
    assert db.c.find_one() is None


# ---------------------------------------------------------------- indexes

NX_INDEX_NAMES = "index names given by the client are replaced by its own (idx_<collection>_<field>)"


@on_every_rung(known={NX: NX_INDEX_NAMES})
def test_create_index_unique_compound_and_named_are_listed_with_their_keys(db):
    db.c.insert_one({"_id": 1})
    assert db.c.create_index("username", unique=True, name="User_username_key") == "User_username_key"
    compound = "ConversationMember_conversationId_userId_key"
    assert db.c.create_index([("conversationId", ASCENDING), ("userId", ASCENDING)], unique=True,
                             name=compound) == compound
    assert db.c.create_index([("createdAt", DESCENDING)]) == "createdAt_-1"
    listed = {i["name"]: (list(i["key"].items()), bool(i.get("unique"))) for i in db.c.list_indexes()}
    assert listed == {
        "_id_": ([("_id", 1)], False),
        "User_username_key": ([("username", 1)], True),
        compound: ([("conversationId", 1), ("userId", 1)], True),
        "createdAt_-1": ([("createdAt", -1)], False),
    }
    info = db.c.index_information()
    assert (info[compound]["key"], info[compound]["unique"]) == ([("conversationId", 1), ("userId", 1)], True)


@on_every_rung(known={NX: NX_INDEX_NAMES})
def test_drop_index_by_name_removes_it(db):
    db.c.create_index("a", name="a_idx")
    db.c.create_index("b", name="b_idx")
    db.c.drop_index("a_idx")
    assert sorted(db.c.index_information()) == ["_id_", "b_idx"]


@on_every_rung()
def test_insert_against_a_unique_index_raises_duplicate_key_11000(db):
    db.c.create_index([("messageId", 1), ("userId", 1), ("emoji", 1)], unique=True)
    mid, uid = ObjectId(), ObjectId()
    db.c.insert_one({"messageId": mid, "userId": uid, "emoji": "👍"})
    db.c.insert_one({"messageId": mid, "userId": uid, "emoji": "❤️"})
    with pytest.raises(DuplicateKeyError) as error:
        db.c.insert_one({"messageId": mid, "userId": uid, "emoji": "👍"})
    assert error.value.code == 11000
    with pytest.raises(DuplicateKeyError):
        db.c.insert_one({"_id": db.c.find_one()["_id"], "messageId": ObjectId()})
    assert db.c.count_documents({}) == 2


@on_every_rung(known={NX: "explicit nulls never collide in a unique index"})
def test_explicit_nulls_collide_in_a_unique_index(db):
    db.c.create_index([("messageId", 1), ("anonymousId", 1), ("emoji", 1)], unique=True)
    mid = ObjectId()
    db.c.insert_one({"messageId": mid, "anonymousId": None, "emoji": "👍"})
    with pytest.raises(DuplicateKeyError):
        db.c.insert_one({"messageId": mid, "anonymousId": None, "emoji": "👍"})


NO_MISSING_AS_NULL = "a missing field is not indexed as null: documents lacking it never collide"


@on_every_rung(known={FERRETDB: NO_MISSING_AS_NULL, NX: NO_MISSING_AS_NULL})
def test_a_missing_field_is_null_for_a_unique_index(db):
    """Why Reaction's nullable compound uniques collide on MongoDB (migration-spec W17)."""
    db.c.create_index([("messageId", 1), ("anonymousId", 1), ("emoji", 1)], unique=True)
    mid = ObjectId()
    db.c.insert_one({"messageId": mid, "userId": ObjectId(), "emoji": "👍"})
    with pytest.raises(DuplicateKeyError):
        db.c.insert_one({"messageId": mid, "userId": ObjectId(), "emoji": "👍"})


@on_every_rung(known={FERRETDB: "partialFilterExpression is not implemented (code 238)"})
def test_a_partial_unique_index_binds_only_documents_with_the_part(db):
    """What the migration builds for a unique key with an optional part (engine._partial_filter);
    where the server refuses it with code 238 the engine falls back to a plain unique index."""
    db.c.create_index([("messageId", 1), ("anonymousId", 1), ("emoji", 1)], unique=True, name="k",
                      partialFilterExpression={"anonymousId": {"$type": "objectId"}})
    mid, guest = ObjectId(), ObjectId()
    db.c.insert_many([{"messageId": mid, "userId": ObjectId(), "emoji": "👍"},
                      {"messageId": mid, "userId": ObjectId(), "emoji": "👍"},
                      {"messageId": mid, "anonymousId": guest, "emoji": "👍"}])
    with pytest.raises(DuplicateKeyError):
        db.c.insert_one({"messageId": mid, "anonymousId": guest, "emoji": "👍"})


@on_every_rung()
def test_create_unique_index_over_duplicates_fails_and_creates_nothing(db):
    db.c.insert_many([{"_id": 1, "email": "a@x"}, {"_id": 2, "email": "a@x"}, {"_id": 3, "email": "b@x"}])
    with pytest.raises(OperationFailure):
        db.c.create_index("email", unique=True, name="User_email_key")
    assert sorted(db.c.index_information()) == ["_id_"]


@on_every_rung(known={FERRETDB: "fails with code 1 (InternalError: SQLite UNIQUE constraint failed)",
                      NX: "fails with no error code"})
def test_create_unique_index_over_duplicates_reports_code_11000(db):
    db.c.insert_many([{"_id": 1, "email": "a@x"}, {"_id": 2, "email": "a@x"}])
    with pytest.raises(OperationFailure) as error:
        db.c.create_index("email", unique=True)
    assert error.value.code == 11000


# ---------------------------------------------------------------- reads

OIDS = [ObjectId() for _ in range(3)]
T0 = datetime.datetime(2026, 1, 25, 21, 34, 16)


def seed_reads(db: Database) -> None:
    db.c.insert_many([
        {"_id": 0, "owner": OIDS[0], "at": T0 - datetime.timedelta(days=2), "tag": "alpha", "n": 5},
        {"_id": 1, "owner": OIDS[0], "at": T0 - datetime.timedelta(seconds=1), "tag": "Beta", "n": 3},
        {"_id": 2, "owner": OIDS[1], "at": T0 + datetime.timedelta(milliseconds=1), "n": 8},
        {"_id": 3, "owner": OIDS[2], "at": T0 + datetime.timedelta(days=1), "tag": None, "n": 1},
        {"_id": 4, "owner": None, "at": T0, "tag": "gamma", "n": 8},
    ])


FILTERS: dict[str, tuple[dict, list[int]]] = {
    "objectid": ({"owner": OIDS[0]}, [0, 1]),
    "in-objectids": ({"owner": {"$in": [OIDS[1], OIDS[2]]}}, [2, 3]),
    "date-gt": ({"at": {"$gt": T0}}, [2, 3]),
    "date-lt": ({"at": {"$lt": T0}}, [0, 1]),
    "exists": ({"tag": {"$exists": True}}, [0, 1, 3, 4]),
    "not-exists": ({"tag": {"$exists": False}}, [2]),
    "null": ({"tag": None}, [2, 3]),
    "or": ({"$or": [{"owner": OIDS[2]}, {"n": {"$gt": 6}}]}, [2, 3, 4]),
    "ne-objectid": ({"owner": {"$ne": OIDS[0]}}, [2, 3, 4]),
    "regex-i": ({"tag": {"$regex": "^b", "$options": "i"}}, [1]),
    "objectid-and-date": ({"owner": OIDS[0], "at": {"$gt": T0 - datetime.timedelta(days=1)}}, [1]),
}
NX_OID_EQ = "an equality filter on an ObjectId field other than _id matches nothing ($in works)"
NX_EXISTS = "$exists treats a field set to null as missing"
NX_FIND = {(NX, "objectid"): NX_OID_EQ, (NX, "objectid-and-date"): NX_OID_EQ,
           (NX, "ne-objectid"): "$ne with an ObjectId matches every document",
           (NX, "date-gt"): "date comparisons ignore milliseconds",
           (NX, "exists"): NX_EXISTS, (NX, "not-exists"): NX_EXISTS}
NX_COUNT_OID = "count_documents with an ObjectId in the filter miscounts (0 for equality and $in)"
NX_COUNT = {(NX, case): NX_COUNT_OID
            for case in ("objectid", "in-objectids", "ne-objectid", "objectid-and-date", "or")}
NX_COUNT[(NX, "null")] = "count_documents of {field: null} misses the documents lacking the field"


@on_every_rung(*FILTERS, known=NX_FIND)
def test_find_filters(db, case):
    seed_reads(db)
    query, expected = FILTERS[case]
    assert sorted(ids(db.c.find(query))) == expected


@on_every_rung(*FILTERS, known=NX_COUNT)
def test_count_documents_filters(db, case):
    seed_reads(db)
    query, expected = FILTERS[case]
    assert db.c.count_documents(query) == len(expected)


@on_every_rung(known={NX: NX_OID_EQ})
def test_sort_skip_limit_and_multi_key_sort(db):
    seed_reads(db)
    assert ids(db.c.find().sort("at", DESCENDING).limit(2)) == [3, 2]
    assert ids(db.c.find().sort([("n", DESCENDING), ("_id", DESCENDING)])) == [4, 2, 0, 1, 3]
    assert ids(db.c.find().sort("_id", ASCENDING).skip(1).limit(2)) == [1, 2]
    assert ids(db.c.find({"owner": OIDS[0]}).sort("at", ASCENDING)) == [0, 1]


@on_every_rung()
def test_projection_includes_or_excludes_fields(db):
    seed_reads(db)
    assert db.c.find_one({"_id": 0}, {"tag": 1}) == {"_id": 0, "tag": "alpha"}
    assert db.c.find_one({"_id": 0}, {"tag": 1, "_id": 0}) == {"tag": "alpha"}
    assert sorted(db.c.find_one({"_id": 0}, {"at": 0, "owner": 0})) == ["_id", "n", "tag"]


@on_every_rung(known={NX: "distinct ignores a filter of $in ObjectIds"})
def test_distinct_with_and_without_a_filter(db):
    seed_reads(db)
    assert sorted(db.c.distinct("n")) == [1, 3, 5, 8]
    assert sorted(db.c.distinct("n", {"owner": {"$in": OIDS[:2]}})) == [3, 5, 8]
    assert sorted(db.c.distinct("_id", {"tag": {"$exists": True}, "n": {"$lt": 6}})) == [0, 1, 3]


@on_every_rung(known={NX: "aggregate $match with an ObjectId returns no document"})
def test_aggregate_match_objectid_group_sort(db):
    seed_reads(db)
    pipeline = [{"$match": {"owner": {"$in": OIDS}}},
                {"$group": {"_id": "$owner", "total": {"$sum": "$n"}}},
                {"$sort": {"total": -1, "_id": 1}}]
    expected = sorted([{"_id": OIDS[0], "total": 8}, {"_id": OIDS[1], "total": 8}], key=lambda d: d["_id"])
    assert list(db.c.aggregate(pipeline)) == [*expected, {"_id": OIDS[2], "total": 1}]
    counted = [{"$match": {"owner": OIDS[0]}}, {"$group": {"_id": None, "count": {"$sum": 1}}}]
    assert list(db.c.aggregate(counted)) == [{"_id": None, "count": 2}]


@on_every_rung(known={FERRETDB: "in a $group with two accumulators, the second one is always 0"})
def test_aggregate_group_with_two_accumulators(db):
    db.c.insert_many([{"k": "a", "n": 5}, {"k": "a", "n": 3}, {"k": "b", "n": 8}])
    pipeline = [{"$group": {"_id": "$k", "total": {"$sum": "$n"}, "count": {"$sum": 1}}},
                {"$sort": {"_id": 1}}]
    assert list(db.c.aggregate(pipeline)) == [{"_id": "a", "total": 8, "count": 2},
                                              {"_id": "b", "total": 8, "count": 1}]


@on_every_rung(known={NX: "$group on a compound _id puts every document in one group"})
def test_aggregate_finds_duplicates_of_a_compound_key(db):
    """How a verifier finds what would break a unique index before building it."""
    a, b = ObjectId(), ObjectId()
    db.c.insert_many([{"conversationId": a, "userId": b}, {"conversationId": a, "userId": b},
                      {"conversationId": a, "userId": ObjectId()}, {"conversationId": b, "userId": b}])
    pipeline = [{"$group": {"_id": {"conversationId": "$conversationId", "userId": "$userId"},
                            "count": {"$sum": 1}}},
                {"$match": {"count": {"$gt": 1}}}]
    assert list(db.c.aggregate(pipeline)) == [{"_id": {"conversationId": a, "userId": b}, "count": 2}]


@on_every_rung(known={NX: "sorting on integer _id values is lexicographic (0, 1, 10, 100, …)"})
def test_find_with_batch_size_returns_every_one_of_12000_documents_once(db):
    total = 12_000
    db.c.insert_many([{"_id": i, "pad": "x" * 20} for i in range(total)], ordered=False)
    assert ids(db.c.find({}, {"_id": 1}).sort("_id", 1).batch_size(1000)) == list(range(total))
    assert len(ids(db.c.find({"_id": {"$gte": 10_500}}).batch_size(101))) == 1_500
    assert db.c.count_documents({}) == total
    assert db.c.estimated_document_count() == total


# ---------------------------------------------------------------- collections and databases

@on_every_rung()
def test_list_collection_names_and_drop_a_collection(db):
    db.User.insert_one({"_id": 1})
    db.Message.insert_one({"_id": 1})
    db.create_collection("Empty")
    assert sorted(db.list_collection_names()) == ["Empty", "Message", "User"]
    db.drop_collection("Message")
    db.Empty.drop()
    assert db.list_collection_names() == ["User"]
    assert db.Message.count_documents({}) == 0


@on_every_rung()
def test_drop_database_removes_it_and_its_collections(db):
    db.c.insert_one({"_id": 1})
    assert db.name in db.client.list_database_names()
    db.client.drop_database(db.name)
    assert db.name not in db.client.list_database_names()
    assert db.list_collection_names() == []


NX_RENAME = "renameCollection answers ok and does nothing"


@on_every_rung(known={NX: NX_RENAME})
def test_rename_collection_moves_documents_and_indexes(db):
    db.Old.insert_many([{"_id": i} for i in range(3)])
    db.Old.create_index("k", name="k_idx")
    db.Old.rename("New")
    assert db.list_collection_names() == ["New"]
    assert sorted(ids(db.New.find())) == [0, 1, 2]
    assert "k_idx" in db.New.index_information()


@on_every_rung(known={NX: NX_RENAME})
def test_rename_onto_an_existing_collection_is_refused(db):
    db.A.insert_one({"_id": "a"})
    db.B.insert_one({"_id": "b"})
    with pytest.raises(OperationFailure):
        db.A.rename("B")
    assert sorted(db.list_collection_names()) == ["A", "B"]


@on_every_rung(known={FERRETDB: "renameCollection with dropTarget is not implemented (code 238)",
                      NX: NX_RENAME})
def test_rename_with_drop_target_replaces_the_existing_collection(db):
    db.A.insert_one({"_id": "a"})
    db.B.insert_one({"_id": "b"})
    db.A.rename("B", dropTarget=True)
    assert db.list_collection_names() == ["B"]
    assert ids(db.B.find()) == ["a"]


@on_every_rung()
def test_estimated_document_count(db):
    db.c.insert_many([{"n": i} for i in range(37)])
    assert db.c.estimated_document_count() == 37
    assert db.missing.estimated_document_count() == 0


# ---------------------------------------------------------------- values

@on_every_rung()
def test_datetimes_round_trip_with_millisecond_precision(db):
    values = [datetime.datetime(2026, 1, 25, 21, 34, 16, 123456), datetime.datetime(1969, 12, 31, 23, 59, 59),
              datetime.datetime(2100, 2, 28, 0, 0, 0, 999000), datetime.datetime(2026, 1, 1, 0, 0, 0, 1000)]
    db.c.insert_many([{"_id": i, "at": v} for i, v in enumerate(values)])
    back = [d["at"] for d in db.c.find().sort("_id", 1)]
    assert back == [v.replace(microsecond=v.microsecond // 1000 * 1000) for v in values]
    assert ids(db.c.find({"at": datetime.datetime(2026, 1, 25, 21, 34, 16, 123000)})) == [0]


@on_every_rung(known={NX: "the connection breaks on a date after 9999 (ProtocolError)"})
def test_a_date_after_the_year_9999_is_stored_and_read_back_as_milliseconds(db):
    far = DatetimeMS(1_737_840_856_000_000)  # a timestamp in microseconds stored as milliseconds
    db.c.insert_one({"_id": 1, "at": far})
    assert db.with_options(codec_options=CodecOptions(datetime_conversion=DatetimeConversion.DATETIME_AUTO)).c \
        .find_one({"_id": 1})["at"] == far


@on_every_rung()
def test_bson_values_round_trip_with_their_types(db):
    doc = {"_id": ObjectId(), "s": "text", "i": 7, "big": Int64(2**40), "f": 1.5, "t": True, "none": None,
           "oids": [ObjectId(), ObjectId()], "nested": {"a": {"b": [1, "two", {"c": None}]}}, "empty": {},
           "list": []}
    db.c.insert_one(doc)
    back = db.c.find_one({"_id": doc["_id"]})
    assert back == doc
    assert isinstance(back["big"], Int64) and isinstance(back["t"], bool)


@on_every_rung()
def test_large_documents_of_100_kb_round_trip(db):
    big = {"_id": 1, "content": "é" * 25_000,  # 50 KB of UTF-8, plus 50 KB of attachments
           "attachments": [{"n": i, "blob": "z" * 1000} for i in range(50)]}
    db.c.insert_one(big)
    assert db.c.find_one({"_id": 1}) == big


@on_every_rung()
def test_unicode_emoji_and_rtl_text_round_trip_and_match(db):
    texts = ["Bonjour 👋🏽 ça va ?", "مرحبا بالعالم", "שלום עולם", "混合 テキスト 😀", "👨‍👩‍👧‍👦", "e\u0301"]
    db.c.insert_many([{"_id": i, "t": t} for i, t in enumerate(texts)])
    assert [d["t"] for d in db.c.find().sort("_id", 1)] == texts
    for i, t in enumerate(texts):
        assert ids(db.c.find({"t": t})) == [i]
    assert sorted(ids(db.c.find({"t": {"$in": [texts[4], texts[2]]}}))) == [2, 4]


# ---------------------------------------------------------------- what the migration engine adds

@on_every_rung()
def test_coll_stats_counts_the_documents(db):
    """ops.db.collection_count: collStats instead of a slow count_documents."""
    db.c.insert_many([{"n": i} for i in range(1234)])
    db.c.delete_many({"n": {"$lt": 34}})
    assert db.command("collStats", "c")["count"] == 1200


@on_every_rung()
def test_raw_bson_documents_are_copied_byte_for_byte(db):
    """The engine copies unplanned collections as RawBSONDocument, and hashes their bytes."""
    from bson.codec_options import CodecOptions
    from bson.raw_bson import RawBSONDocument

    raw = CodecOptions(document_class=RawBSONDocument)
    source = [{"_id": ObjectId(), "z": 1, "a": {"y": [1, "x"], "b": None}, "t": datetime.datetime(2026, 1, 25)}]
    db.src.insert_many(source)
    docs = list(db.src.with_options(codec_options=raw).find())
    db.dst.with_options(codec_options=raw).insert_many(docs)
    copied = list(db.dst.with_options(codec_options=raw).find())
    assert [d.raw for d in copied] == [d.raw for d in docs]


@on_every_rung()
def test_build_info_names_the_server(db):
    info = db.client.admin.command("buildInfo")
    assert info.get("version")


@on_every_rung()
def test_find_one_by_id_finds_present_and_absent_documents(db):
    """delta looks documents up one _id at a time (FerretDB answers a hit from its index)."""
    docs = [{"_id": ObjectId(), "n": i} for i in range(500)]
    db.c.insert_many(docs)
    assert db.c.find_one({"_id": docs[250]["_id"]})["n"] == 250
    assert db.c.find_one({"_id": ObjectId()}) is None
