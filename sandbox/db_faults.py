"""Faults that live in the database, not in a process: a collection hidden, an index dropped.

They are applied before the gateway starts and undone by `sandbox down`, so the data set is
left as it was found. What was done is recorded in the stack's state so that undo needs nothing else.
"""

from __future__ import annotations

from typing import Any

import pymongo

from sandbox.faults import DEFAULT_HIDDEN_COLLECTION, DEFAULT_MISSING_INDEX, Faults

HIDDEN_PREFIX = "_sandbox_hidden_"


def apply(db_url: str, faults: Faults) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if "collection_missing" not in faults and "index_missing" not in faults:
        return record
    with pymongo.MongoClient(db_url, serverSelectionTimeoutMS=5000) as client:
        db = client.get_default_database()
        names = set(db.list_collection_names())
        if "collection_missing" in faults:
            collection = faults.arg("collection_missing", DEFAULT_HIDDEN_COLLECTION)
            if collection in names:
                db[collection].rename(HIDDEN_PREFIX + collection)
                record["hidden_collection"] = collection
        if "index_missing" in faults:
            collection, _, index = faults.arg("index_missing", DEFAULT_MISSING_INDEX).partition(".")
            info = db[collection].index_information() if collection in names else {}
            if index in info:
                db[collection].drop_index(index)
                record["dropped_index"] = {
                    "collection": collection,
                    "name": index,
                    "key": info[index]["key"],
                    "unique": bool(info[index].get("unique")),
                }
    return record


def revert(db_url: str, record: dict[str, Any]) -> list[str]:
    """Undo what :func:`apply` did; returns what could not be undone (empty when all is back)."""
    problems = []
    if not record:
        return problems
    with pymongo.MongoClient(db_url, serverSelectionTimeoutMS=5000) as client:
        db = client.get_default_database()
        if collection := record.get("hidden_collection"):
            try:
                db[HIDDEN_PREFIX + collection].rename(collection)
            except pymongo.errors.PyMongoError as exc:
                problems.append(
                    f"collection {collection} is still hidden as {HIDDEN_PREFIX}{collection}: {exc}"
                )
        if index := record.get("dropped_index"):
            try:
                db[index["collection"]].create_index(
                    [tuple(k) for k in index["key"]], name=index["name"], unique=index["unique"]
                )
            except pymongo.errors.PyMongoError as exc:
                problems.append(f"index {index['name']} could not be re-created: {exc}")
    return problems
