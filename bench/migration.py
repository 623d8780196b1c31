"""Migration figures at each scale, measured in one run on the embedded database.

    .venv/bin/python bench/migration.py [--scales 1,4] [--runs 3] [--schema FILE] [--db-rung RUNG]

Per scale (a fresh database, `rehearsal.legacy_data` at that scale), medians over --runs of:
- migrate (the parse of the schema by Prisma's parser included: every run parses again) and verify;
- the read+write copy, the physical floor of a migration on this server: every source document of
  the collections the migration carries (migrated or copied, not dropped) read and written unchanged
  into an empty database, in the engine's batches;
- the insert-only copy: the migrated documents, already in memory, inserted into an empty database;
and the ratios migrate / read+write copy (target <= 1.5) and migrate / insert-only copy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pymongo
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.migration.engine import migrate  # noqa: E402
from ops.migration.plan import DROP, INTERNAL  # noqa: E402
from ops.migration.schema import DEFAULT_SCHEMA_PATH, forget_parsed  # noqa: E402
from ops.migration.verify import verify  # noqa: E402
from rehearsal.embedded_db import start_server  # noqa: E402
from rehearsal.legacy_data import generate  # noqa: E402

BATCH = 5000  # as ops/migration/writer.py
RAW = CodecOptions(document_class=RawBSONDocument)
TARGET_RATIO = 1.5


def read_write_copy(client: pymongo.MongoClient, source: str, collections: list[str], name: str) -> float:
    """Read every document of ``collections`` and write it unchanged into database ``name``."""
    client.drop_database(name)
    began = time.perf_counter()
    src = client.get_database(source, codec_options=RAW)
    dst = client.get_database(name, codec_options=RAW)
    for collection in collections:
        batch = []
        for doc in src[collection].find({}, batch_size=BATCH):
            batch.append(doc)
            if len(batch) == BATCH:
                dst[collection].insert_many(batch, ordered=False)
                batch = []
        if batch:
            dst[collection].insert_many(batch, ordered=False)
    return time.perf_counter() - began


def insert_only_copy(client: pymongo.MongoClient, documents: dict[str, list[dict]], name: str) -> float:
    client.drop_database(name)
    began = time.perf_counter()
    for collection, docs in documents.items():
        for i in range(0, len(docs), BATCH):
            client[name][collection].insert_many(docs[i:i + BATCH], ordered=False)
    return time.perf_counter() - began


def bench_scale(scale: float, args: argparse.Namespace) -> None:
    with start_server(Path(tempfile.mkdtemp(prefix="bench-migration-")), kind=args.db_rung) as server:
        client = pymongo.MongoClient(server.url)
        began = time.perf_counter()
        summary = generate(client["legacy"], scale=scale, seed=42)
        print(f"\n== server: {server.describe()}; scale {scale:g}: {summary.total} legacy documents "
              f"written in {time.perf_counter() - began:.1f} s")
        times: dict[str, list[float]] = {"migrate": [], "verify": [], "read+write": [], "insert-only": [],
                                         "parse": []}
        for run in range(args.runs):
            target = f"target{run}"
            forget_parsed()
            began = time.perf_counter()
            report = migrate(server.db_url("legacy"), server.db_url(target), schema_path=args.schema)
            times["migrate"].append(time.perf_counter() - began)
            times["parse"].append(report.schema["parse_seconds"])
            began = time.perf_counter()
            verify(server.db_url("legacy"), server.db_url(target), schema_path=args.schema)  # raises if it fails
            times["verify"].append(time.perf_counter() - began)
            report.ensure_ok()
            carried = [name for name, row in report.collections.items() if row.get("fate") != DROP]
            times["read+write"].append(read_write_copy(client, "legacy", carried, f"raw{run}"))
            client.drop_database(f"raw{run}")
            documents = {c: list(client[target][c].find()) for c in client[target].list_collection_names()
                         if c not in INTERNAL}
            times["insert-only"].append(insert_only_copy(client, documents, f"raw{run}"))
            client.drop_database(target)
            client.drop_database(f"raw{run}")
        med = {k: statistics.median(v) for k, v in times.items()}
        totals = report.totals
        print(f"documents: source {totals['source']}, migrated {totals['migrated']}, rejected {totals['rejected']}, "
              f"copied {totals['copied']}, dropped {totals['dropped']} ({totals['migrated'] + totals['copied']} "
              f"written); the read+write copy carries {len(carried)} collections")
        for key in ("migrate", "verify", "read+write", "insert-only", "parse"):
            label = {"read+write": "read+write copy", "insert-only": "insert-only copy",
                     "parse": "schema parse"}.get(key, key)
            print(f"{label:<17} median {med[key]:6.2f} s   runs: " + ", ".join(f"{t:.2f}" for t in times[key]))
        print(f"migrate + verify  median {med['migrate'] + med['verify']:.2f} s")
        ratio = med["migrate"] / med["read+write"]
        print(f"ratio migrate / read+write copy: {ratio:.2f} (target <= {TARGET_RATIO}: "
              f"{'OK' if ratio <= TARGET_RATIO else 'OVER TARGET'}); "
              f"migrate / insert-only copy: {med['migrate'] / med['insert-only']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,4", help="comma-separated scales of the real dataset")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA_PATH, help="schema.prisma of the target")
    parser.add_argument("--db-rung", default=None, help="a rung of rehearsal/embedded_db.py (default: the ladder's)")
    args = parser.parse_args()
    for scale in (float(s) for s in args.scales.split(",")):
        bench_scale(scale, args)


if __name__ == "__main__":
    main()
