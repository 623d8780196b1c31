# ruff: noqa: E402  (sys.path is fixed before the imports, see below)
"""Sandbox figures on the real dataset, migrated, at each scale: start-up, memory, and the p50/p95 of
every route the suites, the switch's probe and its smoke check use (targets: p95 < 100 ms at scale 1,
< 250 ms at scale 4), then message:send → message:new between two accounts (target p95 < 50 ms).

    .venv/bin/python bench/sandbox.py [--scales 1,4] [--requests 50] [--messages 200] [--db-rung ferretdb]

Each scale gets a fresh embedded database: `rehearsal.legacy_data` at that scale, migrated, as
tests/sandbox/test_real_dataset.py does. Routes are timed one request at a time from this process.
"""

from __future__ import annotations

import argparse
import asyncio
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
import socketio

from ops.migration.engine import migrate
from rehearsal.embedded_db import start_server
from rehearsal.legacy_data import generate
from rehearsal.seed_accounts import TEST_COMMUNITY_IDENTIFIER, TEST_CONVERSATION_IDENTIFIER, by_username
from sandbox import stack

DEADLINE_S = 10.0
TARGETS_MS = {1.0: 100.0, 4.0: 250.0}


def login(base: str, username: str) -> str:
    r = requests.post(f"{base}/api/v1/auth/login", timeout=DEADLINE_S,
                      json={"username": username, "password": by_username(username).password})
    r.raise_for_status()
    return r.json()["data"]["token"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(call: Callable[[], requests.Response], count: int) -> tuple[list[float], set[int]]:
    out, statuses = [], set()
    for _ in range(count):
        started = time.perf_counter()
        response = call()
        out.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    return out, statuses


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] if len(values) > 1 else values[0]


def routes(base: str, token: str, conversation: str, community: str, message: str) -> dict[str, Callable]:
    auth = {"Authorization": f"Bearer {token}"}
    api = f"{base}/api/v1"

    def get(path: str) -> Callable[[], requests.Response]:
        return lambda: requests.get(api + path if path.startswith("/") else path, headers=auth, timeout=DEADLINE_S)

    return {
        "GET /health": lambda: requests.get(f"{base}/health", timeout=DEADLINE_S),
        "POST /auth/login": lambda: requests.post(
            f"{api}/auth/login", timeout=DEADLINE_S,
            json={"username": "bob_en", "password": by_username("bob_en").password}),
        "GET /auth/me": get("/auth/me"),
        "GET /conversations?limit=50": get("/conversations?limit=50&offset=0"),
        "GET /conversations/:id": get(f"/conversations/{conversation}"),
        "GET /conversations/:id/messages?limit=20": get(f"/conversations/{conversation}/messages?limit=20"),
        "GET /conversations/:id/messages?limit=50": get(f"/conversations/{conversation}/messages?limit=50"),
        "POST /conversations/:id/messages": lambda: requests.post(
            f"{api}/conversations/{conversation}/messages", headers=auth, timeout=DEADLINE_S,
            json={"content": f"bench {uuid.uuid4().hex[:8]}", "originalLanguage": "fr"}),
        "GET /messages/:id": get(f"/messages/{message}"),
        "GET /reactions/:messageId": get(f"/reactions/{message}"),
        "GET /communities": get("/communities"),
        "GET /communities/:id": get(f"/communities/{community}"),
        "GET /communities/:id/members?limit=100": get(f"/communities/{community}/members?limit=100"),
        "GET /communities/:id/conversations": get(f"/communities/{community}/conversations"),
    }


