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

from checklib.http import TlsSession
from checklib.stats import percentile


@dataclass
class LoadResult:
    """Answers of a load, in three kinds: served (200), throttled (the gateway's own limiter: 429 with
    its x-ratelimit-limit header) and errors (anything else, timeouts included)."""

    url: str
    latencies_s: list[float] = field(default_factory=list)
    throttled_latencies_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    reset_s: float = 0.0  # the limiter's last x-ratelimit-reset: seconds until its window ends

    @property
    def total(self) -> int:
        return len(self.latencies_s) + len(self.throttled_latencies_s) + sum(self.errors.values())

    @property
    def throttled(self) -> int:
        return len(self.throttled_latencies_s)

    @property
    def error_rate(self) -> float:
        """Errors among all requests; the limiter's answers are answers, counted apart."""
        return sum(self.errors.values()) / self.total if self.total else 1.0

    @property
    def p95_ms(self) -> float:
        """p95 of every answer the gateway gave (served and throttled)."""
        answered = self.latencies_s + self.throttled_latencies_s
        return percentile(answered, 95) * 1000 if answered else float("inf")

    @property
    def served_p95_ms(self) -> float:
        return percentile(self.latencies_s, 95) * 1000 if self.latencies_s else float("inf")

    def describe(self) -> str:
        rps = self.total / self.wall_s if self.wall_s else 0.0
        return (
            f"{self.url}: {self.total} requests in {self.wall_s:.1f}s ({rps:.0f}/s): "
            f"{len(self.latencies_s)} served (p95 {self.served_p95_ms:.1f} ms), {self.throttled} answered 429 "
            f"by the gateway's rate limiter, errors {self.errors or 'none'} ({self.error_rate:.2%}); "
            f"p95 of all answers {self.p95_ms:.1f} ms"
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
            session = local.session = TlsSession(verify_tls)
        started = time.perf_counter()
        limited = False
        try:
            response = session.get(url, headers=headers, timeout=timeout_s)
            error = None if response.status_code == 200 else f"HTTP {response.status_code}"
            limited = response.status_code == 429 and "x-ratelimit-limit" in response.headers
            reset = response.headers.get("x-ratelimit-reset")
        except requests.RequestException as exc:
            error, reset = type(exc).__name__, None
        elapsed = time.perf_counter() - started
        with lock:
            if reset is not None and reset.isdigit():
                result.reset_s = float(reset)
            if error is None:
                result.latencies_s.append(elapsed)
            elif limited:
                result.throttled_latencies_s.append(elapsed)
            else:
                result.errors[error] = result.errors.get(error, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests_total)))
    result.wall_s = time.perf_counter() - started
    return result
