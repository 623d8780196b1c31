"""Writing the dataset into a real database (FerretDB by default), determinism, and the CLI."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest
from bson import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.uri_parser import parse_uri

from ops.errors import OpsError
from ops.host.ports import free_port
from rehearsal.legacy_data import LEGACY_COUNTS, LEGACY_TOTAL, generate

CLI = Path(sys.executable).parent / "meeshy-ops"


def _db(url: str) -> pymongo.database.Database:
    client = pymongo.MongoClient(url, serverSelectionTimeoutMS=5000)
    return client[parse_uri(url)["database"]]


def _fingerprint(db: pymongo.database.Database) -> str:
    """SHA-256 over every stored document (raw BSON), collection by collection, in _id order."""
    raw = CodecOptions(document_class=RawBSONDocument)
    digest = hashlib.sha256()
    for name in sorted(db.list_collection_names()):
        digest.update(name.encode())
        for doc in db.get_collection(name, codec_options=raw).find().sort("_id", 1):
            digest.update(doc.raw)
    return digest.hexdigest()


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "legacy-data", *args], capture_output=True, text=True, timeout=timeout)


def test_written_counts_match_the_summary_and_every_collection_exists(db_url):
    db = _db(db_url("legacy"))
    summary = generate(db, scale=0.05, seed=3)
    assert sorted(db.list_collection_names()) == sorted(LEGACY_COUNTS)
    assert {name: db[name].count_documents({}) for name in LEGACY_COUNTS} == summary.counts
    assert summary.counts["TypingIndicator"] == 0
    for name, refs in summary.anomalies.items():
        for collection, oid in refs:
            assert db[collection].count_documents({"_id": oid}) == 1, name


def test_same_seed_same_database_other_seed_other_database(db_url):
    first, second, other = _db(db_url("seed_a")), _db(db_url("seed_b")), _db(db_url("seed_c"))
    generate(first, scale=0.02, seed=11)
    generate(second, scale=0.02, seed=11)
    generate(other, scale=0.02, seed=12)
    assert _fingerprint(first) == _fingerprint(second)
    assert _fingerprint(first) != _fingerprint(other)


def test_generate_refuses_a_database_that_holds_collections(db_url):
    db = _db(db_url("busy"))
    db["Existing"].insert_one({"x": 1})
    with pytest.raises(OpsError, match="already holds 1 collection"):
        generate(db, scale=0.01)
    assert db.list_collection_names() == ["Existing"]


@pytest.mark.slow
def test_scale_one_writes_the_snapshot_counts(db_url):
    db = _db(db_url("full"))
    started = time.monotonic()
    summary = generate(db, scale=1.0, seed=42)
    elapsed = time.monotonic() - started
    assert elapsed < 90, f"scale 1 took {elapsed:.0f}s"  # ~15 s standalone; room for a loaded CI box
    # collStats: FerretDB's count_documents decodes every document (~20 s for Notification alone);
    # the small-scale test above checks count_documents against the summary.
    assert {name: db.command("collStats", name)["count"] for name in LEGACY_COUNTS} == LEGACY_COUNTS
    assert summary.counts == LEGACY_COUNTS and summary.total == LEGACY_TOTAL


def test_cli_requires_a_database_name_in_the_url(mongo_server):
    result = _run("--url", mongo_server.url, "--scale", "0.01")
    assert result.returncode != 0
    assert "must name a database" in result.stderr


def test_cli_refuses_a_non_empty_database_without_replace_and_replaces_with_it(db_url):
    url = db_url("cli")
    _db(url)["Notification"].insert_one({"kept": True})
    refused = _run("--url", url, "--scale", "0.01")
    assert refused.returncode != 0
    assert "already holds 1 collection" in refused.stderr and "--replace" in refused.stderr
    assert _db(url)["Notification"].count_documents({"kept": True}) == 1

    replaced = _run("--url", url, "--scale", "0.01", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "total" in replaced.stdout
    db = _db(url)
    assert db["Notification"].count_documents({"kept": True}) == 0
    assert len(db.list_collection_names()) == len(LEGACY_COUNTS)


def test_cli_says_clearly_when_nothing_answers():
    port = free_port()  # bound then released: nothing listens there
    started = time.monotonic()
    result = _run("--url", f"mongodb://127.0.0.1:{port}/legacy", timeout=60)
    assert result.returncode != 0
    assert "no MongoDB server answered" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30
