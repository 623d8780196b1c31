"""Load: a bounded load on /health and one authenticated read route; error rate and p95 under thresholds."""

from __future__ import annotations

import allure
import pytest
from checklib.evidence import attach_text
from checklib.load import run_load
from checklib.realtime import SOCKET_GROUP

# In the sockets' group so that the load never runs during the latency measurement.
pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Load"), SOCKET_GROUP]


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


def test_health_under_load(gateway, target, limits, http_timeout, verify_tls):
    result = run_load(
        f"{gateway.base_url}/health",
        target.get_int("CHECK_LOAD_REQUESTS"),
        limits[2],
        http_timeout,
        verify_tls=verify_tls,
    )
    _assert_within(result, limits)


def test_authenticated_read_under_load(sender, conversation_id, target, limits, http_timeout, verify_tls):
    url = f"{sender.base_url}/api/v1/conversations/{conversation_id}/messages?limit=20"
    result = run_load(
        url,
        target.get_int("CHECK_LOAD_AUTH_REQUESTS"),
        limits[2],
        http_timeout,
        headers={"Authorization": f"Bearer {sender.token}"},
        verify_tls=verify_tls,
    )
    _assert_within(result, limits)
