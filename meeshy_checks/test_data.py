"""Data: counts equal the migration report, Prisma indexes exist, sampled documents fit the schema,
attachment URLs are served."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import allure
import pymongo
import pytest

from meeshy_checks.checklib.evidence import attach_json
from meeshy_checks.checklib.hosts import mongodb_url
from meeshy_checks.checklib.realtime import SOCKET_GROUP
from meeshy_checks.checklib.reports import collection_counts, load_report, report_time
from ops.migration.schema import DEFAULT_SCHEMA_PATH, load_schema, validate_document

# With the sockets' group: the full-collection counts must not run during the latency measurement.
pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Data"), SOCKET_GROUP]

SAMPLE_SIZE = 20


@pytest.fixture(scope="module")
def db(target):
    if target.missing("CHECK_MONGODB_URL") and target.missing("CHECK_MONGODB_TUNNEL", "CHECK_SSH_HOST"):
        pytest.skip(
            f"target key CHECK_MONGODB_URL (or CHECK_MONGODB_TUNNEL with CHECK_SSH_HOST) not set ({target.source})"
        )
    with mongodb_url(target) as url:
        client = pymongo.MongoClient(url, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, socketTimeoutMS=20000)
        name = target.get("CHECK_MONGODB_DATABASE") or client.get_default_database("meeshy").name
        yield client[name]
        client.close()


@pytest.fixture(scope="module")
def migration_report(target, need):
    need("CHECK_MIGRATION_REPORT")
    path = Path(target.get("CHECK_MIGRATION_REPORT"))
    report = load_report(path)
    allure.attach.file(str(path), "migration report", allure.attachment_type.JSON)
    return report, path


@pytest.fixture(scope="module")
def schema():
    return load_schema(DEFAULT_SCHEMA_PATH)


def test_collection_counts_equal_the_migration_report(db, migration_report):
    report, path = migration_report
    counts = collection_counts(report)
    assert counts, f"{path} has no per-collection counts"
    # Documents written after the migration (by users, or by these checks) are not the report's.
    before = {"$or": [{"createdAt": {"$lt": report_time(report, path)}}, {"createdAt": {"$exists": False}}]}
    present = set(db.list_collection_names())
    table, wrong = {}, []
    for c in counts:
        if c.expected_in_target == 0 and c.dropped:
            found = db[c.name].count_documents({}) if c.name in present else 0
            table[c.name] = {"expected": "dropped", "found": found}
            if found:
                wrong.append(f"{c.name}: dropped by plan but holds {found} documents")
            continue
        # A copy of an empty collection may leave no collection at all: that is 0 documents.
        found = db[c.name].count_documents(before) if c.name in present else (0 if not c.source else None)
        table[c.name] = {"expected": c.expected_in_target, "found": found}
        if found != c.expected_in_target:
            wrong.append(
                f"{c.name}: {found if found is not None else 'collection missing'} instead of {c.expected_in_target}"
            )
    attach_json("counts: report vs database", table)
    assert not wrong, "counts differ from the migration report: " + "; ".join(wrong)


def test_prisma_indexes_exist(db, schema):
    missing = []
    present_collections = set(db.list_collection_names())
    for model in schema.models.values():
        if not model.indexes:
            continue
        if model.collection not in present_collections:
            missing.append(f"{model.collection}: collection missing")
            continue
        names = {index["name"] for index in db[model.collection].list_indexes()}
        missing += [f"{model.collection}.{index.name}" for index in model.indexes if index.name not in names]
    assert not missing, f"Prisma indexes missing: {missing}"


def test_sampled_documents_fit_the_schema(db, schema):
    problems, sampled = [], {}
    present_collections = set(db.list_collection_names())
    for model in schema.models.values():
        if model.collection not in present_collections:
            problems.append(f"{model.name}: collection {model.collection} missing")
            continue
        docs = list(db[model.collection].find({}).sort("_id", 1).limit(SAMPLE_SIZE))
        sampled[model.name] = len(docs)
        for doc in docs:
            problems += [f"{model.name} {doc['_id']}: {p}" for p in validate_document(model, doc, schema.enums)]
    attach_json("documents sampled per model", sampled)
    assert not problems, f"{len(problems)} schema problems, first ones: {problems[:10]}"


def test_attachment_urls_are_served(db, gateway):
    attachments = list(
        db["MessageAttachment"]
        .find({"fileUrl": {"$exists": True, "$ne": None}}, {"fileUrl": 1, "mimeType": 1})
        .limit(5)
    )
    if not attachments:
        pytest.skip("no MessageAttachment with a fileUrl in the database")
    failures = []
    for attachment in attachments:
        parts = urlsplit(attachment["fileUrl"])
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = gateway.get(path)
        if response.status_code != 200 or not response.content:
            failures.append(f"{path}: {response.status_code}")
    assert not failures, f"attachment URLs not served: {failures}"
