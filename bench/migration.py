"""Migration figures at a given scale, measured in one run on the embedded database.

    .venv/bin/python bench/migration.py [--scale 1.0] [--runs 3] [--schema FILE]

Prints the wall time of migrate (the parse of the schema by Prisma's parser included: every run
parses again), of verify, and of a raw insert_many of the same target documents into an empty
database, the ratio migrate / raw copy, and the parse time on its own line (medians over --runs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pymongo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.migration.engine import migrate  # noqa: E402
from ops.migration.plan import INTERNAL  # noqa: E402
from ops.migration.schema import DEFAULT_SCHEMA_PATH, forget_parsed  # noqa: E402
from ops.migration.verify import verify  # noqa: E402
from rehearsal.embedded_db import start_server  # noqa: E402
from rehearsal.legacy_data import generate  # noqa: E402


def raw_copy(client: pymongo.MongoClient, documents: dict[str, list[dict]], name: str) -> float:
    client.drop_database(name)
    began = time.perf_counter()
    for collection, docs in documents.items():
        for i in range(0, len(docs), 5000):
            client[name][collection].insert_many(docs[i:i + 5000], ordered=False)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA_PATH, help="schema.prisma of the target")
    args = parser.parse_args()
    with start_server(Path(tempfile.mkdtemp(prefix="bench-migration-"))) as server:
        client = pymongo.MongoClient(server.url)
        began = time.perf_counter()
        summary = generate(client["legacy"], scale=args.scale, seed=42)
        print(f"server: {server.describe()}; scale {args.scale}: {summary.total} legacy documents "
              f"written in {time.perf_counter() - began:.1f} s")
        times: dict[str, list[float]] = {"migrate": [], "verify": [], "raw": [], "parse": []}
        for run in range(args.runs):
            target = f"target{run}"
            forget_parsed()
            began = time.perf_counter()
            report = migrate(server.db_url("legacy"), server.db_url(target), schema_path=args.schema)
            times["migrate"].append(time.perf_counter() - began)
            times["parse"].append(report["schema"]["parse_seconds"])
            began = time.perf_counter()
            checked = verify(server.db_url("legacy"), server.db_url(target), schema_path=args.schema)
            times["verify"].append(time.perf_counter() - began)
            assert report["ok"] and checked["ok"], (report["failures"], checked["failures"])
            documents = {c: list(client[target][c].find()) for c in client[target].list_collection_names()
                         if c not in INTERNAL}
            times["raw"].append(raw_copy(client, documents, f"raw{run}"))
            client.drop_database(target)
            client.drop_database(f"raw{run}")
        med = {k: statistics.median(v) for k, v in times.items()}
        written = report["totals"]["migrated"] + report["totals"]["copied"]
        print(f"documents: source {report['totals']['source']}, migrated {report['totals']['migrated']}, "
              f"rejected {report['totals']['rejected']}, copied {report['totals']['copied']}, "
              f"dropped {report['totals']['dropped']} ({written} written)")
        for key, label in (("migrate", "migrate"), ("verify", "verify"), ("raw", "raw insert_many")):
            print(f"{label:<16} median {med[key]:6.2f} s   runs: " + ", ".join(f"{t:.2f}" for t in times[key]))
        print(f"schema parse     median {med['parse']:6.2f} s   runs: " + ", ".join(f"{t:.2f}" for t in times["parse"])
              + f"   (Prisma's parser, node included, in migrate; {report['schema']['models']} models)")
        print(f"migrate + verify median {med['migrate'] + med['verify']:.2f} s (target < 60 s)")
        print(f"ratio migrate / raw copy: {med['migrate'] / med['raw']:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
