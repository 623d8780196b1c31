"""Messaging: a text, a message with emoji, a reply and a reaction, in the test conversation."""

from __future__ import annotations

import time

import allure
import pytest

from meeshy_checks.checklib.realtime import SOCKET_GROUP, send_message

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Messaging"), SOCKET_GROUP]


@pytest.fixture
def pair(connect_socket, two_accounts, conversation_id, event_deadline):
    """The two test accounts' sockets, both in the test conversation's room."""
    a, b = connect_socket(two_accounts[0]), connect_socket(two_accounts[1])
    for client in (a, b):
        client.join(conversation_id, event_deadline)
    return a, b


def _reread(api, conversation_id: str, message_id: str) -> dict:
    messages = api.data("GET", f"/api/v1/conversations/{conversation_id}/messages?limit=50")
    found = [m for m in messages if m["id"] == message_id]
    assert found, f"message {message_id} is not in the conversation's latest messages"
    return found[0]


def test_text_message_is_delivered_and_stored(pair, sender, receiver, conversation_id, tag, writes, event_deadline):
    a, b = pair
    content = tag("Bonjour, ceci est un message de vérification")
    started = time.monotonic()
    message_id = send_message(a, conversation_id, content, event_deadline)
    writes.message(sender, message_id)
    with allure.step("the other account receives message:new"):
        received = b.wait_for("message:new", lambda m: m["id"] == message_id, event_deadline, since=started)
        assert received["content"] == content
    with allure.step("the REST list holds it for the receiver"):
        assert _reread(receiver, conversation_id, message_id)["content"] == content


def test_emoji_message_keeps_its_characters(pair, sender, conversation_id, tag, writes, event_deadline):
    a, _ = pair
    content = tag("Emoji 👋🎉❤️ 👍🏽 🇫🇷 ok")
    message_id = send_message(a, conversation_id, content, event_deadline)
    writes.message(sender, message_id)
    assert _reread(sender, conversation_id, message_id)["content"] == content


def test_reply_points_to_its_parent(pair, sender, receiver, conversation_id, tag, writes, event_deadline):
    a, b = pair
    parent = send_message(a, conversation_id, tag("Question ?"), event_deadline)
    writes.message(sender, parent)
    reply = send_message(b, conversation_id, tag("Réponse."), event_deadline, replyToId=parent)
    writes.message(receiver, reply)
    # The list's serializer drops replyTo at 30c9002; replyToId is what it keeps (api-contract §3.2).
    assert _reread(sender, conversation_id, reply).get("replyToId") == parent


def test_reaction_is_acknowledged_and_reread(
    pair, sender, receiver, two_accounts, conversation_id, tag, writes, event_deadline, known_defects
):
    a, b = pair
    message_id = send_message(a, conversation_id, tag("Réagissez"), event_deadline)
    writes.message(sender, message_id)
    emoji = "👍"
    with allure.step("reaction:add is acknowledged"):
        ack = b.call("reaction:add", {"messageId": message_id, "emoji": emoji}, event_deadline)
        assert isinstance(ack, dict) and ack.get("success"), f"reaction:add refused: {ack}"
        writes.reaction(receiver, message_id, emoji)
    with allure.step("the message list's reactionSummary counts it (reactions are not broadcast)"):
        summary = _reread(sender, conversation_id, message_id).get("reactionSummary") or {}
        assert summary.get(emoji) == 1, f"reactionSummary read back: {summary}"
    with allure.step("GET /reactions/:messageId lists it"):
        response = sender.get(f"/api/v1/reactions/{message_id}")
        if response.status_code == 500:
            known_defects.meet("reactions-get-500", f"GET /api/v1/reactions/{message_id} answered 500")
        else:
            body = response.json() if response.status_code == 200 else {}
            counts = {r["emoji"]: r["count"] for r in (body.get("data") or {}).get("reactions", [])}
            assert counts.get(emoji) == 1, f"GET /reactions answered {response.status_code}: {response.text[:300]}"
    known_defects.conclude()
