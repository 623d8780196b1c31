"""`delta`: carry over what the source received after T0 (inserts, updates, deletes).

After it, the target equals a full migration of the current source. Work is proportional to the
changes, not to the database:
- changed documents are those with an ObjectId time, createdAt or updatedAt after `since`;
- deletes are looked for only in collections whose document count does not add up, by comparing
  `_id` sets there;
- documents whose derived values depend on a change (a message's reaction counts, a conversation's
  member count) and the children of a document that disappeared or became a reject are decided
  again; so are all quarantined documents (a parent may have arrived since).
When updatedAt cannot be trusted, `mode="fingerprints"` decides every document again and writes
only those whose content differs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from bson import ObjectId
from pymongo.database import Database

from ops.embedded_db import redact_url
from ops.errors import OpsError
from ops.migration.connect import collection_count, describe_server, open_database, source_database
from ops.migration.engine import reject_record
from ops.migration.fingerprint import fingerprint
from ops.migration.pipeline import CollectionStats, Pipeline, Registry, derive
from ops.migration.plan import COPY, DROP, META_COLLECTION, MIGRATE, REJECTS_COLLECTION, Plan, build_plan
from ops.migration.report import write_report
from ops.migration.schema import DEFAULT_SCHEMA_PATH, Schema, load_schema
from ops.migration.writer import WriteStats, write_batch

CHUNK = 1000
DEPENDENT_PARENTS = {"Reaction": ("Message", "messageId"), "ConversationMember": ("Conversation", "conversationId")}


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


class TargetKeys:
    """Holders of a unique key: the target's, adjusted by this delta."""

    def __init__(self, target: Database, collection: str, fields: tuple[str, ...]) -> None:
        self.coll = target[collection]
        self.fields = fields
        self.local: dict = {}

    def get(self, key: tuple) -> object:
        if key in self.local:
            return self.local[key]
        found = self.coll.find_one(dict(zip(self.fields, key, strict=True)), {"_id": 1})
        return found["_id"] if found else None

    def __setitem__(self, key: tuple, holder: object) -> None:
        self.local[key] = holder


def target_registry(target: Database, schema: Schema, plan: Plan) -> Registry:
    registry = Registry()
    registry.ids = {name: TargetIds(target, name) for name in plan.fates}
    for model in schema.models.values():
        for index in model.unique_keys():
            registry.keys[index.name] = TargetKeys(target, model.collection, index.fields)
    return registry


def _chunks(ids: list) -> list[list]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _fetch(db: Database, collection: str, ids: set) -> dict:
    docs: dict = {}
    for part in _chunks(sorted(ids, key=str)):
        docs.update({d["_id"]: d for d in db[collection].find({"_id": {"$in": part}})})
    return docs


def _changed_ids(source: Database, collection: str, since: datetime) -> set:
    query = {"$or": [{"_id": {"$gte": ObjectId.from_datetime(since)}}, {"createdAt": {"$gte": since}},
                     {"updatedAt": {"$gte": since}}]}
    return {d["_id"] for d in source[collection].find(query, {"_id": 1})}


def _deleted_ids(source: Database, target: Database, collection: str, changed: set, quarantined: set,
                 full: bool) -> set:
    """Ids the target knows that the source no longer has; compares id sets only when counts disagree."""
    if not full:
        known_changed = len(changed & quarantined) + sum(
            target[collection].count_documents({"_id": {"$in": part}}) for part in _chunks(list(changed)))
        expected = collection_count(target, collection) + len(quarantined) + len(changed) - known_changed
        if collection_count(source, collection) == expected:
            return set()
    in_source = {d["_id"] for d in source[collection].find({}, {"_id": 1})}
    in_target = {d["_id"] for d in target[collection].find({}, {"_id": 1})}
    return (in_target | quarantined) - in_source


