"""Conversations, messages, replies, mentions, reactions, edits and deletes over REST (§3)."""

from __future__ import annotations

import time
from urllib.parse import quote

from bson import ObjectId
from sandbox_clients import Api

from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER as TEST_CONV

MESSAGES = f"/api/v1/conversations/{TEST_CONV}/messages"


def test_list_conversations_of_the_caller(prisma):
    assert Api(prisma.url).get("/api/v1/conversations").status_code == 403
    r = prisma.api("alice_fr").get("/api/v1/conversations")
    assert r.status_code == 200
    body = r.json()
    identifiers = {c["identifier"] for c in body["data"]}
    assert {"meeshy", TEST_CONV, "mshy_alice-bob-direct"} <= identifiers
    assert body["pagination"]["total"] == len(body["data"]) == 4
    conv = next(c for c in body["data"] if c["identifier"] == TEST_CONV)
    assert {"id", "title", "type", "lastMessage", "members", "unreadCount"} <= set(conv)
    carlos = {c["identifier"] for c in prisma.api("carlos_es").get("/api/v1/conversations").json()["data"]}
    assert "mshy_alice-bob-direct" not in carlos


def test_get_conversation_returns_empty_data_like_the_real_gateway(real, prisma):
    r = real.api("alice_fr").get(f"/api/v1/conversations/{TEST_CONV}")
    assert r.status_code == 200 and r.json() == {"success": True, "data": {}}
    fixed = prisma.api("alice_fr").get(f"/api/v1/conversations/{TEST_CONV}").json()["data"]
    assert fixed["identifier"] == TEST_CONV


def test_messages_of_a_conversation_with_translations(prisma):
    assert Api(prisma.url).get(MESSAGES).status_code == 403
    assert (
        prisma.api("carlos_es").get("/api/v1/conversations/mshy_alice-bob-direct/messages").status_code == 403
    )
    r = prisma.api("alice_fr").get(MESSAGES, params={"limit": 50})
    assert r.status_code == 200
    data = r.json()["data"]
    welcome = next(m for m in data if m["content"] == "Bienvenue à tous")
    assert welcome["translations"][0]["translatedContent"] == "[fr→en] Bienvenue à tous"
    assert welcome["translations"][0]["id"] == f"{welcome['id']}-en"
    assert welcome["reactionSummary"] == {"👍": 1}
    hello = next(m for m in data if m["content"] == "Hello @alice_fr")
    assert hello["replyToId"] == welcome["id"] and "replyTo" not in hello
    assert data == sorted(data, key=lambda m: m["createdAt"], reverse=True)


def test_send_with_reply_and_mentions(prisma):
    alice = prisma.api("alice_fr")
    first = alice.post(MESSAGES, json={"content": "Qui vient ?", "originalLanguage": "fr"})
    assert first.status_code == 201
    parent = first.json()["data"]
    reply = prisma.api("bob_en").post(
        MESSAGES,
        json={
            "content": "Me! cc @alice_fr @carlos_es @nobody",
            "originalLanguage": "en",
            "replyToId": parent["id"],
        },
    )
    assert reply.status_code == 201
    data = reply.json()["data"]
    assert data["replyToId"] == parent["id"] and data["replyTo"]["id"] == parent["id"]
    assert sorted(data["validatedMentions"]) == ["alice_fr", "carlos_es"]
    mentions = alice.get(f"/api/v1/mentions/messages/{data['id']}").json()["data"]
    assert sorted(m["mentionedUser"]["username"] for m in mentions) == ["alice_fr", "carlos_es"]
    listed = alice.get(MESSAGES).json()["data"]
    assert listed[0]["id"] == data["id"] and listed[0]["replyToId"] == parent["id"]


def test_send_errors(prisma):
    alice = prisma.api("alice_fr")
    assert alice.post(MESSAGES, json={"content": ""}).status_code == 400
    assert Api(prisma.url).post(MESSAGES, json={"content": "x"}).status_code == 403
    other = prisma.api("carlos_es").post(
        "/api/v1/conversations/mshy_alice-bob-direct/messages", json={"content": "intrusion"}
    )
    assert other.status_code == 403
    bad_reply = alice.post(MESSAGES, json={"content": "x", "replyToId": "0" * 24})
    assert bad_reply.status_code == 400


