"""Wall time of the staging suite, serially and with `-n 2`, and its real-time latency figures.

Builds what an operator points the suite at (the legacy dataset migrated by the engine, a sandbox
stack over it), then runs `pytest -m staging` twice and prints the figures.

    .venv/bin/python bench/suites.py [--scale 0.02]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pymongo

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds a sandbox.py of its own: the project root must come first on the path.
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "suites_selftest")]

from harness import env_file_text, fake_docker_path, restore_uploads, run_suite  # noqa: E402

from rehearsal.embedded_db import start_server  # noqa: E402
from sandbox import stack  # noqa: E402


def latency(allure_dir: Path) -> dict | None:
    for path in allure_dir.glob("*-result.json"):
        for attachment in json.loads(path.read_text()).get("attachments", []):
            if attachment["name"] == "message:new latency (ms)":
                return json.loads((allure_dir / attachment["source"]).read_text())
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.02, help="legacy dataset scale")
    args = parser.parse_args()
    from ops.migration.engine import migrate
    from ops.migration.verify import verify
    from rehearsal.legacy_data import generate

    with tempfile.TemporaryDirectory(prefix="bench-suites-") as tmp:
        work = Path(tmp)
        server = start_server(work / "db", env_var="MEESHY_TEST_MONGODB_URL")
        try:
            legacy, target = server.db_url("bench_legacy"), server.db_url("bench_target")
            with pymongo.MongoClient(legacy) as client:
                generate(client.get_default_database(), scale=args.scale, seed=42)
            reports = {n: work / f"{n}-report.json" for n in ("migration", "dry_run", "verify")}
            migrate(legacy, target, dry_run=True, report_path=reports["dry_run"])
            migrate(legacy, target, report_path=reports["migration"])
            verify(legacy, target, report_path=reports["verify"])
            rows = []
            for label, extra in (("serial", ()), ("-n 2", ("-n", "2"))):
                info = stack.up(f"bench{len(rows)}", target, data="prisma", state_dir=work / "sandbox")
                restore_uploads(target, Path(info.uploads_dir))
                try:
                    env_file = work / f".env.{len(rows)}"
                    env_file.write_text(env_file_text(info, target, reports))
                    started = time.monotonic()
                    run = run_suite(
                        env_file,
                        "staging",
                        work / f"run{len(rows)}",
                        fake_docker_path(work, Path(info.stack_dir) / "stack.json"),
                        extra_args=extra,
                    )
                    wall = time.monotonic() - started
                finally:
                    stack.down(f"bench{len(rows)}", work / "sandbox")
                counts = {o: len(run.with_outcome(o)) for o in ("passed", "failed", "error", "skipped")}
                counts["not passed"] = sorted(run.failed)
                rows.append((label, wall, counts, latency(run.allure_dir)))
        finally:
            server.stop()
    print(f"database: {server.describe()}, legacy scale {args.scale}")
    print(f"{'staging suite':14} {'wall s':>8}  outcomes")
    for label, wall, counts, _ in rows:
        print(f"{label:14} {wall:8.1f}  {counts}")
    for label, _, _, figures in rows:
        print(f"message:new latency ({label}): {figures}")


if __name__ == "__main__":
    main()
