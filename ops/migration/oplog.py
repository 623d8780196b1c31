"""Which documents of a database changed since a time, read from its server's oplog.

Production's MongoDB is a replica set member (`mongod --replSet rs0`: Prisma needs one), so its
``local.oplog.rs`` holds every insert, update and delete, newest last. Read newest first and stopped
at the first entry older than the time, it costs what changed since, where filtering each collection
by createdAt/updatedAt reads all its documents. It answers only when it reaches back past the time
(the oplog is capped: its oldest entries leave) and names every change in it; otherwise, or when the
server keeps no oplog, the caller scans.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from bson import Timestamp
from pymongo.database import Database
from pymongo.errors import OperationFailure

OPLOG_DATABASE, OPLOG_COLLECTION = "local", "oplog.rs"
BATCH = 1000
# Commands on the database that change no document. Any other (drop, renameCollection, ...) is a
# change the oplog does not name document by document: the caller scans instead.
DOCUMENTLESS_COMMANDS = {"create", "createIndexes", "dropIndexes", "collMod", "startIndexBuild",
                         "commitIndexBuild", "abortIndexBuild"}


@dataclass
class Changes:
    """Per collection, the ids written (inserted, updated, replaced) and deleted since a time."""

    written: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    deleted: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    entries: int = 0  # the oplog entries read


def changes_since(db: Database, since: datetime) -> Changes | None:
    """The changes to ``db`` since ``since`` (UTC, naive) from its server's oplog, or None when the oplog
    cannot name them all: none, not readable, not reaching back to ``since``, or a command in the window."""
    start = Timestamp(calendar.timegm(since.utctimetuple()), 0)  # the whole second of ``since``
    changes = Changes()
    oplog = db.client[OPLOG_DATABASE][OPLOG_COLLECTION]
    # The server leaves out other databases' writes (a copy beside it can be large), but not the
    # commands (a transaction names its databases inside) nor the first entry older than ``since``.
    ours = {"$or": [{"ns": {"$regex": f"^{re.escape(db.name)}\\."}}, {"op": "c"}, {"ts": {"$lt": start}}]}
    try:
        with oplog.find(ours, batch_size=BATCH).sort("$natural", -1) as newest_first:
            for entry in newest_first:
                if entry["ts"] < start:
                    return changes
                if not _record(entry, db.name, changes):
                    return None
                changes.entries += 1
    except OperationFailure:  # not readable by this user, or not a capped collection
        return None
    return None  # every entry is newer than ``since``: older writes may have left the oplog


def _record(entry: dict, db_name: str, changes: Changes) -> bool:
    """Adds an entry's change to ``changes``; False when it is one the oplog does not detail."""
    op, ns, body = entry.get("op"), entry.get("ns", ""), entry.get("o") or {}
    if op == "c":
        if "applyOps" in body:  # a transaction: its writes, whatever database the entry names
            return all(_record(inner, db_name, changes) for inner in body["applyOps"])
        return ns != f"{db_name}.$cmd" or next(iter(body), None) in DOCUMENTLESS_COMMANDS
    database, _, collection = ns.partition(".")
    if database != db_name or op not in ("i", "u", "d"):  # another database, or a no-op
        return True
    _id = (entry.get("o2") or {}).get("_id") if op == "u" else body.get("_id")
    if _id is None:
        return False
    (changes.deleted if op == "d" else changes.written)[collection].add(_id)
    return True
