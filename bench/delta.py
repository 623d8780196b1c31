"""The delta's wall time for one fixed window of changes, at several scales, on the embedded database.

    .venv/bin/python bench/delta.py [--scales 1,4] [--window 100] [--runs 1]

At each scale: the legacy data is generated (seed 42) and migrated; the server is given an oplog, as
production's replica set has; then the same window of writes lands on the source
(tests/migration/changes.py: --window hard deletes of messages that carry translations, reactions or
mentions, as many deletes of reactions, new messages each with a reaction, and edited messages), as
production receives them between the switch's catch-up and its freeze. The delta since the window
began (timestamps mode, the switch's; the schema parsed again, as the switch's process does) runs
--runs times each way (on copies of the migrated target, made before the oplog): finding the changes
through the oplog, and by scans (the oplog dropped). Prints the wall times per scale (median), what
they changed, and the ratio of each scale's time to the first's: scans grow with the database
(FerretDB scans for every filter but _id equality), the oplog's reading and applying the changes do
not.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pymongo
from bson import Timestamp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.migration.delta import apply_delta  # noqa: E402
from ops.migration.engine import migrate  # noqa: E402
from ops.migration.oplog import OPLOG_COLLECTION, OPLOG_DATABASE  # noqa: E402
from ops.migration.schema import forget_parsed  # noqa: E402
from rehearsal.embedded_db import start_server  # noqa: E402
from rehearsal.legacy_data import generate  # noqa: E402
from tests.migration.changes import write_window  # noqa: E402
from tests.migration.conftest import clone  # noqa: E402

OPLOG_BYTES = 990 * 1024**2
WAYS = ("oplog", "scans")  # in this order: the oplog is dropped for the scans


def give_oplog(client: pymongo.MongoClient) -> None:
    """What `rs.initiate` makes: the oplog, with its first entry (FerretDB records writes in it)."""
    local = client[OPLOG_DATABASE]
    local.drop_collection(OPLOG_COLLECTION)
    local.create_collection(OPLOG_COLLECTION, capped=True, size=OPLOG_BYTES)
    local[OPLOG_COLLECTION].insert_one({"op": "n", "ns": "", "o": {"msg": "initiating set"},
                                         "ts": Timestamp(int(time.time()), 1), "t": 1, "v": 2})
    time.sleep(1.1)  # the window starts a second after the oplog's first entry


def run_delta(client: pymongo.MongoClient, way: str, source: str, target: str, since: datetime):
    """One delta since ``since``; for "scans" without the oplog (FerretDB renames no collection of
    ``local``, and stores no entry of an update again: its keys start with "$"), so it comes last."""
    if way == "scans":
        client[OPLOG_DATABASE].drop_collection(OPLOG_COLLECTION)
    forget_parsed()
    began = time.perf_counter()
    report = apply_delta(source, target, since=since)
    return time.perf_counter() - began, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,4", help="comma-separated scales (1 = the 125,635-document snapshot)")
    parser.add_argument("--window", type=int, default=100, help="inserts, updates and deletes of each kind")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    rows = []
    with start_server(Path(tempfile.mkdtemp(prefix="bench-delta-"))) as server:
        client = pymongo.MongoClient(server.url)
        print(f"server: {server.describe()}; window: {args.window} of each kind of write")
        for scale in scales:
            tag = str(scale).replace(".", "_")
            source, base = server.db_url(f"legacy_{tag}"), server.db_url(f"base_{tag}")
            began = time.perf_counter()
            summary = generate(client[f"legacy_{tag}"], scale=scale, seed=42)
            generated = time.perf_counter() - began
            began = time.perf_counter()
            migrate(source, base, t0=datetime.now(UTC).replace(tzinfo=None)).ensure_ok()
            migrated = time.perf_counter() - began
            targets = {}  # copies of the migrated target, made before the oplog: it records the window only
            for way in WAYS:
                for run in range(args.runs):
                    targets[way, run] = server.db_url(f"target_{tag}_{way}_{run}")
                    clone(base, targets[way, run])
            give_oplog(client)
            since = datetime.now(UTC).replace(tzinfo=None)
            written = write_window(client[f"legacy_{tag}"], since, inserts=args.window, updates=args.window,
                                   deletes=args.window)
            print(f"scale {scale:g}: {summary.total} legacy documents (generated in {generated:.1f} s, migrated in "
                  f"{migrated:.1f} s); window written: {written}", flush=True)
            for way in WAYS:
                times, report = [], None
                for run in range(args.runs):
                    seconds, report = run_delta(client, way, source, targets[way, run], since)
                    times.append(seconds)
                    print(f"  delta by {way}, run {run + 1}: {seconds:.2f} s (changes found by {report.found_by})",
                          flush=True)
                    client.drop_database(f"target_{tag}_{way}_{run}")
                rows.append((way, scale, summary.total, statistics.median(times), times, report.totals))
            client.drop_database(f"legacy_{tag}")
            client.drop_database(f"base_{tag}")
        for way in WAYS:
            mine = [row for row in rows if row[0] == way]
            first = mine[0][3]
            for _, scale, total, median, times, totals in mine:
                print(f"delta by {way} at scale {scale:g} ({total} documents): median {median:6.2f} s   runs: "
                      + ", ".join(f"{t:.2f}" for t in times) + f"   ratio to scale {mine[0][1]:g}: "
                      f"{median / first:.2f}   changed: {totals}")

if __name__ == "__main__":
    main()
