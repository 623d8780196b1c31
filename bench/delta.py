"""The delta's wall time for one fixed window of changes, at several scales, on the embedded database.

    .venv/bin/python bench/delta.py [--scales 1,4] [--window 100] [--runs 1]

At each scale: the legacy data is generated (seed 42), migrated with T0 = now, then the same window
of writes lands on the source (tests/migration/changes.py: --window hard deletes of messages that
carry translations, reactions or mentions, as many deletes of reactions, new messages each with a
reaction, and edited messages), as production receives them before the switch freezes it. The
delta (timestamps mode, the switch's; the schema parsed again, as the switch's process does) then
runs --runs times (on copies of the migrated target, the last on the target itself). Prints the
delta's wall time per scale (median), what it changed, and the ratio of each scale's time to the
first's: the work finding the changes grows with the database (FerretDB scans for every filter but
_id equality), the work applying them does not.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.migration.delta import apply_delta  # noqa: E402
from ops.migration.engine import migrate  # noqa: E402
from ops.migration.schema import forget_parsed  # noqa: E402
from rehearsal.embedded_db import start_server  # noqa: E402
from rehearsal.legacy_data import generate  # noqa: E402
from tests.migration.changes import write_window  # noqa: E402
from tests.migration.conftest import clone  # noqa: E402


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
            written = write_window(client[f"legacy_{tag}"], datetime.now(UTC).replace(tzinfo=None),
                                   inserts=args.window, updates=args.window, deletes=args.window)
            print(f"scale {scale:g}: {summary.total} legacy documents (generated in {generated:.1f} s, migrated in "
                  f"{migrated:.1f} s); window written: {written}", flush=True)
            times, totals = [], {}
            for run in range(args.runs):
                target = base
                if run < args.runs - 1:  # the last run uses the migrated target itself: no copy to make
                    target = server.db_url(f"target_{tag}_{run}")
                    clone(base, target)
                forget_parsed()
                began = time.perf_counter()
                totals = apply_delta(source, target).totals
                times.append(time.perf_counter() - began)
                print(f"  delta run {run + 1}: {times[-1]:.2f} s", flush=True)
                if target != base:
                    client.drop_database(f"target_{tag}_{run}")
            rows.append((scale, summary.total, statistics.median(times), times, totals))
            client.drop_database(f"legacy_{tag}")
            client.drop_database(f"base_{tag}")
        first = rows[0][2]
        for scale, total, median, times, totals in rows:
            print(f"delta at scale {scale:g} ({total} documents): median {median:6.2f} s   runs: "
                  + ", ".join(f"{t:.2f}" for t in times) + f"   ratio to scale {rows[0][0]:g}: {median / first:.2f}"
                  + f"   changed: {totals}")


if __name__ == "__main__":
    main()
