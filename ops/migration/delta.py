"""`delta`: carry over what the source received after T0 (inserts, updates, deletes).

After it, the target equals a full migration of the current source (tests compare content hashes).
- changed documents are those the source server's oplog names since `since` (ops/migration/oplog.py);
  without an oplog that reaches back that far, those with an ObjectId time, createdAt or updatedAt
  after `since`;
- deletes are looked for only in collections whose counts do not add up: among the ids the oplog
  says were deleted, else (or if the counts still do not add up) by comparing `_id` sets. A target
  written to since it was migrated (staging's tests and testers write into the copy the switch takes)
  holds documents no source change names, so every collection is counted, unless the caller vouches
  that only the deltas wrote to the target (``target_untouched``: the switch's pass while frozen,
  after its catch-up); then a collection the oplog names no delete for is not counted;
- documents whose derived values depend on a change (a message's reaction counts, a conversation's
  member count), the children of a document that disappeared or became a reject, and every
  quarantined document (a parent may have arrived since) are decided again.
Writing is proportional to the changes, and so is finding them through the oplog. Without it,
finding them is one filtered read per collection: on FerretDB every filter but `_id` equality is a
scan, so that part grows with the database (the scans run side by side). When updatedAt cannot be
trusted, `mode="fingerprints"` decides every document again and writes only those whose content
differs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bson import ObjectId
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from ops.config import redact_url
from ops.db import collection_count, describe_server
from ops.errors import OpsError
from ops.migration.connect import check_migrated_from, source_database, target_database
from ops.migration.engine import reject_record
from ops.migration.fingerprint import fingerprint
from ops.migration.lock import target_lock
from ops.migration.oplog import Changes, changes_since
from ops.migration.pipeline import CollectionStats, Pipeline, Registry, derive, unique_key
from ops.migration.plan import DROP, META_COLLECTION, REJECTS_COLLECTION, Overrides, Plan, build_plan
from ops.migration.report import check_report_path, write_report
from ops.migration.results import DeltaReport
from ops.migration.schema import DEFAULT_SCHEMA_PATH, Model, Schema, load_schema
from ops.migration.writer import WriteStats

CHUNK = 1000
BY_ID_LIMIT = 500  # up to this many ids, one indexed lookup each beats one scan of the collection
SCAN_THREADS = 4
DUPLICATE_KEY = 11000
JOURNAL = "delta_journal"
DEPENDENT_PARENTS = {"Reaction": ("Message", "messageId"), "ConversationMember": ("Conversation", "conversationId")}


class Journal:
    """What a delta removes from the target, written before it is removed: the ids that leave a target
    collection (their children must be decided again) and the parents whose children were deleted
    (their derived values must be computed again). A delta killed after a removal finds neither by
    comparing source and target any more; the next run starts from the journal, and a run that ends
    clears it. Kept in the run's metadata document."""

    def __init__(self, meta_collection: Collection, meta: dict) -> None:
        self.meta = meta_collection
        recorded = meta.get(JOURNAL) or {}
        self.gone_before = _sets(recorded.get("gone", {}))
        self.refresh_before = _sets(recorded.get("refresh", {}))

    def gone(self, collection: str, ids) -> None:
        self._add("gone", collection, ids)

    def refresh(self, collection: str, ids) -> None:
        self._add("refresh", collection, ids)

    def _add(self, kind: str, collection: str, ids) -> None:
        if ids:
            self.meta.update_one({"_id": "run"}, {"$addToSet": {f"{JOURNAL}.{kind}.{collection}":
                                                                {"$each": sorted(ids, key=str)}}})


def _sets(recorded: dict[str, list]) -> dict[str, set]:
    return defaultdict(set, {collection: set(ids) for collection, ids in recorded.items()})


