"""The load check's pacing keeps a load within the gateway's global limiter: every request is served
where an unpaced load of the same size is answered 429 past the window's budget."""

from __future__ import annotations

import pytest
import requests

from meeshy_checks.checklib.load import run_load
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER, by_username
from sandbox import stack

LIMIT, WINDOW_S = 40, 3  # the real limiter's behaviour (fixed windows, 429 past the limit), in short


@pytest.fixture
def limited_stack(migrated, tmp_path):
    info = stack.up("paced", migrated.url, state_dir=tmp_path, global_rate=f"{LIMIT}/{WINDOW_S}", with_web=False)
    try:
        token = requests.post(f"{info.gateway_url}/api/v1/auth/login", timeout=10, json={
            "username": "alice_fr", "password": by_username("alice_fr").password}).json()["data"]["token"]
        yield f"{info.gateway_url}/api/v1/conversations/{TEST_CONVERSATION_IDENTIFIER}/messages?limit=20", token
    finally:
        stack.down("paced", tmp_path)


def test_paced_load_is_served_whole_and_unpaced_meets_the_limiter(limited_stack):
    url, token = limited_stack
    headers = {"Authorization": f"Bearer {token}"}
    paced = run_load(url, 2 * LIMIT + 10, 10, 10, headers=headers, paced=True)
    assert paced.throttled == 0 and not paced.errors, paced.describe()
    assert len(paced.latencies_s) == 2 * LIMIT + 10
    assert paced.wall_s >= 2 * WINDOW_S - 1, paced.describe()  # it waited for two windows to end
    unpaced = run_load(url, 2 * LIMIT + 10, 10, 10, headers=headers)
    assert unpaced.throttled > 0, unpaced.describe()
