"""Load: a bounded load on /health and one authenticated read route; error rate and p95 under thresholds."""

from __future__ import annotations

import time

import allure
import pytest

from meeshy_checks.checklib.evidence import attach_text
from meeshy_checks.checklib.load import run_load
from meeshy_checks.checklib.realtime import SOCKET_GROUP

# `load`: run after every other check (validate gives them an invocation of their own; the suites'
# conftest orders them last otherwise). In the sockets' group so that the load never runs during the
# latency measurement.
pytestmark = [pytest.mark.staging, pytest.mark.production, pytest.mark.load, allure.feature("Load"), SOCKET_GROUP]


# The requests the checks after the load make within one window of the limiter.
RESERVE_FOR_THE_OTHER_CHECKS = 60


@pytest.fixture(scope="module")
def limits(target) -> tuple[float, float, int]:
    return (
        target.get_float("CHECK_LOAD_MAX_ERROR_RATE"),
        target.get_float("CHECK_LOAD_P95_MS"),
        target.get_int("CHECK_LOAD_CONCURRENCY"),
    )


def _assert_within(result, limits) -> None:
    max_errors, p95_ms, _ = limits
    attach_text(f"load {result.url}", result.describe())
    assert result.error_rate <= max_errors, f"error rate over {max_errors:.2%}: {result.describe()}"
    assert result.p95_ms <= p95_ms, f"p95 over {p95_ms:.0f} ms: {result.describe()}"


def _wait_for_a_fresh_window(seconds: float) -> None:
    """The load used up the address's bucket: the next checks would all get 429 until it ends."""
    with allure.step(f"wait {seconds:.0f} s for the rate limiter's window to end"):
        time.sleep(min(seconds, 61.0))


def test_health_under_load(gateway, target, limits, http_timeout, verify_tls, known_defects):
    """The runbook's ab -n 1000 -c 10 on /health. The gateway's limiter counts /health at d5983046:
    its 429 answers are answers (counted apart); what must not happen is an error or a slow answer."""
    result = run_load(
        f"{gateway.base_url}/health",
        target.get_int("CHECK_LOAD_REQUESTS"),
        limits[2],
        http_timeout,
        verify_tls=verify_tls,
    )
    _assert_within(result, limits)
    if result.throttled:
        _wait_for_a_fresh_window(result.reset_s + 1)
        known_defects.meet(
            "health-rate-limited",
            f"{result.throttled} of {result.total} /health requests answered 429 by the rate limiter "
            f"({len(result.latencies_s)} served)",
        )
    known_defects.conclude()


def test_authenticated_read_under_load(
    sender, conversation_id, target, limits, http_timeout, verify_tls, known_defects
):
    """The runbook's size on an authenticated read (1,000 at concurrency 10 by default), within the
    limiter's 300 per minute per address: paced by the limiter's own headers, it waits out each
    window whose budget is spent (about three minutes for 1,000 at d5983046's limits)."""
    url = f"{sender.base_url}/api/v1/conversations/{conversation_id}/messages?limit=20"
    result = run_load(
        url,
        target.get_int("CHECK_LOAD_AUTH_REQUESTS"),
        limits[2],
        http_timeout,
        headers={"Authorization": f"Bearer {sender.token}"},
        verify_tls=verify_tls,
        paced=True,
    )
    _assert_within(result, limits)
    if result.throttled or (result.budget_left or 0) < RESERVE_FOR_THE_OTHER_CHECKS:
        _wait_for_a_fresh_window(result.reset_s + 1)
    if result.throttled:
        known_defects.meet(
            "global-limit-one-bucket",
            f"{result.throttled} of {result.total} reads answered 429: other clients share this address's bucket",
        )
    assert len(result.latencies_s) > 0, result.describe()
    known_defects.conclude()
