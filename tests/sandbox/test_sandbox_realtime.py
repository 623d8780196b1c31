"""Socket.IO (§7) with two python-socketio clients on two accounts, and the real app's defects."""

from __future__ import annotations

import time

import pytest
from sandbox_clients import Peer

from meeshy_checks.checklib.realtime import EventTimeout, RealtimeClient
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER as TEST_CONV

QUIET = 0.6  # how long "nothing arrives" is watched for


def conv_id(prisma) -> str:
    return str(prisma.ids["conversations"][TEST_CONV])


@pytest.mark.parametrize("how", ["authToken", "token", "header"])
def test_auth_by_each_token_location(prisma, peers, how):
    peer = peers("maria_pt", how=how)
    assert peer.auth == {
        "success": True,
        "user": {"id": str(prisma.ids["users"]["maria_pt"]), "language": "pt", "isAnonymous": False},
    }


def test_bad_token_gets_authenticated_false_and_stays_connected(prisma):
    peer = Peer(prisma.url, "not-a-jwt")
    try:
        assert peer.auth["success"] is False
        assert peer.client.connected
        ack = peer.call("message:send", {"conversationId": TEST_CONV, "content": "x"})
        assert ack == {"success": False, "error": "User not authenticated"}
    finally:
        peer.close()


def test_send_ack_then_message_new_to_room_and_twice_to_sender(prisma, peers):
    alice, bob = peers("alice_fr"), peers("bob_en")
    ack = alice.call(
        "message:send", {"conversationId": TEST_CONV, "content": "Salut Bob", "originalLanguage": "fr"}
    )
    assert ack["success"] is True
    mid = ack["data"]["messageId"]
    got = bob.wait("message:new", where=lambda m: m["id"] == mid)
    assert got["content"] == "Salut Bob" and got["conversationId"] == conv_id(prisma)
    assert got["sender"]["username"] == "alice_fr" and got["originalLanguage"] == "fr"
    mine = [alice.wait("message:new", where=lambda m: m["id"] == mid)]
    mine += alice.collect("message:new", QUIET, where=lambda m: m["id"] == mid)
    assert len(mine) == 2  # room + direct emit (§7.3)


def test_message_translation_one_event_per_member_language(prisma, peers):
    alice, bob = peers("alice_fr"), peers("bob_en")
    ack = alice.call(
        "message:send", {"conversationId": TEST_CONV, "content": "Bonjour", "originalLanguage": "fr"}
    )
    mid = ack["data"]["messageId"]
    events = [bob.wait("message:translation", where=lambda e: e["messageId"] == mid) for _ in range(3)]
    items = [e["translations"][0] for e in events]
    assert all(len(e["translations"]) == 1 for e in events)
    assert sorted(i["targetLanguage"] for i in items) == ["en", "es", "pt"]
    assert {i["translatedContent"] for i in items} == {f"[fr→{lang}] Bonjour" for lang in ("en", "es", "pt")}
    assert not bob.collect("message:translation", QUIET, where=lambda e: e["messageId"] == mid)


def test_reply_over_socket_carries_reply_to(prisma, peers):
    alice, bob = peers("alice_fr"), peers("bob_en")
    parent = alice.call("message:send", {"conversationId": TEST_CONV, "content": "Question?"})["data"][
        "messageId"
    ]
    ack = bob.call(
        "message:send", {"conversationId": TEST_CONV, "content": "Answer @alice_fr", "replyToId": parent}
    )
    got = alice.wait("message:new", where=lambda m: m["id"] == ack["data"]["messageId"])
    assert got["replyToId"] == parent and got["replyTo"]["id"] == parent
    assert got["validatedMentions"] == ["alice_fr"]


@pytest.mark.parametrize("defect_on", [True, False], ids=["real", "fixed"])
def test_rest_sent_messages_are_not_broadcast(defect_on, prisma, real, peers):
    app = real if defect_on else prisma
    bob = peers("bob_en", app)
    sent = (
        app.api("alice_fr")
        .post(
            f"/api/v1/conversations/{TEST_CONV}/messages",
            json={"content": "via REST", "originalLanguage": "fr"},
        )
        .json()["data"]
    )
    if not defect_on:
        assert bob.wait("message:new", where=lambda m: m["id"] == sent["id"])
        return
    # Translations are stored (the REST list shows them); neither message:new nor
    # message:translation reaches the room.
    assert not bob.collect("message:new", QUIET, where=lambda m: m["id"] == sent["id"])
    assert not bob.collect("message:translation", 0.1)


