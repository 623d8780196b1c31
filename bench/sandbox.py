# ruff: noqa: E402  (sys.path is fixed before the imports, see below)
"""Sandbox figures: start-up time to healthy, and message:send → message:new latency between two
accounts over 500 messages (target p95 < 50 ms on loopback).

    .venv/bin/python bench/sandbox.py [--messages 500] [--mongodb-url URL]

Without --mongodb-url it starts the embedded database (FerretDB here) and writes the sandbox fixture.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's directory comes first on sys.path and its name would shadow the
# `sandbox` package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import requests
import socketio

from rehearsal.embedded_db import start_server
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER, by_username
from sandbox import stack
from sandbox.fixture import write_fixture

DEADLINE_S = 5.0


def token(base: str, username: str) -> str:
    r = requests.post(
        f"{base}/api/v1/auth/login",
        timeout=5,
        json={"username": username, "password": by_username(username).password},
    )
    r.raise_for_status()
    return r.json()["data"]["token"]


async def connect(base: str, jwt: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    authenticated = asyncio.get_running_loop().create_future()
    client.on("authenticated", lambda data: authenticated.done() or authenticated.set_result(data))
    await client.connect(
        base,
        socketio_path="socket.io",
        auth={"authToken": jwt},
        transports=["websocket"],
        wait_timeout=DEADLINE_S,
    )
    result = await asyncio.wait_for(authenticated, DEADLINE_S)
    if not result.get("success"):
        raise RuntimeError(f"socket authentication failed: {result}")
    return client


async def latencies(base: str, count: int) -> list[float]:
    sender = await connect(base, token(base, "alice_fr"))
    receiver = await connect(base, token(base, "bob_en"))
    pending: dict[str, asyncio.Future] = {}
    receiver.on(
        "message:new",
        lambda m: (f := pending.get(m.get("content"))) and not f.done() and f.set_result(time.perf_counter()),
    )
    out = []
    try:
        for i in range(count):
            content = f"bench {i}"
            arrived = asyncio.get_running_loop().create_future()
            pending[content] = arrived
            sent = time.perf_counter()
            await sender.emit(
                "message:send",
                {
                    "conversationId": TEST_CONVERSATION_IDENTIFIER,
                    "content": content,
                    "originalLanguage": "fr",
                },
            )
            out.append((await asyncio.wait_for(arrived, DEADLINE_S) - sent) * 1000)
            del pending[content]
    finally:
        await sender.disconnect()
        await receiver.disconnect()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=500)
    p.add_argument("--mongodb-url", help="an empty database to write the fixture into")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        server = None
        url = args.mongodb_url
        if url is None:
            server = start_server(Path(tmp) / "db")
            url = server.db_url("sandbox_bench")
            print(f"database: {server.describe()}")
        try:
            write_fixture(url, "prisma")
            info = stack.up("bench", url, state_dir=Path(tmp) / "state", login_rate="1000/60")
            try:
                print(f"start-up to healthy ({', '.join(info.pids)}): {info.startup_s * 1000:.0f} ms")
                ms = asyncio.run(latencies(info.gateway_url, args.messages))
            finally:
                stack.down("bench", Path(tmp) / "state")
        finally:
            if server is not None:
                server.stop()
    cuts = statistics.quantiles(ms, n=100)
    print(
        f"message:send → message:new over {len(ms)} messages: p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, "
        f"p99 {cuts[98]:.1f} ms, max {max(ms):.1f} ms (target p95 < 50 ms): "
        f"{'OK' if cuts[94] < 50 else 'OVER TARGET'}"
    )


if __name__ == "__main__":
    main()
