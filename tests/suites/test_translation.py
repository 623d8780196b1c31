"""Translation: a French message is translated into every expected language, live and on the REST message."""

from __future__ import annotations

import time

import allure
import pytest
from checklib.evidence import attach_json
from checklib.http import poll
from checklib.realtime import SOCKET_GROUP, EventTimeout, send_message

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Translation"), SOCKET_GROUP]


def _languages(payload: dict) -> set[str]:
    return {t.get("targetLanguage") for t in payload.get("translations") or []}


def test_french_message_is_translated_into_every_language(
    connect_socket, two_accounts, sender, target, conversation_id, tag, writes, event_deadline
):
    expected = set(target.get_list("CHECK_TRANSLATION_LANGUAGES"))
    a, b = connect_socket(two_accounts[0]), connect_socket(two_accounts[1])
    b.call("conversation:join", {"conversationId": conversation_id}, event_deadline)
    started = time.monotonic()
    message_id = send_message(
        a,
        conversation_id,
        tag("Bonjour à tous, comment allez-vous aujourd'hui ?"),
        event_deadline,
        originalLanguage="fr",
    )
    writes.message(sender, message_id)

    with allure.step(f"message:translation arrives for {sorted(expected)}"):
        seen: dict[str, str] = {}
        end = time.monotonic() + event_deadline
        while expected - seen.keys() and time.monotonic() < end:
            try:
                event = b.wait_for(
                    "message:translation",
                    lambda p: p["messageId"] == message_id and _languages(p) - seen.keys(),
                    max(0.1, end - time.monotonic()),
                    since=started,
                )
            except EventTimeout:
                break
            for t in event["translations"]:
                seen[t["targetLanguage"]] = t.get("translatedContent") or ""
        attach_json("translations received", seen)
        assert expected <= seen.keys(), f"no message:translation for {sorted(expected - seen.keys())}"
        assert all(seen[lang] for lang in expected), f"empty translated content: {seen}"

    with allure.step("the REST message carries them"):

        def fetch():
            messages = sender.data("GET", f"/api/v1/conversations/{conversation_id}/messages?limit=50")
            return next((m for m in messages if m["id"] == message_id), {})

        message = poll(fetch, lambda m: expected <= _languages(m), event_deadline)
        assert expected <= _languages(message), f"REST translations: {sorted(_languages(message))}"
