# ruff: noqa: E402  (sys.path is fixed before the imports, see below)
"""The p50/p95 of each write of the rehearsal's write stream (rehearsal/write_stream.py: send, reply,
reaction, edit, delete, new user) on the old production's sandbox (the legacy shape, under /api) over
the legacy dataset at each scale, one write at a time; ``--busy N`` runs N busy processes beside it
(the staging suite keeps both cores busy during the rehearsal). The stream's client gives up at 30 s.

    .venv/bin/python bench/legacy_writes.py [--scales 1,4] [--rounds 30] [--busy 0] [--db-rung ferretdb]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path and its name would shadow the
# `sandbox` package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import pymongo
import requests

from ops.config import Secret
from rehearsal.embedded_db import start_server
from rehearsal.legacy_data import generate
from rehearsal.run import STREAM_ACCOUNTS
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER, by_username
from rehearsal.write_stream import StreamWriter, register
from sandbox import stack
from sandbox.gateway.config import api_prefix

API = api_prefix("legacy")
READY_DEADLINE_S = 300.0


def busy() -> None:
    while True:
        pass


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]


def rounds_of_writes(base: str, conversation: str, rounds: int) -> dict[str, list[float]]:
    """Each round: a message, a reply to it, a reaction, an edit of the message, a delete of the
    reply, a new user; the authors alternate between the stream's accounts."""
    writers = [StreamWriter(base, u, Secret(by_username(u).password), API) for u in STREAM_ACCOUNTS]
    for writer in writers:
        writer.login()
    times: dict[str, list[float]] = {}

    def timed(kind: str, write: Callable[..., object], *args: object):
        started = time.perf_counter()
        out = write(*args)
        times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        return out

    for n in range(rounds):
        w = writers[n % len(writers)]
        message = timed("message", w.send, conversation, f"[bench {n}] message")
        reply = timed("reply", w.send, conversation, f"[bench {n}] reply", message)
        timed("reaction", w.react, message, "👍")
        timed("edit", w.edit, message, f"[bench {n}] edited")
        timed("delete", w.delete, reply)
        timed("user", register, base, f"Pw-{uuid.uuid4().hex}", API)
    return times


def bench_scale(scale: float, args: argparse.Namespace, tmp: Path) -> None:
    with start_server(tmp / f"db-{scale:g}", kind=args.db_rung) as server:
        db = pymongo.MongoClient(server.url)["legacy"]
        summary = generate(db, scale=scale, seed=42)
        conversation = str(db["Conversation"].find_one({"identifier": TEST_CONVERSATION_IDENTIFIER})["_id"])
        state = tmp / f"state-{scale:g}"
        info = stack.up("bench-legacy", server.db_url("legacy"), data="legacy", state_dir=state,
                        login_rate="100000/60", global_rate="off", with_web=False)
        competitors = [multiprocessing.Process(target=busy, daemon=True) for _ in range(args.busy)]
        try:
            deadline = time.monotonic() + READY_DEADLINE_S
            while not requests.get(f"{info.gateway_url}/health", timeout=10).json()["sandbox"]["mirror_ready"]:
                if time.monotonic() > deadline:
                    raise SystemExit(f"the sandbox did not read its collections in {READY_DEADLINE_S:.0f} s")
                time.sleep(0.1)
            for process in competitors:
                process.start()
            times = rounds_of_writes(info.gateway_url, conversation, args.rounds)
        finally:
            for process in competitors:
                process.terminate()
            stack.down("bench-legacy", state)
    print(f"\n== scale {scale:g} on {server.describe()}: {summary.total} legacy documents; "
          f"{args.rounds} rounds, {args.busy} busy processes beside")
    print(f"{'write':<10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, values in times.items():
        print(f"{kind:<10} {statistics.median(values):8.1f} {p95(values):8.1f} {max(values):8.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="1,4", help="comma-separated scales of the legacy dataset")
    p.add_argument("--rounds", type=int, default=30, help="rounds of the six writes")
    p.add_argument("--busy", type=int, default=0, help="busy processes running beside the writes")
    p.add_argument("--db-rung", default=None, help="a rung of rehearsal/embedded_db.py (default: the ladder's)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="legacy-writes-bench-") as tmp:
        for scale in (float(s) for s in args.scales.split(",")):
            bench_scale(scale, args, Path(tmp))


if __name__ == "__main__":
    main()