async def connect(base: str, jwt: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    authenticated = asyncio.get_running_loop().create_future()
    client.on("authenticated", lambda data: authenticated.done() or authenticated.set_result(data))
    await client.connect(base, socketio_path="socket.io", auth={"authToken": jwt}, transports=["websocket"],
                         wait_timeout=DEADLINE_S)
    result = await asyncio.wait_for(authenticated, DEADLINE_S)
    if not result.get("success"):
        raise RuntimeError(f"socket authentication failed: {result}")
    return client


async def latencies(base: str, sender_jwt: str, receiver_jwt: str, count: int) -> list[float]:
    sender, receiver = await connect(base, sender_jwt), await connect(base, receiver_jwt)
    pending: dict[str, asyncio.Future] = {}
    receiver.on("message:new",
                lambda m: (f := pending.get(m.get("content"))) and not f.done() and f.set_result(time.perf_counter()))
    out = []
    try:
        for i in range(count):
            content = f"bench {i}"
            arrived = asyncio.get_running_loop().create_future()
            pending[content] = arrived
            sent = time.perf_counter()
            await sender.emit("message:send", {"conversationId": TEST_CONVERSATION_IDENTIFIER, "content": content,
                                               "originalLanguage": "fr"})
            out.append((await asyncio.wait_for(arrived, DEADLINE_S) - sent) * 1000)
            del pending[content]
    finally:
        await sender.disconnect()
        await receiver.disconnect()
    return out


def bench_scale(scale: float, args: argparse.Namespace, tmp: Path) -> None:
    with start_server(tmp / f"db-{scale:g}", kind=args.db_rung) as server:
        client = pymongo.MongoClient(server.url)
        began = time.perf_counter()
        summary = generate(client["legacy"], scale=scale, seed=42)
        migrate(server.db_url("legacy"), server.db_url("target"))
        print(f"\n== scale {scale:g} on {server.describe()}: {summary.total} legacy documents generated and "
              f"migrated in {time.perf_counter() - began:.0f} s")
        bench_stack(server.db_url("target"), scale, args, tmp)


def bench_stack(db_url: str, scale: float, args: argparse.Namespace, tmp: Path) -> None:
    state = tmp / f"state-{scale:g}"
    info = stack.up("bench", db_url, state_dir=state, login_rate="100000/60", global_rate="off",
                    with_web=False)
    try:
        gateway_pid = info.pids["gateway"]
        base = info.gateway_url
        began = time.perf_counter()
        while not requests.get(f"{base}/health", timeout=DEADLINE_S).json()["sandbox"]["mirror_ready"]:
            time.sleep(0.1)
        ready_ms = (time.perf_counter() - began) * 1000
        print(f"start-up to healthy: {info.startup_s * 1000:.0f} ms; then until the mirror has read every "
              f"collection: {ready_ms:.0f} ms; gateway RSS {rss_mb(gateway_pid):.0f} MB")
        token = login(base, "alice_fr")
        first = requests.get(f"{base}/api/v1/conversations/{TEST_CONVERSATION_IDENTIFIER}/messages?limit=20",
                             headers={"Authorization": f"Bearer {token}"}, timeout=DEADLINE_S)
        first.raise_for_status()
        auth = {"Authorization": f"Bearer {token}"}
        message = first.json()["data"][0]["id"]
        communities = requests.get(f"{base}/api/v1/communities?limit=100", headers=auth, timeout=DEADLINE_S)
        community = next(c["id"] for c in communities.json()["data"] if c["identifier"] == TEST_COMMUNITY_IDENTIFIER)
        target = TARGETS_MS.get(scale)
        print(f"{'route':<44} {'p50 ms':>8} {'p95 ms':>8}  statuses  ({args.requests} requests each"
              + (f", target p95 < {target:.0f} ms)" if target else ")"))
        worst = 0.0
        for name, call in routes(base, token, TEST_CONVERSATION_IDENTIFIER, community, message).items():
            values, statuses = timed(call, args.requests)
            worst = max(worst, p95(values))
            print(f"{name:<44} {statistics.median(values):8.1f} {p95(values):8.1f}  "
                  f"{','.join(map(str, sorted(statuses)))}")
        verdict = "" if target is None else (" OK" if worst < target else " OVER TARGET")
        print(f"worst p95 {worst:.1f} ms{verdict}; gateway RSS after the routes {rss_mb(gateway_pid):.0f} MB")
        if args.messages:
            ms = asyncio.run(latencies(base, token, login(base, "bob_en"), args.messages))
            cuts = statistics.quantiles(ms, n=100)
            print(f"message:send → message:new over {len(ms)} messages: p50 {cuts[49]:.1f} ms, "
                  f"p95 {cuts[94]:.1f} ms, max {max(ms):.1f} ms (target p95 < 50 ms): "
                  f"{'OK' if cuts[94] < 50 else 'OVER TARGET'}")
    finally:
        stack.down("bench", state)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="1,4", help="comma-separated scales of the real dataset")
    p.add_argument("--requests", type=int, default=50, help="requests per route")
    p.add_argument("--messages", type=int, default=200, help="socket messages timed (0: none)")
    p.add_argument("--db-rung", default=None, help="a rung of rehearsal/embedded_db.py (default: the ladder's)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        for scale in (float(s) for s in args.scales.split(",")):
            bench_scale(scale, args, Path(tmp))


if __name__ == "__main__":
    main()
