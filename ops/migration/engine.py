"""`migrate`: source (legacy) → target (Prisma shape), batched idempotent writes, rejects in quarantine.

>>> report = migrate("mongodb://127.0.0.1:27017/meeshy", "mongodb://127.0.0.1:27017/meeshy_new")
>>> report["ok"], report["totals"]["source"]

A run killed at any moment and started again ends in the state of an uninterrupted run: every
write is an idempotent replace keyed on _id of a deterministic document, and the run starts over.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from pymongo.database import Database
from pymongo.errors import OperationFailure

from ops.db import redact_url
from ops.errors import OpsError
from ops.migration import progress
from ops.migration.connect import check_target, collection_count, describe_server, open_database, source_database
from ops.migration.pipeline import READ_BATCH, CollectionStats, Pipeline, derive, read_sorted
from ops.migration.plan import (
    COPY,
    DROP,
    META_COLLECTION,
    MIGRATE,
    REJECTS_COLLECTION,
    build_plan,
    load_overrides,
)
from ops.migration.report import write_report
from ops.migration.schema import DEFAULT_SCHEMA_PATH, Model, Schema, load_schema
from ops.migration.writer import RAW, BatchWriter


def reject_record(collection: str, doc: dict, reason: str) -> dict:
    return {"_id": f"{collection}:{doc['_id']}", "collection": collection, "sourceId": doc["_id"],
            "reason": reason, "document": doc}


def create_indexes(target: Database, schema: Schema, collections: list[str]) -> dict[str, str]:
    """Prisma-named indexes, after the data, a collection per thread. Returns name → "ok" or the error."""
    models = [m for m in (schema.model_for_collection(n) for n in collections) if m is not None]
    results: dict[str, str] = {}
    with ThreadPoolExecutor(4) as pool:
        for part in pool.map(lambda model: _create_model_indexes(target, model), models):
            results.update(part)
    return results


def _create_model_indexes(target: Database, model: Model) -> dict[str, str]:
    results: dict[str, str] = {}
    name = model.collection
    existing = target[name].index_information()
    for index in model.indexes:
        if index.name in existing:
            results[index.name] = "ok"
            continue
        keys = [(f, 1) for f in index.fields]
        partial = _partial_filter(model, index.fields) if index.unique else None
        try:
            if partial:
                try:
                    target[name].create_index(keys, name=index.name, unique=True, partialFilterExpression=partial)
                except OperationFailure as exc:
                    if exc.code != NOT_IMPLEMENTED:
                        raise
                    # FerretDB 1.x: no partial indexes, but there a missing field never collides.
                    target[name].create_index(keys, name=index.name, unique=True)
            else:
                target[name].create_index(keys, name=index.name, unique=index.unique)
            results[index.name] = "ok"
        except OperationFailure as exc:
            results[index.name] = f"failed: {exc.details.get('errmsg') if exc.details else exc}"
    return results


NOT_IMPLEMENTED = 238
BSON_TYPES = {"String": "string", "Int": "int", "Float": "double", "Boolean": "bool", "DateTime": "date"}


def _partial_filter(model: Model, fields: tuple[str, ...]) -> dict | None:
    """A unique key with an optional part only binds documents that have that part: MongoDB would
    otherwise index the missing part as null and make, e.g., two users' 👍 on one message collide
    on Reaction_messageId_anonymousId_emoji_key."""
    by_key = {f.db_name: f for f in model.fields.values()}
    optional = [by_key[k] for k in fields if by_key[k].optional]
    return {f.db_name: {"$type": "objectId" if f.object_id else BSON_TYPES.get(f.type, "string")}
            for f in optional} or None


def migrate(source_url: str, target_url: str, *, plan_path: Path | None = None, schema_path: Path | None = None,
            dry_run: bool = False, report_path: Path | None = None, t0: datetime | None = None,
            reject_threshold: int | None = None, show_progress: bool = False) -> dict:
    started = time.monotonic()
    schema = load_schema(schema_path or DEFAULT_SCHEMA_PATH)
    overrides = load_overrides(plan_path)
    source = source_database(source_url)
    target = open_database(target_url, "target")
    plan = build_plan(source.list_collection_names(), overrides)
    produced = {c for c, f in plan.fates.items() if f != DROP}
    previous = check_target(target, source, produced)
    # Counts of the dropped collections go in the report; the others only size the progress bars.
    counts = {name: collection_count(source, name) if show_progress or fate == DROP else 0
              for name, fate in plan.fates.items()}

    report: dict = {
        "kind": "migration", "dry_run": dry_run, "server": describe_server(target),
        "source": redact_url(source_url), "target": redact_url(target_url),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "t0": None,
        "plan": plan.fates, "unplanned": plan.unplanned,
        "models_without_collection": sorted(m.collection for m in schema.models.values()
                                            if m.collection not in plan.fates),
        "collections": {}, "rejects": [],
    }
    t0 = t0 or (previous or {}).get("t0")
    if t0:
        report["t0"] = t0.isoformat()
    dropped = plan.ordered(DROP)
    if show_progress:
        progress.say("dropped by plan (not carried to the target; the source is untouched): "
                     + (", ".join(f"{c} ({counts[c]})" for c in dropped) or "none"))
        if plan.unplanned:
            progress.say(f"not in the plan, copied unchanged: {', '.join(plan.unplanned)}")
    if not dry_run:
        meta = {"source_db": source.name, "plan": plan.fates, "status": "running",
                "started_at": datetime.now(UTC)}
        if t0:
            meta["t0"] = t0
        target[META_COLLECTION].update_one({"_id": "run"}, {"$set": meta}, upsert=True)

    with progress.board(show_progress) as board, ThreadPoolExecutor(1) as copier:
        # Copies are pure I/O and independent of the migrated collections: they run alongside.
        copies = copier.submit(_copy_all, source, None if dry_run else target, plan.ordered(COPY), counts, board)
        _migrate_all(source, None if dry_run else target, schema, plan.ordered(MIGRATE), counts, board, report)
        report["collections"].update(copies.result())
    for name in dropped:
        report["collections"][name] = {"fate": DROP, "source": counts[name], "dropped": counts[name]}

    report["indexes"] = {} if dry_run else create_indexes(target, schema, plan.ordered(MIGRATE))
    totals = {key: sum(c.get(key, 0) for c in report["collections"].values())
              for key in ("source", "migrated", "rejected", "copied", "dropped", "written")}
    report["totals"] = totals
    failures = [f"index {n}: {r}" for n, r in report["indexes"].items() if r != "ok"]
    if totals["source"] != totals["migrated"] + totals["rejected"] + totals["copied"] + totals["dropped"]:
        failures.append("documents unaccounted for")
    if reject_threshold is not None and totals["rejected"] > reject_threshold:
        failures.append(f"{totals['rejected']} rejects exceed the threshold of {reject_threshold}")
    report["failures"] = failures
    report["ok"] = not failures
    report["seconds"] = round(time.monotonic() - started, 3)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if not dry_run:
        target[META_COLLECTION].update_one(
            {"_id": "run"}, {"$set": {"status": "done" if report["ok"] else "failed",
                                      "finished_at": datetime.now(UTC), "totals": totals}})
    if report_path:
        write_report(report, Path(report_path))
    return report


def ensure_ok(report: dict) -> None:
    if not report["ok"]:
        raise OpsError(f"{report['kind']} failed: " + "; ".join(report["failures"]))


def _migrate_all(source: Database, target: Database | None, schema: Schema, names: list[str],
                 counts: dict[str, int], board: progress.Board, report: dict) -> None:
    pipeline = Pipeline(schema, derive(source, schema))
    rejects = BatchWriter(target[REJECTS_COLLECTION] if target is not None else None)
    for name in names:
        began = time.monotonic()
        stats = CollectionStats()
        writer = BatchWriter(target[name] if target is not None else None)
        advance = board.task(f"migrate {name}", counts[name])
        for outcome in pipeline.run(name, read_sorted(source, name), stats):
            if outcome.rejected:
                rejects.add(reject_record(name, outcome.source, outcome.reason))
                report["rejects"].append({"collection": name, "_id": str(outcome.source["_id"]),
                                          "reason": outcome.reason})
            else:
                writer.add(outcome.target)
            advance(1)
        writer.close()
        report["collections"][name] = {
            "fate": MIGRATE, "source": stats.source, "migrated": stats.accepted, "rejected": stats.rejected,
            "written": writer.stats.written, "unchanged": writer.stats.unchanged,
            "fields_without_target": dict(stats.without_target),
            "seconds": round(time.monotonic() - began, 3)}
    rejects.close()


def _copy_all(source: Database, target: Database | None, names: list[str], counts: dict[str, int],
              board: progress.Board) -> dict[str, dict]:
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
        rows[name] = {"fate": COPY, "source": n, "copied": n, "written": writer.stats.written,
                      "unchanged": writer.stats.unchanged, "seconds": round(time.monotonic() - began, 3)}
    return rows
