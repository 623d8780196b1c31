"""`verify`: prove the target is exactly what the plan and transforms make of the source.

For every collection: source = migrated + rejected (+ copied, dropped by plan); each target document
equals the transform of its source (fingerprints); every required relation resolves in the target;
every unique key holds; every document satisfies the schema; the Prisma indexes exist; nothing is
in the target that the source does not explain.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pymongo.database import Database

from ops.config import redact_url
from ops.db import describe_server
from ops.migration.connect import source_database, target_database
from ops.migration.engine import target_collections
from ops.migration.fingerprint import collection_hash, fingerprint
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
    load_overrides,
)
from ops.migration.report import check_report_path, write_report
from ops.migration.results import VerificationReport
from ops.migration.schema import DEFAULT_SCHEMA_PATH, Schema, load_schema, validate_document

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
           schema_path: Path | None = None, report_path: Path | None = None) -> VerificationReport:
    """The report of a target that verifies; VerificationFailed (carrying the report, written first)
    when it does not. Without ``plan_path``, the plan the migration recorded in the target is checked."""
    started = time.monotonic()
    if report_path:
        check_report_path(Path(report_path))
    schema = load_schema(schema_path or DEFAULT_SCHEMA_PATH)
    with source_database(source_url) as source, target_database(target_url) as target:
        meta = target[META_COLLECTION].find_one({"_id": "run"}) or {}
        overrides = load_overrides(plan_path) if plan_path else Overrides(meta.get("plan", {}),
                                                                          meta.get("renames", {}))
        check = Check(source, target, schema, build_plan(source.list_collection_names(), schema, overrides))
        check.run()
        server = describe_server(target)
    failures = [f"{c}: {n} × {k}" for c, kinds in check.findings.counts.items() for k, n in kinds.items()]
    if meta.get("status") != "done":
        failures.append(f"the migration's status in the target is {meta.get('status')!r}, not 'done'")
    report = VerificationReport(
        server=server, source=redact_url(source_url), target=redact_url(target_url),
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"), migration_status=meta.get("status"),
        collections=check.rows, content_hashes=check.hashes,
        discrepancies={c: dict(kinds) for c, kinds in check.findings.items.items()},
        seconds=round(time.monotonic() - started, 3), failures=failures)
    if report_path:
        write_report(report.to_json(), Path(report_path))
    report.ensure_ok()
    return report


class Check:
    """One verification: each concern a method, the findings and the rows per collection gathered."""

    def __init__(self, source: Database, target: Database, schema: Schema, plan: Plan) -> None:
        self.source, self.target, self.schema, self.plan = source, target, schema, plan
        self.findings = Findings()
        self.rows: dict[str, dict] = {}
        self.hashes: dict[str, str] = {}
        self.present = set(target.list_collection_names())
        self.pipeline = Pipeline(schema, derive(source, schema), plan=plan)
        self.target_ids: dict[str, set] = {}

    def run(self) -> None:
        quarantined = self.quarantined()
        for name in self.plan.checked():
            self.decided(name, quarantined[name])
        self.relations()
        for name in self.plan.unchanged():
            self.copied(name)
        self.indexes()
        self.dropped_and_unplanned()
        for name, row in self.rows.items():
            row["problems"] = dict(self.findings.counts.get(name, {}))

    def quarantined(self) -> dict[str, set]:
        """Source ids in quarantine, per source collection."""
        out: dict[str, set] = defaultdict(set)
        if REJECTS_COLLECTION in self.present:
            for rec in self.target[REJECTS_COLLECTION].find({}, {"collection": 1, "sourceId": 1}):
                out[rec["collection"]].add(rec["sourceId"])
        return out

    def decided(self, name: str, quarantined: set) -> None:
        """A collection the pipeline decides (migrated, or copied into a model): the target holds exactly
        its transform, the rejects are quarantined, every document fits the schema, unique keys hold."""
        fate, destination = self.plan.fates[name], self.plan.target(name)
        stats = CollectionStats()
        expected: dict = {}
        rejected: set = set()
        for outcome in self.pipeline.run(name, self.pipeline.read(self.source, name), stats):
            if outcome.rejected:
                rejected.add(outcome.source["_id"])
            else:
                expected[outcome.target["_id"]] = outcome.target
        model = self.pipeline.model(name)
        actual = {doc["_id"]: doc for doc in self.target[destination].find({}, batch_size=2000)}
        self.target_ids[destination] = set(actual)
        prints = {i: fingerprint(d) for i, d in actual.items()}
        self.compare(name, {i: fingerprint(d) for i, d in expected.items()}, prints,
                     lambda _id: f"{_id}: {', '.join(_differing_keys(expected[_id], actual[_id]))}")
        for _id in rejected ^ quarantined:
            kind = "reject not in quarantine" if _id in rejected else "quarantined but migratable"
            self.findings.add(name, kind, str(_id))
        for doc in actual.values():
            for problem in validate_document(model, doc, self.schema.enums, allow_unknown=fate == COPY):
                self.findings.add(name, "schema violation", f"{doc['_id']}: {problem}")
        for index in model.unique_keys():
            holders: dict = {}
            for doc in actual.values():
                key = unique_key(index.fields, doc)
                if key is not None and holders.setdefault(key, doc["_id"]) != doc["_id"]:
                    self.findings.add(name, "unique key violated", f"{index.name}: {doc['_id']} and {holders[key]}")
        self.hashes[destination] = collection_hash(prints.items())
        kept = "migrated" if fate == MIGRATE else "copied"
        self.rows[name] = {"fate": fate, "model": model.name, "target": destination, "source": stats.source,
                           kept: len(actual), "rejected": len(quarantined),
                           "accounted": stats.source == len(actual) + len(quarantined)}
        if not self.rows[name]["accounted"]:
            self.findings.add(name, "unaccounted", f"source {stats.source} ≠ {kept} {len(actual)} + "
                                                   f"rejected {len(quarantined)}")

    def compare(self, name: str, expected: dict[object, str], actual: dict[object, str],
                altered: Callable[[object], str] = str) -> None:
        """Fingerprints by _id: documents missing, unexpected, altered (``altered`` says how)."""
        for _id in expected.keys() - actual.keys():
            self.findings.add(name, "missing document", str(_id))
        for _id in actual.keys() - expected.keys():
            self.findings.add(name, "unexpected document", str(_id))
        for _id in expected.keys() & actual.keys():
            if expected[_id] != actual[_id]:
                self.findings.add(name, "altered document", altered(_id))

    def relations(self) -> None:
        """Required relations resolve against what the target really holds."""
        for name in self.plan.checked():
            model = self.pipeline.model(name)
            for relation in model.required_relations():
                other = self.schema.models[relation.model].collection
                keys = [model.fields[f].db_name for f in relation.fields]
                known = self.target_ids.get(other)
                if known is None:
                    known = {d["_id"] for d in self.target[other].find({}, {"_id": 1})}
                for doc in self.target[self.plan.target(name)].find({}, {k: 1 for k in keys}):
                    for key in keys:
                        if doc.get(key) not in known:
                            self.findings.add(name, "broken reference", f"{doc['_id']}: {key}={doc.get(key)}")

    def copied(self, name: str) -> None:
        """A collection no model reads: the same documents, byte for byte."""
        expected = {d["_id"]: fingerprint(d) for d in self.source[name].find({}, batch_size=READ_BATCH)}
        actual = {d["_id"]: fingerprint(d) for d in self.target[name].find({}, batch_size=2000)}
        self.compare(name, expected, actual)
        self.hashes[name] = collection_hash(actual.items())
        self.rows[name] = {"fate": COPY, "model": None, "target": name, "source": len(expected),
                           "copied": len(actual), "accounted": len(expected) == len(actual)}

    def indexes(self) -> None:
        """Every model's indexes, fed or not (a collection no model reads has none to check)."""
        for model in self.schema.models.values():
            owner = self.plan.source_of(model.collection) or model.collection
            existing = self.target[model.collection].index_information() if model.collection in self.present \
                else {}
            for index in model.indexes:
                if index.name not in existing:
                    self.findings.add(owner, "missing index", index.name)

    def dropped_and_unplanned(self) -> None:
        for name in self.plan.ordered(DROP):
            if name in self.present and self.target[name].estimated_document_count():
                self.findings.add(name, "dropped collection present", name)
            self.rows[name] = {"fate": DROP, "model": self.plan.models[name], "dropped": True, "accounted": True}
        internal = {META_COLLECTION, REJECTS_COLLECTION}
        for name in sorted(self.present - target_collections(self.plan, self.schema) - internal):
            self.findings.add(name, "collection not in the plan", name)
