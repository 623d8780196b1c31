"""A run killed at any point and started again ends in the state of an uninterrupted run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pymongo
import pytest

from ops.migration.engine import migrate
from ops.migration.verify import verify
from rehearsal.legacy_data import generate
from tests.migration.conftest import database, state


@pytest.fixture(scope="module")
def big_legacy(mongo_server):
    """Large enough that a run lasts a few seconds, so it can be killed at chosen points."""
    url = mongo_server.db_url("resume_legacy")
    client = pymongo.MongoClient(url)
    client.drop_database("resume_legacy")
    generate(client.get_default_database(), scale=0.3, seed=11)
    reference = mongo_server.db_url("resume_reference")
    client.drop_database("resume_reference")
    migrate(url, reference)
    yield url, state(reference)
    client.drop_database("resume_legacy")
    client.drop_database("resume_reference")
    client.close()


def _reached(target_url: str, point: str) -> bool:
    db = database(target_url)
    names = set(db.list_collection_names())
    if point == "started":
        return "_meeshy_migration" in names
    collection, _, minimum = point.partition(">")
    return collection in names and db[collection].estimated_document_count() > int(minimum)


@pytest.mark.parametrize("point", ["started", "User>0", "Message>200", "MessageStatus>0"])
def test_killed_then_restarted_equals_uninterrupted(big_legacy, db_url, point):
    source, expected = big_legacy
    target = db_url("resumed")
    process = subprocess.Popen([sys.executable, "-m", "ops", "migrate", "--source", source, "--target", target],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _reached(target, point) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # poll interval
    assert process.poll() is None, f"the run ended before reaching {point}; make the dataset larger"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert state(target) != expected  # really interrupted
    assert migrate(source, target).ok
    assert state(target) == expected
    assert verify(source, target).ok