class TargetIds:
    """Ids accepted in a target collection: what the target holds, adjusted by this delta."""

    def __init__(self, target: Database, collection: str) -> None:
        self.coll = target[collection]
        self.added: set = set()
        self.removed: set = set()
        self.cache: dict = {}

    def __contains__(self, _id: object) -> bool:
        if _id in self.added:
            return True
        if _id in self.removed or _id is None:
            return False
        if _id not in self.cache:
            self.cache[_id] = self.coll.find_one({"_id": _id}, {"_id": 1}) is not None
        return self.cache[_id]

    def add(self, _id: object) -> None:
        self.added.add(_id)
        self.removed.discard(_id)

    def discard(self, _id: object) -> None:
        self.removed.add(_id)
        self.added.discard(_id)


class _TargetIdsByCollection(dict):
    def __init__(self, target: Database) -> None:
        super().__init__()
        self.target = target

    def __missing__(self, collection: str) -> TargetIds:
        self[collection] = TargetIds(self.target, collection)
        return self[collection]


def target_registry(target: Database, plan: Plan) -> Registry:
    """Accepted ids come from the target (by target collection). Unique keys are checked by the
    pipeline only among the documents of this delta: a lookup by any field but _id is a scan on
    FerretDB, so a collision with what the target already holds is caught by the target's unique
    index when writing."""
    registry = Registry()
    registry.ids = _TargetIdsByCollection(target)
    return registry


def _chunks(ids: list) -> list[list]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _fetch(db: Database, collection: str, ids: set, projection: dict | None = None) -> dict:
    """Documents by id. FerretDB answers `_id` equality from its index but scans for `$in`, so a
    few ids are fetched one by one (work proportional to the delta), many in one scan."""
    docs: dict = {}
    if len(ids) <= BY_ID_LIMIT:
        for _id in ids:
            doc = db[collection].find_one({"_id": _id}, projection)
            if doc is not None:
                docs[_id] = doc
        return docs
    for part in _chunks(sorted(ids, key=str)):
        docs.update({d["_id"]: d for d in db[collection].find({"_id": {"$in": part}}, projection)})
    return docs


def _delete(collection: Collection, ids: list) -> None:
    """Documents removed by id: one by one when few (FerretDB finds `_id` equality from its index but
    scans for `$in`), else by `$in` in chunks."""
    if len(ids) <= BY_ID_LIMIT:
        for _id in ids:
            collection.delete_one({"_id": _id})
        return
    for part in _chunks(ids):
        collection.delete_many({"_id": {"$in": part}})


def _changed_ids(source: Database, collection: str, since: datetime) -> set:
    query = {"$or": [{"_id": {"$gte": ObjectId.from_datetime(since)}}, {"createdAt": {"$gte": since}},
                     {"updatedAt": {"$gte": since}}]}
    return {d["_id"] for d in source[collection].find(query, {"_id": 1})}


def _extra_ids(source: Database, target: Database, collection: str, destination: str, quarantined: set,
               deleted: set | None, target_untouched: bool) -> set:
    """Ids the target (or its quarantine) holds that the source no longer has. ``deleted``: the ids the
    oplog says were deleted (None without it). Looked for only when the counts say something was
    deleted: among ``deleted`` when they are few, else by comparing the id sets. In a target only the
    deltas wrote to, a collection the oplog names no delete for has nothing to count (the switch
    counts every collection after the delta anyway)."""
    if target_untouched and deleted is not None and not deleted:
        return set()
    in_source_count, in_target_count = collection_count(source, collection), collection_count(target, destination)
    if in_source_count == in_target_count + len(quarantined):
        return set()
    if deleted and len(deleted) <= BY_ID_LIMIT:
        gone = {i for i in deleted if source[collection].find_one({"_id": i}, {"_id": 1}) is None}
        from_target = {i for i in gone if target[destination].find_one({"_id": i}, {"_id": 1}) is not None}
        from_quarantine = gone & quarantined
        if in_source_count == in_target_count - len(from_target) + len(quarantined - from_quarantine):
            return from_target | from_quarantine
    in_source = {d["_id"] for d in source[collection].find({}, {"_id": 1})}
    in_target = {d["_id"] for d in target[destination].find({}, {"_id": 1})}
    return (in_target | quarantined) - in_source


