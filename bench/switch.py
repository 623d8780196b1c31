"""Downtime of the switch on the replica, at two database sizes with the same writes in the window.

    .venv/bin/python bench/switch.py [--scales 1,4] [--writes 40]

For each scale: a fresh replica (old production on the legacy dataset of that scale), deploy-staging,
migrate-to-staging, capture (the real steps over SSH), the staging suite's pass recorded as `validate`
records it, then the same number of writes through the old production's API after T0, and the real
`switch`: real containers stopped and recreated. Prints the downtime (probe: first write refused →
first write accepted), each stage's seconds, the frozen delta's own time, the copy and catch-up delta
done before the freeze, and the ratio of the downtimes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.steps.capture import capture  # noqa: E402
from ops.steps.deploy_staging import deploy_staging  # noqa: E402
from ops.steps.migrate_to_staging import migrate_to_staging  # noqa: E402
from ops.steps.switch import switch  # noqa: E402
from rehearsal.replica import server_replica  # noqa: E402
from rehearsal.run import STREAM_ACCOUNTS  # noqa: E402
from rehearsal.write_stream import WriteStream  # noqa: E402


def one_scale(scale: float, writes: int) -> dict:
    server_replica.down(echo=lambda _m: None)
    started = time.monotonic()
    replica = server_replica.up(scale, echo=lambda _m: None)
    site = replica.site(echo=lambda _m: None, yes=True)
    try:
        deploy_staging(site)
        migration = migrate_to_staging(site)
        site.write_state(f"{site.staging.state_dir}/validation-staging.json",
                         {"passed": True, "migration_id": migration.migration_id})
        capture(site)
        setup_s = time.monotonic() - started
        stream = WriteStream(site.gateway_urls["production"], site.api_prefixes["old"], site.probe_conversation,
                             STREAM_ACCOUNTS, limit=writes, interval_s=0.05).start()
        stream.join(300)
        if stream.errors:
            raise SystemExit(f"writes failed: {stream.errors[:3]}")
        report = switch(site)
    finally:
        site.host.close()
        server_replica.down(echo=lambda _m: None)
    return {"documents": migration.documents, "setup_s": setup_s, "writes": len(stream.records),
            "downtime_s": report.downtime_s, "stages": report.seconds, "delta_s": report.delta["seconds"],
            "delta": report.delta["totals"], "prepare_s": report.prepare["seconds"],
            "catch_up_s": report.catch_up["seconds"], "found_by": report.delta["found_by"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,4", help="comma-separated dataset scales")
    parser.add_argument("--writes", type=int, default=40, help="writes in the window, the same at every scale")
    args = parser.parse_args()
    results = {}
    for scale in (float(s) for s in args.scales.split(",")):
        r = results[scale] = one_scale(scale, args.writes)
        print(f"scale {scale:g}: {r['documents']} documents, {r['writes']} writes after T0; downtime "
              f"{r['downtime_s']:.2f} s (stages {r['stages']}); delta {r['delta_s']:.2f} s {r['delta']}, changes "
              f"found by {r['found_by']}; "
              f"before the freeze: copy {r['prepare_s']:.1f} s, catch-up delta {r['catch_up_s']:.1f} s; "
              f"set-up {r['setup_s']:.0f} s", flush=True)
    scales = sorted(results)
    if len(scales) > 1:
        first, last = results[scales[0]], results[scales[-1]]
        print(f"downtime ratio scale {scales[-1]:g} / scale {scales[0]:g}: "
              f"{last['downtime_s'] / first['downtime_s']:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
