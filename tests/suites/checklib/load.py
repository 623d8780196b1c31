"""A bounded in-process load, as the runbook's `ab -n 1000 -c 10`, with per-request latencies.

Lighter here than Locust (no extra dependency, no gevent): a pool of `concurrency` threads, each
with its own keep-alive session, shares `requests` requests; every request has a timeout.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from checklib.stats import percentile


@dataclass
class LoadResult:
    url: str
    latencies_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def total(self) -> int:
        return len(self.latencies_s) + sum(self.errors.values())

    @property
    def error_rate(self) -> float:
        return sum(self.errors.values()) / self.total if self.total else 1.0

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_s, 95) * 1000 if self.latencies_s else float("inf")

    def describe(self) -> str:
        rps = self.total / self.wall_s if self.wall_s else 0.0
        return (
            f"{self.url}: {self.total} requests in {self.wall_s:.1f}s ({rps:.0f}/s), "
            f"error rate {self.error_rate:.2%}, p95 {self.p95_ms:.1f} ms, errors {self.errors or 'none'}"
        )


def run_load(
    url: str,
    requests_total: int,
    concurrency: int,
    timeout_s: float,
    headers: dict | None = None,
    verify_tls: bool = True,
) -> LoadResult:
    result = LoadResult(url)
    lock = threading.Lock()
    local = threading.local()

    def one(_: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.verify = verify_tls
        started = time.perf_counter()
        try:
            response = session.get(url, headers=headers, timeout=timeout_s)
            error = None if response.status_code == 200 else f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        elapsed = time.perf_counter() - started
        with lock:
            if error is None:
                result.latencies_s.append(elapsed)
            else:
                result.errors[error] = result.errors.get(error, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests_total)))
    result.wall_s = time.perf_counter() - started
    return result
