"""Communities: open the test community, post in one of its conversations, list its members."""

from __future__ import annotations

import re

import allure
import pytest

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Communities")]

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


@pytest.fixture(scope="module")
def community_id(target, need, sender) -> str:
    """The ObjectId of CHECK_TEST_COMMUNITY: given, or found by identifier in the user's communities."""
    need("CHECK_TEST_COMMUNITY")
    ref = target.get("CHECK_TEST_COMMUNITY")
    if OBJECT_ID.match(ref):
        return ref
    found = sender.data("GET", "/api/v1/communities", params={"search": ref, "limit": 100})
    ids = [c["id"] for c in found if c.get("identifier") == ref]
    assert ids, f"community {ref} is not among the first test account's communities"
    return ids[0]


@pytest.fixture(scope="module")
def community(sender, community_id):
    return sender.data("GET", f"/api/v1/communities/{community_id}")


def test_open_the_test_community(community, target, sender, known_defects):
    ref = target.get("CHECK_TEST_COMMUNITY")
    assert ref in (community.get("id"), community.get("identifier")), f"opened {community.get('identifier')}"
    assert community.get("name"), "the community has no name"
    if not OBJECT_ID.match(ref):
        with allure.step(f"open it by its identifier {ref}"):
            response = sender.get(f"/api/v1/communities/{ref}")
            if response.status_code == 500:
                known_defects.meet("community-identifier-500", f"GET /communities/{ref} answered 500")
            else:
                assert response.status_code == 200, f"GET /communities/{ref}: {response.status_code}"
    known_defects.conclude()


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