def _upsert(collection: Collection, docs: list[dict], stats: WriteStats) -> list[dict]:
    """Insert; where the _id exists, replace if the content differs. A lookup by an absent _id costs
    FerretDB a scan, so existence is learnt from the insert's duplicate-key errors instead.
    Returns the documents refused because another unique key is taken."""
    refused: list[dict] = []
    if not docs:
        return refused
    try:
        collection.insert_many(docs, ordered=False)
        stats.inserted += len(docs)
        return refused
    except BulkWriteError as exc:
        duplicates = [docs[e["index"]] for e in exc.details["writeErrors"] if e.get("code") == DUPLICATE_KEY]
        if len(duplicates) != len(exc.details["writeErrors"]):
            raise
    stats.inserted += len(docs) - len(duplicates)
    for doc in duplicates:
        existing = collection.find_one({"_id": doc["_id"]})
        if existing is None:
            refused.append(doc)
        elif fingerprint(existing) == fingerprint(doc):
            stats.unchanged += 1
        else:
            try:
                collection.replace_one({"_id": doc["_id"]}, doc)
                stats.replaced += 1
            except (DuplicateKeyError, OperationFailure):  # FerretDB may answer code 1 here
                refused.append(doc)
    return refused


def _collision(target: Database, model: Model | None, doc: dict) -> str:
    """The reason the pipeline gives for a taken unique key (the lookup is a scan: refusals only)."""
    for index in model.unique_keys() if model else ():
        key = unique_key(index.fields, doc)
        holder = target[model.collection].find_one(dict(zip(index.fields, key, strict=True)), {"_id": 1}) \
            if key is not None else None
        if holder is not None and holder["_id"] != doc["_id"]:
            return f"unique-key collision on {index.name} with {model.collection} {holder['_id']}"
    return "unique-key collision in the target"


def apply_delta(source_url: str, target_url: str, since: datetime | None = None, *, mode: str = "timestamps",
                schema_path: Path | None = None, report_path: Path | None = None,
                target_untouched: bool = False) -> DeltaReport:
    started_at = datetime.now(UTC).replace(tzinfo=None)
    started = time.monotonic()
    if mode not in ("timestamps", "fingerprints"):
        raise OpsError(f"unknown delta mode {mode!r}; use timestamps or fingerprints")
    if report_path:
        check_report_path(Path(report_path))
    schema = load_schema(schema_path or DEFAULT_SCHEMA_PATH)
    with source_database(source_url) as source, target_database(target_url) as target:
        meta = _completed_run(target)
        since = since or meta.get("t0")
        if since is None:
            raise OpsError("no T0 is recorded in the target: give --since")
        plan = _recorded_plan(source, schema, meta)
        check_migrated_from(source, target, meta)
        with target_lock(target, "delta"):
            delta = Delta(source, target, schema, plan, meta, target_untouched)
            rows = delta.apply(since, full=mode == "fingerprints")
            target[META_COLLECTION].update_one({"_id": "run"}, {"$set": {"last_delta_at": started_at},
                                                                 "$unset": {JOURNAL: ""}})
        server = describe_server(target)
    report = DeltaReport(
        server=server, mode=mode, since=since.isoformat(), source=redact_url(source_url),
        target=redact_url(target_url), started_at=started_at.isoformat(timespec="seconds"),
        examined_collections=sorted(rows), collections=rows, found_by=delta.found_by,
        totals={k: sum(r[k] for r in rows.values()) for k in ("inserted", "updated", "deleted", "rejected")},
        seconds=round(time.monotonic() - started, 3))
    if report_path:
        write_report(report.to_json(), Path(report_path))
    return report


def _completed_run(target: Database) -> dict:
    meta = target[META_COLLECTION].find_one({"_id": "run"})
    if not meta or meta.get("status") != "done":
        raise OpsError(f"target {target.name!r} holds no completed migration: run `migrate` first")
    return meta


