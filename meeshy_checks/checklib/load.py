"""A bounded in-process load, as the runbook's `ab -n 1000 -c 10`, with per-request latencies.

Lighter here than Locust (no extra dependency, no gevent): a pool of `concurrency` threads, each
with its own keep-alive session, shares `requests` requests; every request has a timeout.

Paced (``paced=True``), the load stays within the gateway's global limiter (300 requests a minute
per client address at d5983046): it sends no request while the window's budget, as the limiter's
own X-RateLimit-Remaining and X-RateLimit-Reset headers tell it, is spent, and goes on when the
window ends. Every request is then served, unless other clients of the same address (everyone
behind the proxy) spend the budget too: their 429 answers are counted apart.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from meeshy_checks.checklib.http import TlsSession
from meeshy_checks.checklib.stats import percentile


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
    paced_wait_s: float = 0.0  # time the pacing held the workers back, per worker
    budget_left: int | None = None  # paced: requests the limiter's window still allows at the end

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
            f"{self.url}: {self.total} requests in {self.wall_s:.1f}s ({rps:.0f}/s"
            + (f", {self.paced_wait_s:.0f}s of it waiting for the rate limiter's windows" if self.paced_wait_s else "")
            + "): "
            f"{len(self.latencies_s)} served (p95 {self.served_p95_ms:.1f} ms), {self.throttled} answered 429 "
            f"by the gateway's rate limiter, errors {self.errors or 'none'} ({self.error_rate:.2%}); "
            f"p95 of all answers {self.p95_ms:.1f} ms"
        )


class LimiterPacer:
    """Admits a request only while the limiter's window has budget left for it and those in flight."""

    WINDOW_MARGIN_S = 0.5

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._remaining: int | None = None  # None: not known yet (the first answer tells)
        self._window_ends = 0.0
        self._in_flight = 0
        self.waited_s = 0.0

    def acquire(self) -> None:
        with self._cond:
            while not self._admits():
                began = time.monotonic()
                self._cond.wait(timeout=max(0.05, self._window_ends - time.monotonic()))
                self.waited_s += time.monotonic() - began
            self._in_flight += 1

    def _admits(self) -> bool:
        if self._remaining is None:
            return self._in_flight == 0  # one request at a time until the headers are known
        if self._remaining - self._in_flight > 0:
            return True
        if time.monotonic() >= self._window_ends and self._in_flight == 0:
            self._remaining = None  # a new window: learn its budget again
            return True
        return False

    def budget_left(self) -> tuple[int | None, float]:
        """(requests left in the current window, seconds until it ends), as the last answers told."""
        with self._cond:
            return self._remaining, max(0.0, self._window_ends - time.monotonic())

    def release(self, remaining: str | None, reset: str | None) -> None:
        with self._cond:
            self._in_flight -= 1
            if remaining is None or not remaining.isdigit() or reset is None or not reset.isdigit():
                if self._remaining is None:
                    self._remaining = 1 << 30  # no limiter on this route: nothing to pace
            else:
                ends = time.monotonic() + int(reset) + self.WINDOW_MARGIN_S
                new_window = self._remaining is None or ends > self._window_ends + 1.0
                self._remaining = int(remaining) if new_window else min(self._remaining, int(remaining))
                self._window_ends = ends if new_window else self._window_ends
            self._cond.notify_all()


def run_load(
    url: str,
    requests_total: int,
    concurrency: int,
    timeout_s: float,
    headers: dict | None = None,
    verify_tls: bool = True,
    paced: bool = False,
) -> LoadResult:
    result = LoadResult(url)
    lock = threading.Lock()
    local = threading.local()
    pacer = LimiterPacer() if paced else None

    def one(_: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = TlsSession(verify_tls)
        if pacer is not None:
            pacer.acquire()
        started = time.perf_counter()
        limited = False
        remaining = reset = None
        try:
            response = session.get(url, headers=headers, timeout=timeout_s)
            error = None if response.status_code == 200 else f"HTTP {response.status_code}"
            limited = response.status_code == 429 and "x-ratelimit-limit" in response.headers
            reset = response.headers.get("x-ratelimit-reset")
            remaining = response.headers.get("x-ratelimit-remaining")
        except requests.RequestException as exc:
            error = type(exc).__name__
        elapsed = time.perf_counter() - started
        if pacer is not None:
            pacer.release(remaining, reset)
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
    if pacer is not None:
        result.paced_wait_s = pacer.waited_s / concurrency
        result.budget_left, result.reset_s = pacer.budget_left()
    return result
