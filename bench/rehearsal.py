"""The rehearsal's phases on the replica, timed: one full `rehearse --rollback-drill` per scale.

    .venv/bin/python bench/rehearsal.py [--scales 1] [--report-dir reports/bench-rehearsal]

Prints each phase's seconds, the total, the downtime and the verdict per scale (the summary JSON of
each run stays in the report directory).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rehearsal.run import rehearse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1", help="comma-separated dataset scales")
    parser.add_argument("--report-dir", type=Path, default=Path("reports/bench-rehearsal"))
    args = parser.parse_args()
    for scale in (float(s) for s in args.scales.split(",")):
        summary = rehearse(scale=scale, rollback_drill=True, report_dir=args.report_dir / f"scale-{scale:g}",
                           echo=lambda _m: None)
        print(f"scale {scale:g}: {'PASSED' if summary.ok else 'FAILED'}; downtime "
              f"{summary.figures.get('downtime (s)')} s; {summary.documents.get('legacy')} legacy documents")
        for phase in summary.phases:
            print(f"  {phase.seconds:8.1f} s  {'ok' if phase.ok else 'FAILED'}  {phase.name}")
        print(f"  {sum(p.seconds for p in summary.phases):8.1f} s  total", flush=True)


if __name__ == "__main__":
    main()