def _recorded_plan(source: Database, schema: Schema, meta: dict) -> Plan:
    """The plan the migration recorded, refused if this schema reads a collection from elsewhere."""
    plan = build_plan(source.list_collection_names(), schema, Overrides(meta.get("plan", {}), meta.get("renames", {})))
    recorded = meta.get("targets")
    moved = {n: t for n, t in plan.targets.items() if recorded is not None and n in recorded and recorded[n] != t}
    if moved:
        name, where = next(iter(moved.items()))
        raise OpsError(f"the migration wrote {name!r} to {recorded[name]!r}, this schema reads it from {where!r}: "
                       "give the schema the migration used")
    return plan


class Delta:
    """One delta: find the candidates, decide and write them collection by collection (parents first),
    remove what the source lost, then decide again the parents whose children were deleted."""

    def __init__(self, source: Database, target: Database, schema: Schema, plan: Plan, meta: dict,
                 target_untouched: bool) -> None:
        self.source, self.target, self.schema, self.plan = source, target, schema, plan
        self.target_untouched = target_untouched
        self.quarantine = target[REJECTS_COLLECTION]
        self.quarantined: dict[str, set] = defaultdict(set)
        for rec in self.quarantine.find({}, {"collection": 1, "sourceId": 1}):
            self.quarantined[rec["collection"]].add(rec["sourceId"])
        self.journal = Journal(target[META_COLLECTION], meta)
        self.gone = self.journal.gone_before  # ids that left a target's accepted set (this run or a killed one)
        self.refresh = self.journal.refresh_before  # parents whose children were deleted
        self.pipeline: Pipeline
        self.oplog: Changes | None = None  # the changes the source's oplog names, when it can
        self.found_by = "every document"  # or "oplog (N entries)", or "scans"

    def apply(self, since: datetime, full: bool) -> dict[str, dict]:
        """Carries the changes; returns a row per collection that changed."""
        candidates = self.candidates(since, full)
        derived = derive(self.source, self.schema, message_ids=candidates.get("Message", set()),
                         conversation_ids=candidates.get("Conversation", set()))
        self.pipeline = Pipeline(self.schema, derived, target_registry(self.target, self.plan), plan=self.plan)
        rows = {name: self.carry(name, candidates[name])
                for name in self.plan.order if name in self.plan.targets}
        for parent, ids in self.refresh.items():
            self.pipeline.derived = derive(self.source, self.schema, message_ids=ids if parent == "Message" else (),
                                           conversation_ids=ids if parent == "Conversation" else ())
            again = self.decide(parent, ids - self.gone[self.plan.target(parent)])
            for key in ("inserted", "updated", "unchanged", "rejected", "released"):
                rows[parent][key] += again[key]
        return {n: r for n, r in rows.items() if any(v for k, v in r.items() if k not in ("fate", "unchanged"))}

    def candidates(self, since: datetime, full: bool) -> dict[str, set]:
        """Per collection, the ids to decide again: changed since ``since`` (all, when ``full``), in
        quarantine, or the parents of a changed child."""
        def changed(name: str) -> set:
            if full:
                return {d["_id"] for d in self.source[name].find({}, {"_id": 1})}
            if self.oplog is not None:
                return self.oplog.written[name] | self.quarantined[name]
            return _changed_ids(self.source, name, since) | self.quarantined[name]

        if not full:
            self.oplog = changes_since(self.source, since)
            self.found_by = f"oplog ({self.oplog.entries} entries)" if self.oplog is not None else "scans"
        active = [n for n in self.plan.fates if self.plan.fates[n] != DROP]
        # Without the oplog, finding changes scans every collection on FerretDB: side by side.
        with ThreadPoolExecutor(SCAN_THREADS) as pool:
            candidates = dict(zip(active, pool.map(changed, active), strict=True))
        for child, (parent, key) in DEPENDENT_PARENTS.items():
            if child in candidates and parent in candidates:
                touched = _fetch(self.source, child, candidates[child])
                candidates[parent] |= {d.get(key) for d in touched.values() if d.get(key) is not None}
        return candidates

    def carry(self, name: str, ids: set) -> dict:
        """One collection: its candidates and the children of vanished parents decided, what the source
        no longer holds removed. Returns its row."""
        model = self.pipeline.model(name) if self.plan.models.get(name) else None
        destination = self.plan.target(name)
        # Children of parents that disappeared are decided again (they may now be orphans).
        for relation in model.required_relations() if model else ():
            parent = self.schema.models[relation.model].collection
            fk = model.fields[relation.fields[0]].db_name
            for part in _chunks(list(self.gone[parent])):
                ids |= {d["_id"] for d in self.target[destination].find({fk: {"$in": part}}, {"_id": 1})}
        row = {"fate": self.plan.fates[name], **self.decide(name, ids)}
        row["deleted"] = self.remove_vanished(name, destination)
        return row

    def remove_vanished(self, name: str, destination: str) -> int:
        """Documents the source no longer holds leave the target and the quarantine (journaled first)."""
        extra = _extra_ids(self.source, self.target, name, destination, self.quarantined[name],
                           self.oplog.deleted[name] if self.oplog is not None else None, self.target_untouched)
        if name in DEPENDENT_PARENTS and extra:
            parent, key = DEPENDENT_PARENTS[name]
            parents = {d.get(key) for d in _fetch(self.target, destination, extra).values()} - {None}
            self.journal.refresh(parent, parents)
            self.refresh[parent] |= parents
        self.journal.gone(destination, extra)
        _delete(self.target[destination], list(extra))
        _delete(self.quarantine, [f"{name}:{i}" for i in extra if i in self.quarantined[name]])
        self.quarantined[name] -= extra
        self.gone[destination] |= extra
        for _id in extra:
            self.pipeline.registry.ids[destination].discard(_id)
        return len(extra)

    def decide(self, name: str, ids: set) -> dict:
        """The documents ``ids`` of a source collection decided and written: accepted ones upserted,
        rejects quarantined and removed from the target, released ones out of quarantine."""
        model = self.pipeline.model(name) if self.plan.models.get(name) else None
        destination = self.plan.target(name)
        quarantined = self.quarantined[name]
        docs = _fetch(self.source, name, ids)
        stats, writes = CollectionStats(), WriteStats()
        accepted, rejects, released = [], [], []
        for _id in sorted(docs, key=str):
            doc = docs[_id]
            if model is None:
                accepted.append(doc)
                continue
            outcome = self.pipeline.decide(name, doc, stats)
            if outcome.rejected:
                rejects.append(reject_record(name, doc, outcome.reason))
                self.pipeline.registry.ids[destination].discard(_id)
                self.gone[destination].add(_id)
            else:
                accepted.append(outcome.target)
                if _id in quarantined:
                    released.append(f"{name}:{_id}")
        for part in range(0, len(accepted), CHUNK):
            for doc in _upsert(self.target[destination], accepted[part:part + CHUNK], writes):
                rejects.append(reject_record(name, docs[doc["_id"]], _collision(self.target, model, doc)))
                self.pipeline.registry.ids[destination].discard(doc["_id"])
                self.gone[destination].add(doc["_id"])
        refused = {f"{name}:{r['sourceId']}" for r in rejects}
        released = [key for key in released if key not in refused]
        fresh = [rec for rec in rejects if rec["sourceId"] not in quarantined]
        self.quarantine_rejects(destination, rejects)
        _delete(self.quarantine, released)
        self.quarantined[name] = (quarantined | {r["sourceId"] for r in rejects}) - {
            _id for _id in docs if f"{name}:{_id}" in released}
        return {"inserted": writes.inserted, "updated": writes.replaced, "unchanged": writes.unchanged,
                "rejected": len(fresh), "released": len(released)}

    def quarantine_rejects(self, destination: str, rejects: list[dict]) -> None:
        """A reject is journaled and quarantined before it leaves the target: killed in between, the
        next run finds it (in quarantine) and the children it leaves behind (in the journal)."""
        self.journal.gone(destination, [r["sourceId"] for r in rejects])
        for rec in rejects:
            self.quarantine.replace_one({"_id": rec["_id"]}, rec, upsert=True)
        _delete(self.target[destination], [r["sourceId"] for r in rejects])
