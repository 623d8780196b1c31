"""`verify`: prove the target is exactly what the plan and transforms make of the source.

For every collection: source = migrated + rejected (+ copied, dropped by plan); each target document
equals the transform of its source (fingerprints); every required relation resolves in the target;
every unique key holds; every document satisfies the schema; the Prisma indexes exist; nothing is
in the target that the source does not explain.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from ops.config import redact_url
from ops.migration.connect import describe_server, open_database, source_database
from ops.migration.engine import target_collections
from ops.migration.fingerprint import collection_hash, fingerprint
from ops.migration.pipeline import CollectionStats, Pipeline, derive, read_sorted, unique_key
from ops.migration.plan import (
    COPY,
    DROP,
    META_COLLECTION,
    MIGRATE,
    REJECTS_COLLECTION,
    Overrides,
    build_plan,
    load_overrides,
)
from ops.migration.report import check_report_path, write_report
from ops.migration.schema import DEFAULT_SCHEMA_PATH, load_schema, validate_document

MAX_LISTED = 20  # discrepancies listed per collection and kind; all are counted


class Findings:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, collection: str, kind: str, detail: str) -> None:
        self.counts[collection][kind] += 1
        if len(self.items[collection][kind]) < MAX_LISTED:
            self.items[collection][kind].append(detail)


def _differing_keys(a: dict, b: dict) -> list[str]:
    return sorted(k for k in set(a) | set(b) if fingerprint({"v": a.get(k)}) != fingerprint({"v": b.get(k)}))


def verify(source_url: str, target_url: str, *, plan_path: Path | None = None,
           schema_path: Path | None = None, report_path: Path | None = None) -> dict:
    """Without ``plan_path``, the plan the migration recorded in the target is the one checked."""
    started = time.monotonic()
    if report_path:
        check_report_path(Path(report_path))
    schema = load_schema(schema_path or DEFAULT_SCHEMA_PATH)
    source = source_database(source_url)
    target = open_database(target_url, "target")
    meta = target[META_COLLECTION].find_one({"_id": "run"}) or {}
    overrides = load_overrides(plan_path) if plan_path else Overrides(meta.get("plan", {}), meta.get("renames", {}))
    plan = build_plan(source.list_collection_names(), schema, overrides)
    findings = Findings()
    rows: dict[str, dict] = {}
    hashes: dict[str, str] = {}
    present = set(target.list_collection_names())

    quarantined = defaultdict(set)
    if REJECTS_COLLECTION in present:
        for rec in target[REJECTS_COLLECTION].find({}, {"collection": 1, "sourceId": 1}):
            quarantined[rec["collection"]].add(rec["sourceId"])

    pipeline = Pipeline(schema, derive(source, schema), plan=plan)
    target_ids: dict[str, set] = {}
    for name in plan.checked():
        fate, destination = plan.fates[name], plan.target(name)
        stats = CollectionStats()
        expected: dict = {}
        rejected: set = set()
        for outcome in pipeline.run(name, pipeline.read(source, name), stats):
            if outcome.rejected:
                rejected.add(outcome.source["_id"])
            else:
                expected[outcome.target["_id"]] = outcome.target
        model = pipeline.model(name)
        actual = {doc["_id"]: doc for doc in target[destination].find({}, batch_size=2000)}
        target_ids[destination] = set(actual)
        for _id in expected.keys() - actual.keys():
            findings.add(name, "missing document", str(_id))
        for _id in actual.keys() - expected.keys():
            findings.add(name, "unexpected document", str(_id))
        for _id in expected.keys() & actual.keys():
            if fingerprint(expected[_id]) != fingerprint(actual[_id]):
                keys = _differing_keys(expected[_id], actual[_id])
                findings.add(name, "altered document", f"{_id}: {', '.join(keys)}")
        for _id in rejected ^ quarantined[name]:
            kind = "reject not in quarantine" if _id in rejected else "quarantined but migratable"
            findings.add(name, kind, str(_id))
        for doc in actual.values():
            for problem in validate_document(model, doc, schema.enums, allow_unknown=fate == COPY):
                findings.add(name, "schema violation", f"{doc['_id']}: {problem}")
        for index in model.unique_keys():
            holders: dict = {}
            for doc in actual.values():
                key = unique_key(index.fields, doc)
                if key is not None and holders.setdefault(key, doc["_id"]) != doc["_id"]:
                    findings.add(name, "unique key violated", f"{index.name}: {doc['_id']} and {holders[key]}")
        hashes[destination] = collection_hash((i, fingerprint(d)) for i, d in actual.items())
        kept = "migrated" if fate == MIGRATE else "copied"
        rows[name] = {"fate": fate, "model": model.name, "target": destination, "source": stats.source,
                      kept: len(actual), "rejected": len(quarantined[name]),
                      "accounted": stats.source == len(actual) + len(quarantined[name])}
        if not rows[name]["accounted"]:
            findings.add(name, "unaccounted", f"source {stats.source} ≠ {kept} {len(actual)} + "
                                              f"rejected {len(quarantined[name])}")

    # Required relations are checked against what the target really holds.
    for name in plan.checked():
        model = pipeline.model(name)
        for relation in model.required_relations():
            other = schema.models[relation.model].collection
            keys = [model.fields[f].db_name for f in relation.fields]
            known = target_ids.get(other)
            if known is None:
                known = {d["_id"] for d in target[other].find({}, {"_id": 1})}
            for doc in target[plan.target(name)].find({}, {k: 1 for k in keys}):
                for key in keys:
                    if doc.get(key) not in known:
                        findings.add(name, "broken reference", f"{doc['_id']}: {key}={doc.get(key)}")

    for name in plan.unchanged():
        expected = {d["_id"]: fingerprint(d) for d in read_sorted(source, name)}
        actual = {d["_id"]: fingerprint(d) for d in target[name].find({}, batch_size=2000)}
        for _id in expected.keys() - actual.keys():
            findings.add(name, "missing document", str(_id))
        for _id in actual.keys() - expected.keys():
            findings.add(name, "unexpected document", str(_id))
        for _id in expected.keys() & actual.keys():
            if expected[_id] != actual[_id]:
                findings.add(name, "altered document", str(_id))
        hashes[name] = collection_hash(actual.items())
        rows[name] = {"fate": COPY, "model": None, "target": name, "source": len(expected), "copied": len(actual),
                      "accounted": len(expected) == len(actual)}

    # Every model's indexes, fed or not (a collection no model reads has none to check).
    for model in schema.models.values():
        owner = plan.source_of(model.collection) or model.collection
        existing = target[model.collection].index_information() if model.collection in present else {}
        for index in model.indexes:
            if index.name not in existing:
                findings.add(owner, "missing index", index.name)

    for name in plan.ordered(DROP):
        if name in present and target[name].estimated_document_count():
            findings.add(name, "dropped collection present", name)
        rows[name] = {"fate": DROP, "model": plan.models[name], "dropped": True, "accounted": True}
    for name in sorted(present - target_collections(plan, schema) - {META_COLLECTION, REJECTS_COLLECTION}):
        findings.add(name, "collection not in the plan", name)

    for name, row in rows.items():
        row["problems"] = dict(findings.counts.get(name, {}))
    report = {
        "kind": "verification", "server": describe_server(target),
        "source": redact_url(source_url), "target": redact_url(target_url),
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "migration_status": meta.get("status"), "collections": rows,
        "content_hashes": hashes,
        "discrepancies": {c: dict(kinds) for c, kinds in findings.items.items()},
        "ok": not findings.counts and meta.get("status") == "done",
        "seconds": round(time.monotonic() - started, 3),
    }
    report["failures"] = [f"{c}: {n} × {k}" for c, kinds in findings.counts.items() for k, n in kinds.items()]
    if meta.get("status") != "done":
        report["failures"].append(f"the migration's status in the target is {meta.get('status')!r}, not 'done'")
    if report_path:
        write_report(report, Path(report_path))
    return report