def test_send_errors_come_back_in_the_ack(prisma, peers):
    carlos = peers("carlos_es")
    ack = carlos.call("message:send", {"conversationId": "mshy_alice-bob-direct", "content": "intrusion"})
    assert ack["success"] is False
    carlos.wait("error")
    assert (
        carlos.call("message:send", {"conversationId": TEST_CONV, "content": "x" * 4001})["success"] is False
    )


def test_typing_reaches_the_others_only(prisma, peers):
    alice, bob = peers("alice_fr"), peers("bob_en")
    alice.call("typing:start", {"conversationId": TEST_CONV})
    got = bob.wait("typing:start")
    assert got == {
        "userId": str(prisma.ids["users"]["alice_fr"]),
        "username": "Alice Martin",
        "conversationId": conv_id(prisma),
        "isTyping": True,
    }
    alice.call("typing:stop", {"conversationId": TEST_CONV})
    assert bob.wait("typing:stop")["isTyping"] is False
    assert not alice.collect("typing:start", QUIET)


def test_reactions_ack_sync_and_broadcast_reaching_nobody(real, peers):
    prisma = real
    alice, bob = peers("alice_fr", real), peers("bob_en", real)
    mid = alice.call("message:send", {"conversationId": TEST_CONV, "content": "react"})["data"]["messageId"]
    ack = bob.call("reaction:add", {"messageId": mid, "emoji": "🎉"})
    assert ack["success"] is True and ack["data"]["emoji"] == "🎉" and ack["data"]["messageId"] == mid
    # Faithful defect (§7.3): reaction:added goes to a room nobody joined.
    assert not alice.collect("reaction:added", QUIET) and not bob.collect("reaction:added", 0.1)
    sync = alice.call("reaction:request_sync", mid)
    assert sync["success"] is True
    assert sync["data"]["reactions"] == [
        {
            "emoji": "🎉",
            "count": 1,
            "userIds": [str(prisma.ids["users"]["bob_en"])],
            "anonymousIds": [],
            "hasCurrentUser": False,
        }
    ]
    removed = bob.call("reaction:remove", {"messageId": mid, "emoji": "🎉"})
    assert removed == {"success": True, "data": {"message": "Reaction removed successfully"}}
    assert alice.call("reaction:request_sync", mid)["data"]["totalCount"] == 0
    assert bob.call("reaction:remove", {"messageId": mid, "emoji": "🎉"})["success"] is False


def test_one_socket_per_user_newest_wins(prisma, peers):
    first = peers("meeshy")
    second = peers("meeshy")
    assert second.auth["success"] is True
    end = time.monotonic() + 5
    while first.client.connected and time.monotonic() < end:
        time.sleep(0.02)
    assert not first.client.connected
    assert second.client.connected


def test_the_checks_say_when_a_second_session_ended_their_socket(prisma):
    """The suites' client names the disconnection when what it waits for cannot come."""
    first, second = (RealtimeClient(prisma.url, prisma.token("meeshy"), "meeshy") for _ in range(2))
    try:
        first.connect(5)
        since = time.monotonic()
        second.connect(5)
        with pytest.raises(EventTimeout, match=r"0/1 conversation:joined within 1s; the socket was disconnected"):
            first.wait_for("conversation:joined", lambda p: True, 1, since=since)
        with pytest.raises(AssertionError, match=r"conversation:join from meeshy: not sent; the socket was disc"):
            first.join(conv_id(prisma), 1)
        second.join(conv_id(prisma), 5)
    finally:
        first.close()
        second.close()


def test_user_status_on_connect_and_disconnect(prisma, peers):
    alice = peers("alice_fr")
    admin = peers("admin")
    online = alice.wait("user:status", where=lambda e: e["username"] == "admin" and e["isOnline"])
    assert online["userId"] == str(prisma.ids["users"]["admin"]) and online["lastActiveAt"] is None
    admin.close()
    offline = alice.wait("user:status", where=lambda e: e["username"] == "admin" and not e["isOnline"])
    assert offline["lastActiveAt"]


def test_conversation_join_emits_joined_and_stats(prisma, peers):
    carlos = peers("carlos_es")
    ack = carlos.call("conversation:join", {"conversationId": "mshy_alice-bob-direct"})
    direct = str(prisma.ids["conversations"]["mshy_alice-bob-direct"])
    assert ack["success"] is True
    assert carlos.wait("conversation:joined") == {
        "conversationId": direct,
        "userId": str(prisma.ids["users"]["carlos_es"]),
    }
    assert carlos.wait("conversation:stats")["conversationId"] == direct
    # No membership check on join (§7.2): carlos now hears the room, though he may not post in it.
    bob = peers("bob_en")
    ack = bob.call("message:send", {"conversationId": "mshy_alice-bob-direct", "content": "psst"})
    carlos.wait("message:new", where=lambda m: m["id"] == ack["data"]["messageId"])
