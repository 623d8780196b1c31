"""Downtime of the switch at two database sizes with the same writes in the window.

    .venv/bin/python bench/switch.py [--scales 1,4] [--writes 40] [--runs 1]

For each scale: the legacy dataset in the embedded database, the old production (sandbox, legacy)
over it, staging (sandbox, Prisma) over its migration, T0 recorded before the migration, then the
same number of writes through the old production's API, and the real `switch` step. Prints the
downtime (probe: first write refused → first write accepted) and the delta's own time. The backup
and restore of migrate-to-staging and the snapshot of capture are not part of the downtime and are
skipped here (the switch's preflight reads their state files, written by this script).
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

from ops.steps.site import Site  # noqa: E402
from ops.steps.writes import WriteStream, conversation_id  # noqa: E402

from ops.backup import PymongoArchiveTool  # noqa: E402
from ops.host import LocalHost  # noqa: E402
from ops.migration.engine import migrate  # noqa: E402
from ops.stack import SandboxEngine  # noqa: E402
from ops.steps.deploy_staging import deploy_stack, deploy_staging  # noqa: E402
from ops.steps.switch import switch  # noqa: E402
from rehearsal.embedded_db import start_server  # noqa: E402
from rehearsal.legacy_data import generate  # noqa: E402


def one_run(server, work: Path, scale: float, writes: int, run: int) -> dict:
    label = f"{scale:g}".replace(".", "_") + f"_{run}"
    prod, migrated = server.db_url(f"prod_{label}"), server.db_url(f"migrated_{label}")
    started = time.monotonic()
    with pymongo.MongoClient(prod) as client:
        generate(client.get_default_database(), scale, 20260125)
        documents = sum(client.get_default_database()[c].estimated_document_count()
                        for c in client.get_default_database().list_collection_names())
    t0 = datetime.now(UTC)
    migrate(prod, migrated, t0=t0)
    host = LocalHost()
    site = Site(host=host, engine=SandboxEngine(host, work / "sandbox"), backup_tool=PymongoArchiveTool(),
                root=str(work / "opt"), production_db_url=prod, staging_legacy_url=prod, staging_db_url=migrated,
                secrets={"JWT_SECRET": "bench-secret"}, echo=lambda m: None, yes=True)
    try:
        deploy_stack(site, site.production, prod, "legacy")
        deploy_staging(site)
        state = f"{site.staging.directory}/state"
        site.write_state(f"{state}/migration.json", {"migration_id": f"bench-{run}", "verify_ok": True,
                                                     "t0": t0.isoformat()})
        site.write_state(f"{state}/validation-staging.json", {"passed": True, "migration_id": f"bench-{run}"})
        host.write_text(f"{site.snapshots}/pre-switch-bench/MANIFEST.md", "bench: no snapshot taken\n")
        setup_s = time.monotonic() - started
        gateway = site.engine.endpoints(site.production).gateway_url
        stream = WriteStream(gateway, conversation_id(prod), ("admin", "meeshy"), limit=writes, interval_s=0).start()
        stream.join(300)
        if stream.errors:
            raise SystemExit(f"writes failed: {stream.errors[:3]}")
        report = switch(site)
    finally:
        site.engine.down(site.staging)
        site.engine.down(site.production)
    return {"documents": documents, "setup_s": setup_s, "writes": len(stream.records),
            "downtime_s": report["downtime_s"], "delta_s": report["delta"]["seconds"],
            "delta": report["delta"]["totals"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,4", help="comma-separated dataset scales")
    parser.add_argument("--writes", type=int, default=40, help="writes in the window, the same at every scale")
    parser.add_argument("--runs", type=int, default=1, help="runs per scale (the median is printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "db")
        try:
            print(f"server: {server.describe()}; {args.writes} writes in the window")
            for scale in (float(s) for s in args.scales.split(",")):
                runs = [one_run(server, Path(tmp) / f"s{scale}-{n}", scale, args.writes, n)
                        for n in range(args.runs)]
                down = statistics.median(r["downtime_s"] for r in runs)
                delta = statistics.median(r["delta_s"] for r in runs)
                each = ", ".join(f"{r['downtime_s']:.2f}" for r in runs)
                print(f"scale {scale:g}: {runs[0]['documents']} documents, {runs[0]['writes']} writes; "
                      f"downtime median {down:.2f} s (runs: {each}); "
                      f"delta {delta:.2f} s {runs[0]['delta']}; set-up {runs[0]['setup_s']:.0f} s; "
                      f"{'within' if down < 30 else 'ABOVE'} the 30 s target")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
