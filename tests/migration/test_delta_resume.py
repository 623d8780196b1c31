"""A delta killed at any point and run again ends in the state of an uninterrupted delta (timestamps
mode, the switch's): no translation, reaction or mention left pointing at a deleted message."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pymongo
import pytest

from ops.migration.delta import apply_delta
from ops.migration.engine import migrate
from ops.migration.plan import META_COLLECTION
from ops.migration.verify import verify
from rehearsal.legacy_data import generate
from tests.migration.changes import write_window
from tests.migration.conftest import clone, database, state
from tests.migration.killer import on_writes

POINTS = (0.0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0)  # where in the delta's writes the kill lands


@pytest.fixture(scope="module")
def window(mongo_server):
    """The source after a window of changes, the target as migrated before it, the state an
    uninterrupted delta gives, and how many writes that delta makes."""
    client = pymongo.MongoClient(mongo_server.url)
    names = ("dr_legacy", "dr_base", "dr_reference")
    for name in names:
        client.drop_database(name)
    source, base, reference = (mongo_server.db_url(n) for n in names)
    generate(client["dr_legacy"], scale=0.03, seed=7)
    migrate(source, base, t0=datetime.now(UTC).replace(tzinfo=None))
    write_window(database(source), datetime.now(UTC).replace(tzinfo=None), inserts=3, updates=3, deletes=3)
    clone(base, reference)
    with on_writes(lambda n: None) as count:
        apply_delta(source, reference)
    yield source, base, state(reference), count[0]
    for name in names:
        client.drop_database(name)
    client.close()


@pytest.mark.parametrize("point", POINTS)
def test_a_delta_killed_then_run_again_equals_an_uninterrupted_one(window, db_url, point):
    source, base, expected, writes = window
    target = db_url("killed")
    clone(base, target)
    kill_at = max(1, round(point * writes))
    killed = subprocess.run([sys.executable, "-m", "tests.migration.killer", str(kill_at), "delta",
                             "--source", source, "--target", target], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, f"the delta ended before its write {kill_at} of {writes}: {killed.stderr}"
    apply_delta(source, target)
    assert state(target) == expected
    assert verify(source, target).ok
    assert "delta_journal" not in database(target)[META_COLLECTION].find_one({"_id": "run"})
