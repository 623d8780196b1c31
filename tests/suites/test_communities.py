"""Communities: open the test community, post in one of its conversations, list its members."""

from __future__ import annotations

import allure
import pytest

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Communities")]


@pytest.fixture(scope="module")
def community(target, need, sender):
    need("CHECK_TEST_COMMUNITY")
    return sender.data("GET", f"/api/v1/communities/{target.get('CHECK_TEST_COMMUNITY')}")


def test_open_the_test_community(community, target):
    ref = target.get("CHECK_TEST_COMMUNITY")
    assert ref in (community.get("id"), community.get("identifier")), f"opened {community.get('identifier')}"
    assert community.get("name"), "the community has no name"


def test_members_include_the_test_accounts(community, sender, two_accounts):
    members = sender.data("GET", f"/api/v1/communities/{community['id']}/members?limit=100")
    usernames = {(m.get("user") or {}).get("username", "").lower() for m in members}
    absent = [a.username for a in two_accounts if a.username.lower() not in usernames]
    assert not absent, f"test accounts not members of the community: {absent} (members: {sorted(usernames)})"


def test_post_in_a_community_conversation(community, sender, tag, writes):
    conversations = sender.data("GET", f"/api/v1/communities/{community['id']}/conversations")
    assert conversations, "the test community has no conversation the first test account belongs to"
    conversation_id = conversations[0]["id"]
    content = tag("Message dans la communauté")
    created = sender.data(
        "POST",
        f"/api/v1/conversations/{conversation_id}/messages",
        expect=(200, 201),
        json={"content": content, "originalLanguage": "fr"},
    )
    writes.message(sender, created["id"])
    listed = sender.data("GET", f"/api/v1/conversations/{conversation_id}/messages?limit=50")
    assert any(m["id"] == created["id"] and m["content"] == content for m in listed), (
        "the posted message is not in the community conversation"
    )
