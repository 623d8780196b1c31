"""`migrate`: source (legacy) → target (Prisma shape), batched idempotent writes, rejects in quarantine.

>>> report = migrate("mongodb://127.0.0.1:27017/meeshy", "mongodb://127.0.0.1:27017/meeshy_new")
>>> report.ok, report.totals["source"]

The schema is read and the plan decided before anything is written: a schema Prisma refuses, or one
without the models the plan needs, stops the run there. Migrated and copied documents that a model
reads are checked against it (copies get Prisma's defaults where a required field is absent); a
collection no model reads is copied byte for byte. Every model's indexes are built after the data,
with Prisma's names.

A run killed at any moment and started again ends in the state of an uninterrupted run: every
write is an idempotent replace keyed on _id of a deterministic document, and the run starts over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

from pymongo.database import Database
from pymongo.errors import OperationFailure

from ops.config import redact_url
from ops.db import collection_count, describe_server
from ops.migration import progress
from ops.migration.connect import check_target, in_sample, source_database, target_database
from ops.migration.lock import target_lock
from ops.migration.pipeline import READ_BATCH, CollectionStats, Pipeline, derive, unique_key
from ops.migration.plan import (
    COPY,
    DROP,
    META_COLLECTION,
    MIGRATE,
    REJECTS_COLLECTION,
    Overrides,
    Plan,
    build_plan,
    describe,
    describe_lines,
    ensure_runnable,
    load_overrides,
)
from ops.migration.report import check_report_path, write_report
from ops.migration.results import MigrationReport
from ops.migration.schema import DEFAULT_SCHEMA_PATH, Index, Model, Schema, load_schema
from ops.migration.values import RAW, storable
from ops.migration.writer import BatchWriter

NOT_IMPLEMENTED = 238
BSON_TYPES = {"String": "string", "Int": "int", "BigInt": "long", "Float": "double", "Boolean": "bool",
              "DateTime": "date", "Bytes": "binData"}


def reject_record(collection: str, doc: dict, reason: str) -> dict:
    return {"_id": f"{collection}:{doc['_id']}", "collection": collection, "sourceId": doc["_id"],
            "reason": reason, "document": storable(doc)}


def target_collections(plan: Plan, schema: Schema) -> set[str]:
    """What a run writes: the plan's targets, and every model's collection (its indexes)."""
    return plan.written() | {m.collection for m in schema.models.values()}


# ---------------------------------------------------------------- indexes

Evict = Callable[[Model, Index], int]


def create_indexes(target: Database, schema: Schema, evict: Evict | None = None) -> dict[str, str]:
    """Every model's indexes, with Prisma's names, after the data, a collection per thread (a model
    no collection feeds gets its empty collection and its indexes, as `prisma db push` would make
    them). Returns "collection.index" → "ok" or the error. A unique index that meets duplicates
    calls ``evict`` (which turns every holder of a taken key but the first into a reject) and is
    built again."""
    results: dict[str, str] = {}
    with ThreadPoolExecutor(4) as pool:
        for part in pool.map(lambda model: _create_model_indexes(target, model, evict), schema.models.values()):
            results.update(part)
    return results


def _create_model_indexes(target: Database, model: Model, evict: Evict | None) -> dict[str, str]:
    results: dict[str, str] = {}
    collection = target[model.collection]
    if not model.indexes and model.collection not in target.list_collection_names():
        target.create_collection(model.collection)
    existing = collection.index_information()
    for index in model.indexes:
        label = f"{model.collection}.{index.name}"
        if index.name in existing:
            results[label] = "ok"
            continue
        try:
            try:
                _create_index(target, model, index)
            except OperationFailure:
                # Duplicates: code 11000 on MongoDB, 1 on FerretDB. Anything else finds none to evict.
                if not index.unique or evict is None or not evict(model, index):
                    raise
                _create_index(target, model, index)
            results[label] = "ok"
        except OperationFailure as exc:
            results[label] = f"failed: {exc.details.get('errmsg') if exc.details else exc}"
    return results


def _create_index(target: Database, model: Model, index: Index) -> None:
    collection = target[model.collection]
    partial = _partial_filter(model, index) if index.unique else None
    if partial:
        try:
            collection.create_index(index.keys(), name=index.name, unique=True, partialFilterExpression=partial)
            return
        except OperationFailure as exc:
            if exc.code != NOT_IMPLEMENTED:
                raise
            # FerretDB 1.x: no partial indexes, but there a missing field never collides.
    collection.create_index(index.keys(), name=index.name, unique=index.unique)


def _partial_filter(model: Model, index: Index) -> dict | None:
    """A unique key with an optional part only binds documents that have that part: MongoDB would
    otherwise index the missing part as null and make, e.g., two users' 👍 on one message collide
    on Reaction_messageId_anonymousId_emoji_key."""
    out = {}
    for key in index.fields:
        chain = model.field_at(key)
        if any(f.optional for f in chain):
            leaf = chain[-1]
            kind = "objectId" if leaf.object_id else "object" if leaf.kind == "composite" else \
                BSON_TYPES.get(leaf.type, "string")
            out[key] = {"$type": kind}
    return out or None


def _evictor(source: Database, target: Database, plan: Plan, report: MigrationReport) -> Evict:
    """Turns the later holders of a taken unique key into rejects (kept in quarantine, counted)."""

    def evict(model: Model, index: Index) -> int:
        name = plan.source_of(model.collection)
        if name is None:
            return 0
        holders: dict = {}
        losers = []
        projection = {f: 1 for f in index.fields}
        for doc in target[model.collection].find({}, projection, sort=[("_id", 1)]):
            key = unique_key(index.fields, doc)
            if key is None:
                continue
            if key in holders:
                losers.append((doc["_id"], holders[key]))
            else:
                holders[key] = doc["_id"]
        evicted = 0
        for _id, holder in losers:
            original = source[name].find_one({"_id": _id})
            if original is None:  # not the source's: left for the operator, the index stays unbuilt
                continue
            reason = f"unique-key collision on {index.name} with {model.collection} {holder} (found building the index)"
            target[REJECTS_COLLECTION].replace_one({"_id": f"{name}:{_id}"}, reject_record(name, original, reason),
                                                   upsert=True)
            target[model.collection].delete_one({"_id": _id})
            evicted += 1
            report.rejects.append({"collection": name, "_id": str(_id), "reason": reason})
            row = report.collections.get(name, {})
            kept = "migrated" if row.get("fate") == MIGRATE else "copied"
            row[kept] = row.get(kept, 0) - 1
            row["rejected"] = row.get("rejected", 0) + 1
        return evicted

    return evict


# ---------------------------------------------------------------- the run

def migrate(source_url: str, target_url: str, *, plan_path: Path | None = None, schema_path: Path | None = None,
            dry_run: bool = False, report_path: Path | None = None, t0: datetime | None = None,
            reject_threshold: int | None = None, show_progress: bool = False) -> MigrationReport:
    """The run's report; its failures (an index not built, rejects above the threshold) are listed, not
    raised: ``report.ensure_ok()`` raises them."""
    started = time.monotonic()
    if report_path:
        check_report_path(Path(report_path))
    schema = load_schema(schema_path or DEFAULT_SCHEMA_PATH)
    overrides = load_overrides(plan_path)
    with source_database(source_url) as source, target_database(target_url) as target:
        plan = build_plan(source.list_collection_names(), schema, overrides, strict=False)
        if plan.problems:
            if show_progress and schema.models:  # the operator sees the whole plan, then why it cannot run
                for line in describe_lines(describe(plan, schema)):
                    progress.say(line)
            ensure_runnable(plan)
        previous = check_target(target, source, target_collections(plan, schema))
        with nullcontext() if dry_run else target_lock(target, "migrate"):
            report = _run(source, target, schema, plan, overrides, previous, dry_run=dry_run, t0=t0,
                          reject_threshold=reject_threshold, show_progress=show_progress)
    report.source, report.target = redact_url(source_url), redact_url(target_url)
    report.seconds = round(time.monotonic() - started, 3)
    if report_path:
        write_report(report.to_json(), Path(report_path))
    return report


def _run(source: Database, target: Database, schema: Schema, plan: Plan, overrides: Overrides,
         previous: dict | None, *, dry_run: bool, t0: datetime | None, reject_threshold: int | None,
         show_progress: bool) -> MigrationReport:
    # Counts of the dropped collections go in the report; the others only size the progress bars.
    counts = {name: collection_count(source, name) if show_progress or fate == DROP else 0
              for name, fate in plan.fates.items()}

    plan_report = describe(plan, schema, {n: c for n, c in counts.items() if show_progress or plan.fates[n] == DROP})
    report = MigrationReport(
        dry_run=dry_run, server=describe_server(target), started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        schema={"path": str(schema.path), "models": len(schema.models), "composite_types": len(schema.types),
                "parse_seconds": round(schema.parse_seconds, 3)},
        plan=plan.fates, targets=plan.targets, unplanned=plan.unplanned, models_without_collection=plan.unfed,
        plan_report=plan_report)
    t0 = t0 or (previous or {}).get("t0")
    if t0:
        report.t0 = t0.isoformat()
    if show_progress:
        for line in describe_lines(plan_report):
            progress.say(line)
    if not dry_run:
        # T0 is recorded by the run that finishes (below): a crashed run must not leave its own.
        meta = {"source_db": source.name, "plan": plan.fates, "renames": overrides.models, "targets": plan.targets,
                "status": "running", "started_at": datetime.now(UTC)}
        target[META_COLLECTION].update_one({"_id": "run"}, {"$set": meta}, upsert=True)

    written = None if dry_run else target
    sample: list[dict] = []
    with progress.board(show_progress) as board, ThreadPoolExecutor(1) as copier:
        # Copies no model reads are pure I/O and independent of the others: they run alongside.
        copies = copier.submit(_copy_all, source, written, plan.unchanged(), counts, board)
        _decide_all(source, written, schema, plan, counts, board, report, sample)
        report.collections.update(copies.result())
    for name in plan.ordered(DROP):
        report.collections[name] = {"fate": DROP, "model": plan.models[name], "source": counts[name],
                                       "dropped": counts[name]}

    report.indexes = {} if dry_run else create_indexes(target, schema, _evictor(source, target, plan, report))
    totals = {key: sum(c.get(key, 0) for c in report.collections.values())
              for key in ("source", "migrated", "rejected", "copied", "dropped", "written")}
    report.totals = totals
    failures = [f"index {n}: {r}" for n, r in report.indexes.items() if r != "ok"]
    if totals["source"] != totals["migrated"] + totals["rejected"] + totals["copied"] + totals["dropped"]:
        failures.append("documents unaccounted for")
    if reject_threshold is not None and totals["rejected"] > reject_threshold:
        failures.append(f"{totals['rejected']} rejects exceed the threshold of {reject_threshold}")
    report.failures = failures
    report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    if not dry_run:
        finished = {"status": "done" if report.ok else "failed", "finished_at": datetime.now(UTC),
                    "totals": totals, "source_sample": sample}
        if t0:
            finished["t0"] = t0
        target[META_COLLECTION].update_one({"_id": "run"}, {"$set": finished})
    return report


def _decide_all(source: Database, target: Database | None, schema: Schema, plan: Plan, counts: dict[str, int],
                board: progress.Board, report: MigrationReport, sample: list[dict]) -> None:
    """Migrated collections and copies that a model reads, parents first, through one pipeline.
    ``sample`` gets the collection and _id of the source documents that identify the source later
    (``connect.check_migrated_from``)."""
    pipeline = Pipeline(schema, derive(source, schema), plan=plan)
    rejects = BatchWriter(target[REJECTS_COLLECTION] if target is not None else None)
    for name in plan.checked():
        began = time.monotonic()
        stats = CollectionStats()
        fate, destination = plan.fates[name], plan.target(name)
        writer = BatchWriter(target[destination] if target is not None else None)
        advance = board.task(f"{fate} {name}" + (f" → {destination}" if destination != name else ""), counts[name])
        for outcome in pipeline.run(name, pipeline.read(source, name), stats):
            if in_sample(stats.source):
                sample.append({"collection": name, "_id": outcome.source["_id"]})
            if outcome.rejected:
                rejects.add(reject_record(name, outcome.source, outcome.reason))
                report.rejects.append({"collection": name, "_id": str(outcome.source["_id"]),
                                          "reason": outcome.reason})
            else:
                writer.add(outcome.target)
            advance(1)
        writer.close()
        row = {"fate": fate, "model": plan.models[name], "target": destination, "source": stats.source,
               "migrated" if fate == MIGRATE else "copied": stats.accepted, "rejected": stats.rejected,
               "written": writer.stats.written, "unchanged": writer.stats.unchanged,
               "fields_without_target": dict(stats.without_target)}
        if fate == COPY:
            row["defaults_filled"] = dict(stats.defaults_filled)
        if plan.notes[name]:
            row["notes"] = plan.notes[name]
        row["seconds"] = round(time.monotonic() - began, 3)
        report.collections[name] = row
    rejects.close()


def _copy_all(source: Database, target: Database | None, names: list[str], counts: dict[str, int],
              board: progress.Board) -> dict[str, dict]:
    """Copies no model reads: byte for byte, under their own name."""
    rows = {}
    raw_source = source.with_options(codec_options=RAW)
    for name in names:
        began = time.monotonic()
        writer = BatchWriter(target[name] if target is not None else None, raw=True)
        advance = board.task(f"copy {name}", counts[name])
        n = 0
        for doc in raw_source[name].find({}, batch_size=READ_BATCH):
            writer.add(doc)
            n += 1
            advance(1)
        writer.close()
        rows[name] = {"fate": COPY, "model": None, "target": name, "source": n, "copied": n,
                      "written": writer.stats.written, "unchanged": writer.stats.unchanged,
                      "notes": ["no model reads it: copied unchanged, the app will not read it"],
                      "seconds": round(time.monotonic() - began, 3)}
    return rows
