"""Seed accounts (known passwords, legacy roles) and the seed conversations of api-contract §9."""

from __future__ import annotations

import bcrypt
import pytest

from rehearsal.legacy_data.groups import INFRA_IDENTIFIER
from rehearsal.seed_accounts import (
    GLOBAL_CONVERSATION_IDENTIFIER,
    SEED_ACCOUNTS,
    TEST_COMMUNITY_IDENTIFIER,
    TEST_CONVERSATION_IDENTIFIER,
)


def _users(data) -> dict[str, dict]:
    return {u["username"]: u for u in data.valid("User")}


def _conversation(data, identifier: str) -> dict:
    (conv,) = [c for c in data.docs["Conversation"] if c["identifier"] == identifier]
    return conv


def _member_ids(data, conv: dict) -> list:
    return [m["userId"] for m in data.valid("ConversationMember") if m["conversationId"] == conv["_id"]]


@pytest.mark.parametrize("account", SEED_ACCOUNTS, ids=lambda a: a.username)
def test_seed_account_logs_in_with_its_known_password(full, account):
    user = _users(full)[account.username]
    assert user["password"].startswith("$2b$10$")
    assert bcrypt.checkpw(account.password.encode(), user["password"].encode())
    assert not bcrypt.checkpw(b"wrong password", user["password"].encode())
    assert (user["email"], user["role"]) == (account.email, account.legacy_role)
    assert (user["systemLanguage"], user["regionalLanguage"]) == (
        account.system_language,
        account.regional_language,
    )
    assert user["isActive"] is True and user.get("lockedUntil") is None


def test_carlos_is_a_legacy_modo(data):
    assert _users(data)["carlos_es"]["role"] == "MODO"


def test_other_users_have_cheap_but_valid_bcrypt_hashes(data):
    others = [u for u in data.docs["User"] if u["username"] not in {a.username for a in SEED_ACCOUNTS}]
    assert others and all(u["password"].startswith("$2b$04$") and len(u["password"]) == 60 for u in others)


def test_global_conversation_holds_every_valid_user(data):
    conv = _conversation(data, GLOBAL_CONVERSATION_IDENTIFIER)
    assert conv["type"] == "global"
    assert sorted(_member_ids(data, conv)) == sorted(data.ids("User"))


def test_infrastructure_group_and_direct_conversation(data):
    users = _users(data)
    infra = _conversation(data, INFRA_IDENTIFIER)
    assert infra["type"] == "group"
    assert set(_member_ids(data, infra)) == {users[n]["_id"] for n in ("atabeth", "admin", "meeshy")}
    direct = _conversation(data, f"mshy_{users['atabeth']['_id']}_{users['admin']['_id']}")
    assert direct["type"] == "direct"
    assert set(_member_ids(data, direct)) == {users["atabeth"]["_id"], users["admin"]["_id"]}


def test_test_conversation_has_every_seed_account_with_several_languages(data):
    users = _users(data)
    conv = _conversation(data, TEST_CONVERSATION_IDENTIFIER)
    assert conv["type"] == "group"
    members = set(_member_ids(data, conv))
    assert members == {users[a.username]["_id"] for a in SEED_ACCOUNTS}
    languages = {u["systemLanguage"] for u in users.values() if u["_id"] in members}
    assert len(languages) >= 3


def test_test_community_has_the_seed_accounts_and_a_conversation(data):
    users = _users(data)
    (community,) = [c for c in data.docs["Community"] if c.get("identifier") == TEST_COMMUNITY_IDENTIFIER]
    members = {m["userId"] for m in data.docs["CommunityMember"] if m["communityId"] == community["_id"]}
    assert members == {users[a.username]["_id"] for a in SEED_ACCOUNTS}
    assert any(c.get("communityId") == community["_id"] for c in data.docs["Conversation"])
