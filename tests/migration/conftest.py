"""A small legacy database (real generator, real server) and helpers to compare database states."""

from __future__ import annotations

import subprocess
import sys

import pymongo
import pytest

from ops.migration.fingerprint import collection_hash, fingerprint
from ops.migration.plan import META_COLLECTION
from rehearsal.legacy_data import generate

SCALE = 0.03


def state(url: str) -> dict[str, str]:
    """Content hash of every collection (the run's own metadata excepted: it holds timestamps)."""
    client = pymongo.MongoClient(url)
    db = client.get_default_database()
    hashes = {name: collection_hash((d["_id"], fingerprint(d)) for d in db[name].find())
              for name in db.list_collection_names() if name != META_COLLECTION}
    client.close()
    return hashes


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ops", *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def legacy(db_url) -> tuple[str, object]:
    """URL of a fresh legacy database and the generator's summary (anomalies, counts)."""
    url = db_url("legacy")
    client = pymongo.MongoClient(url)
    summary = generate(client.get_default_database(), scale=SCALE, seed=7)
    client.close()
    return url, summary


def database(url: str):
    return pymongo.MongoClient(url).get_default_database()