def test_translations_land_for_every_member_language(prisma):
    alice = prisma.api("alice_fr")
    sent = alice.post(MESSAGES, json={"content": "Une traduction", "originalLanguage": "fr"}).json()["data"]
    end = time.monotonic() + 5
    while True:
        got = alice.get(f"/api/v1/messages/{sent['id']}/translations").json()["data"]["translations"]
        if len(got) == 3 or time.monotonic() > end:
            break
        time.sleep(0.05)
    assert {t["targetLanguage"]: t["translatedContent"] for t in got} == {
        lang: f"[fr→{lang}] Une traduction" for lang in ("en", "es", "pt")
    }


def test_reactions_add_list_remove(prisma):
    alice, bob = prisma.api("alice_fr"), prisma.api("bob_en")
    msg = alice.post(MESSAGES, json={"content": "React to me"}).json()["data"]
    added = bob.post("/api/v1/reactions", json={"messageId": msg["id"], "emoji": "❤️"})
    assert added.status_code == 201 and added.json()["data"]["emoji"] == "❤️"
    again = bob.post("/api/v1/reactions", json={"messageId": msg["id"], "emoji": "❤️"})
    assert again.json()["data"]["id"] == added.json()["data"]["id"]
    assert alice.post("/api/v1/reactions", json={"messageId": msg["id"], "emoji": "😂"}).status_code == 201
    agg = alice.get(f"/api/v1/reactions/{msg['id']}").json()["data"]
    assert agg["totalCount"] == 2 and agg["userReactions"] == ["😂"]
    heart = next(g for g in agg["reactions"] if g["emoji"] == "❤️")
    assert heart["userIds"] == [str(prisma.ids["users"]["bob_en"])] and heart["hasCurrentUser"] is False
    stored = prisma.db()["Message"].find_one({"_id": ObjectId(msg["id"])})
    assert stored["reactionSummary"] == {"❤️": 1, "😂": 1} and stored["reactionCount"] == 2
    removed = bob.delete(f"/api/v1/reactions/{msg['id']}/{quote('❤️')}")
    assert removed.status_code == 200 and removed.json()["data"]["message"] == "Reaction removed successfully"
    assert bob.delete(f"/api/v1/reactions/{msg['id']}/{quote('❤️')}").status_code == 404
    assert bob.post("/api/v1/reactions", json={"messageId": msg["id"], "emoji": ""}).status_code == 400
    assert bob.post("/api/v1/reactions", json={"messageId": "0" * 24, "emoji": "👍"}).status_code == 404


def test_at_most_three_different_emojis_per_user(prisma):
    bob = prisma.api("bob_en")
    msg = bob.post(MESSAGES, json={"content": "emoji limit"}).json()["data"]
    codes = [
        bob.post("/api/v1/reactions", json={"messageId": msg["id"], "emoji": e}).status_code
        for e in ("👍", "😂", "🎉", "🔥")
    ]
    assert codes == [201, 201, 201, 500]


def test_edit_and_delete_own_message(prisma):
    alice, bob = prisma.api("alice_fr"), prisma.api("bob_en")
    msg = alice.post(MESSAGES, json={"content": "typo heer"}).json()["data"]
    assert bob.put(f"/api/v1/messages/{msg['id']}", json={"content": "hijack"}).status_code == 403
    edited = alice.put(f"/api/v1/messages/{msg['id']}", json={"content": "typo here"})
    assert edited.status_code == 200 and edited.json()["data"]["isEdited"] is True
    doc = prisma.db()["Message"].find_one({"content": "typo here"})
    assert doc["isEdited"] is True and doc["editedAt"] is not None
    gone = alice.delete(f"/api/v1/conversations/{TEST_CONV}/messages/{msg['id']}")
    assert gone.status_code == 200
    doc = prisma.db()["Message"].find_one({"_id": doc["_id"]})
    assert doc["isDeleted"] is True and doc["deletedAt"] is not None
    assert msg["id"] not in {m["id"] for m in alice.get(MESSAGES, params={"limit": 50}).json()["data"]}
    assert alice.delete(f"/api/v1/messages/{msg['id']}").status_code == 404
