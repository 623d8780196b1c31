"""The done-when check: stacks over `legacy-data` output (legacy mode) and over its migration
(prisma mode) let every seed account log in with its documented password, and serve its data."""

from __future__ import annotations

import importlib.util

import pymongo
import pytest
import requests
from sandbox_clients import Peer, login

from rehearsal.legacy_data import generate
from rehearsal.seed_accounts import SEED_ACCOUNTS, TEST_CONVERSATION_IDENTIFIER
from sandbox import stack

SCALE = 0.01


@pytest.fixture(scope="module")
def legacy_db(mongo_server) -> str:
    url = mongo_server.db_url("sbx_real_legacy")
    with pymongo.MongoClient(url) as client:
        client.drop_database("sbx_real_legacy")
        generate(client.get_default_database(), scale=SCALE, seed=1)
    return url


def check_stack(url: str, data: str, state_dir) -> None:
    info = stack.up(
        f"real-{data}", url, data=data, state_dir=state_dir, login_rate="1000/60", global_rate="off", with_web=False
    )
    api = "/api" if data == "legacy" else "/api/v1"  # the old production serves no /v1
    try:
        health = requests.get(info.gateway_url + "/health", timeout=5).json()
        assert health["services"]["database"]["userCount"] > len(SEED_ACCOUNTS)
        tokens = {}
        for account in SEED_ACCOUNTS:
            r = login(info.gateway_url, account.username, account.password, api=api)
            assert r.status_code == 200, f"{account.username} cannot log in over {data} data: {r.text}"
            tokens[account.username] = r.json()["data"]["token"]
        expected_role = "MODO" if data == "legacy" else "MODERATOR"
        carlos = requests.get(
            info.gateway_url + api + "/auth/me",
            timeout=5,
            headers={"Authorization": f"Bearer {tokens['carlos_es']}"},
        ).json()
        assert carlos["data"]["user"]["role"] == expected_role
        alice, bob = Peer(info.gateway_url, tokens["alice_fr"]), Peer(info.gateway_url, tokens["bob_en"])
        try:
            ack = alice.call(
                "message:send", {"conversationId": TEST_CONVERSATION_IDENTIFIER, "content": "real data"}
            )
            assert ack["success"] is True, ack
            bob.wait("message:new", where=lambda m: m["id"] == ack["data"]["messageId"])
        finally:
            alice.close()
            bob.close()
    finally:
        stack.down(f"real-{data}", state_dir)


def test_seed_accounts_log_in_over_legacy_data(legacy_db, sandbox_state):
    check_stack(legacy_db, "legacy", sandbox_state)


@pytest.mark.skipif(
    importlib.util.find_spec("ops.migration.engine") is None,
    reason="the migration engine (ops.migration.engine) is not built yet",
)
def test_seed_accounts_log_in_over_migrated_data(legacy_db, mongo_server, sandbox_state):
    from ops.migration.engine import migrate

    target = mongo_server.db_url("sbx_real_prisma")
    with pymongo.MongoClient(target) as client:
        client.drop_database("sbx_real_prisma")
    migrate(legacy_db, target)
    check_stack(target, "prisma", sandbox_state)