def apply_delta(source_url: str, target_url: str, since: datetime | None = None, *, mode: str = "timestamps",
                schema_path: Path | None = None, report_path: Path | None = None) -> dict:
    started_at = datetime.now(UTC).replace(tzinfo=None)
    started = time.monotonic()
    if mode not in ("timestamps", "fingerprints"):
        raise OpsError(f"unknown delta mode {mode!r}; use timestamps or fingerprints")
    schema = load_schema(schema_path or DEFAULT_SCHEMA_PATH)
    source = source_database(source_url)
    target = open_database(target_url, "target")
    meta = target[META_COLLECTION].find_one({"_id": "run"})
    if not meta or meta.get("status") != "done":
        raise OpsError(f"target {target.name!r} holds no completed migration: run `migrate` first")
    since = since or meta.get("t0")
    if since is None:
        raise OpsError("no T0 is recorded in the target: give --since")
    plan = build_plan(source.list_collection_names(), meta.get("plan", {}))
    full = mode == "fingerprints"

    quarantine = target[REJECTS_COLLECTION]
    quarantined: dict[str, set] = defaultdict(set)
    for rec in quarantine.find({}, {"collection": 1, "sourceId": 1}):
        quarantined[rec["collection"]].add(rec["sourceId"])

    active = [n for n in plan.fates if plan.fates[n] != DROP]
    candidates: dict[str, set] = {}
    deleted: dict[str, set] = {}
    for name in active:
        if full:
            candidates[name] = {d["_id"] for d in source[name].find({}, {"_id": 1})}
        else:
            candidates[name] = _changed_ids(source, name, since) | quarantined[name]
        deleted[name] = _deleted_ids(source, target, name, candidates[name], quarantined[name], full)

    # Parents whose derived values change with their children.
    for child, (parent, key) in DEPENDENT_PARENTS.items():
        if child not in candidates or parent not in candidates:
            continue
        touched = _fetch(source, child, candidates[child]) | _fetch(target, child, deleted[child])
        candidates[parent] |= {d.get(key) for d in touched.values() if d.get(key) is not None}
    affected = sorted({c for c in candidates if candidates[c]} | {c for c in deleted if deleted[c]})
    derived = derive(source, schema, message_ids=candidates.get("Message", set()),
                     conversation_ids=candidates.get("Conversation", set()))
    pipeline = Pipeline(schema, derived, target_registry(target, schema, plan))

    rows: dict[str, dict] = {}
    gone: dict[str, set] = defaultdict(set)  # ids that left a collection's accepted set
    for name in plan.ordered(MIGRATE) + plan.ordered(COPY):
        if name not in candidates:
            continue
        model = schema.model_for_collection(name) if plan.fates[name] == MIGRATE else None
        # Children of parents that disappeared are decided again (they may now be orphans).
        for relation in model.required_relations() if model else ():
            parent = schema.models[relation.model].collection
            if gone[parent]:
                fk = model.fields[relation.fields[0]].db_name
                for part in _chunks(list(gone[parent])):
                    candidates[name] |= {d["_id"] for d in target[name].find({fk: {"$in": part}}, {"_id": 1})}
        docs = _fetch(source, name, candidates[name] - deleted[name])
        stats, writes, row = CollectionStats(), WriteStats(), {"fate": plan.fates[name]}
        accepted, rejects, released = [], [], []
        for _id in sorted(docs, key=str):
            doc = docs[_id]
            if model is None:
                accepted.append(doc)
                continue
            outcome = pipeline.decide(name, doc, stats)
            if outcome.rejected:
                rejects.append(reject_record(name, doc, outcome.reason))
                pipeline.registry.ids[name].discard(_id)
                gone[name].add(_id)
            else:
                accepted.append(outcome.target)
                if _id in quarantined[name]:
                    released.append(f"{name}:{_id}")
        for part in range(0, len(accepted), CHUNK):
            batch = accepted[part:part + CHUNK]
            existing = {d["_id"]: d for d in target[name].find({"_id": {"$in": [d["_id"] for d in batch]}})}
            write_batch(target[name], batch, _fingerprints(existing), writes)
        removed = deleted[name] | {r["sourceId"] for r in rejects}
        for ids in _chunks(list(removed)):
            target[name].delete_many({"_id": {"$in": ids}})
        gone[name] |= deleted[name]
        for _id in deleted[name]:
            if name in pipeline.registry.ids:
                pipeline.registry.ids[name].discard(_id)
        stale = [f"{name}:{i}" for i in deleted[name] & quarantined[name]] + released
        for ids in _chunks(stale):
            quarantine.delete_many({"_id": {"$in": ids}})
        fresh = [rec for rec in rejects if rec["sourceId"] not in quarantined[name]]
        for rec in rejects:
            quarantine.replace_one({"_id": rec["_id"]}, rec, upsert=True)
        row.update(inserted=writes.inserted, updated=writes.replaced, unchanged=writes.unchanged,
                   deleted=len(deleted[name]), rejected=len(fresh), released=len(released))
        if any(v for k, v in row.items() if k not in ("fate", "unchanged")):
            rows[name] = row

    target[META_COLLECTION].update_one({"_id": "run"}, {"$set": {"last_delta_at": started_at}})
    totals = {k: sum(r[k] for r in rows.values()) for k in ("inserted", "updated", "deleted", "rejected")}
    report = {"kind": "delta", "server": describe_server(target),
              "mode": mode, "since": since.isoformat(), "source": redact_url(source_url),
              "target": redact_url(target_url), "started_at": started_at.isoformat(timespec="seconds"),
              "examined_collections": affected, "collections": rows, "totals": totals,
              "seconds": round(time.monotonic() - started, 3), "ok": True, "failures": []}
    if report_path:
        write_report(report, Path(report_path))
    return report


def _fingerprints(docs: dict) -> dict:
    return {_id: fingerprint(d) for _id, d in docs.items()}
