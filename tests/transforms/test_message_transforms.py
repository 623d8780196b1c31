"""Message, MessageAttachment and MessageTranslation (migration-spec §3.2, §3.6, §5 W2, W3, W8, W10, W17)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ops.migration.pipeline import Pipeline
from ops.migration.schema import Schema, validate_document
from ops.migration.transforms import (
    Derived,
    transform_message,
    transform_message_attachment,
    transform_message_translation,
)

from .legacy_docs import ABSENT, attachment, conversation, message, oid, translation, user

# ---------------------------------------------------------------- Message

KEPT_MESSAGE_VALUES = {
    "messageType": "audio",
    "originalLanguage": "ar",
    "isEdited": True,
    "editedAt": datetime(2025, 3, 9, 10, 20, 0),
    "isDeleted": True,
    "deletedAt": datetime(2025, 3, 10, 8, 0, 0),
    "replyToId": oid(datetime(2025, 3, 9, 10, 0)),
    "anonymousSenderId": oid(datetime(2025, 3, 9, 9, 0)),
    "validatedMentions": ["awa_n", "meeshy"],
    "encryptedContent": "3q2+7w==:c2VjcmV0",
    "encryptionMode": "e2ee",
    "encryptionMetadata": {"iv": "AAECAwQFBgcICQoL", "authTag": "q83vEjRWeJA=", "keyId": "k1"},
    "isEncrypted": True,
}


@pytest.mark.parametrize(("key", "value"), KEPT_MESSAGE_VALUES.items(), ids=KEPT_MESSAGE_VALUES.keys())
def test_existing_message_values_are_kept(derived: Derived, key: str, value: object) -> None:
    assert transform_message(message(**{key: value}), derived)[key] == value


def test_message_type_and_language_are_not_replaced_by_target_defaults(derived: Derived) -> None:
    target = transform_message(message(messageType="image", originalLanguage="en"), derived)
    assert (target["messageType"], target["originalLanguage"]) == ("image", "en")
    for key in ("type", "status", "isPinned", "communityId"):
        assert key not in target


def test_message_defaults_fill_only_absent_fields(derived: Derived) -> None:
    doc = message(messageType=ABSENT, originalLanguage=ABSENT, isEdited=ABSENT, updatedAt=ABSENT)
    target = transform_message(doc, derived)
    assert (target["messageType"], target["originalLanguage"], target["isEdited"]) == ("text", "fr", False)
    assert target["validatedMentions"] == []
    assert target["updatedAt"] == doc["createdAt"]


def test_reaction_count_and_summary_come_from_derived_reactions(derived: Derived) -> None:
    doc = message()
    derived.reactions = {doc["_id"]: {"👍": 3, "❤️": 1}, oid(datetime(2025, 1, 1)): {"😂": 9}}
    target = transform_message(doc, derived)
    assert target["reactionCount"] == 4
    assert target["reactionSummary"] == {"👍": 3, "❤️": 1}


def test_message_without_reactions_has_zero_count_and_no_summary(derived: Derived) -> None:
    target = transform_message(message(), derived)
    assert (target["reactionCount"], target["reactionSummary"]) == (0, None)


def test_message_output_is_valid(derived: Derived, schema: Schema) -> None:
    doc = message(**KEPT_MESSAGE_VALUES)
    derived.reactions = {doc["_id"]: {"👍": 2}}
    assert validate_document(schema.models["Message"], transform_message(doc, derived), schema.enums) == []


def test_message_without_dates_takes_them_from_its_object_id(derived: Derived) -> None:
    when = datetime(2025, 8, 15, 12, 30, 45)
    target = transform_message(message(_id=oid(when), createdAt=ABSENT, updatedAt=ABSENT), derived)
    assert (target["createdAt"], target["updatedAt"]) == (when, when)


def test_message_orphan_of_its_conversation_is_rejected_naming_the_field(pipeline: Pipeline) -> None:
    outcome = pipeline.decide("Message", message())
    assert outcome.rejected
    assert outcome.reason.startswith("orphan: conversationId=")


# ---------------------------------------------------------------- MessageAttachment

KEPT_ATTACHMENT_VALUES = {
    "fileName": "b3c1d9e0a1f2.mp3",
    "originalName": "note vocale.mp3",
    "mimeType": "audio/mpeg",
    "fileSize": 48213,
    "filePath": "2025/06/67c24e7811ec08dc5c000001/b3c1d9e0a1f2.mp3",
    "thumbnailPath": "2025/06/67c24e7811ec08dc5c000001/b3c1d9e0a1f2_thumb.jpg",
    "duration": 37,
    "bitrate": 128000,
    "sampleRate": 44100,
    "codec": "mp3",
    "channels": 2,
    "fps": 29.97,
    "videoCodec": "h264",
    "pageCount": 12,
    "lineCount": 340,
    "uploadedBy": oid(datetime(2025, 3, 1)),
    "isAnonymous": True,
    "metadata": {"album": "Voix", "tags": ["perso"]},
}


@pytest.mark.parametrize(("key", "value"), KEPT_ATTACHMENT_VALUES.items(), ids=KEPT_ATTACHMENT_VALUES.keys())
def test_existing_attachment_values_are_kept(derived: Derived, key: str, value: object) -> None:
    assert transform_message_attachment(attachment(**{key: value}), derived)[key] == value


@pytest.mark.parametrize("key", ["width", "height", "duration"])
def test_zero_dimension_stays_zero_not_null(derived: Derived, key: str) -> None:
    assert transform_message_attachment(attachment(**{key: 0}), derived)[key] == 0


def test_legacy_attachment_url_gets_the_v1_prefix(derived: Derived) -> None:
    doc = attachment(fileUrl="/api/attachments/file/2025/06/u1/9ef1b2a383a6eace.jpg")
    target = transform_message_attachment(doc, derived)
    assert target["fileUrl"] == "/api/v1/attachments/file/2025/06/u1/9ef1b2a383a6eace.jpg"


@pytest.mark.parametrize("url", ["/api/v1/attachments/file/2025/06/u1/a.jpg",
                                 "https://static.meeshy.me/u/i/a.jpg",
                                 "/files/api/attachments/a.jpg"])
def test_other_attachment_urls_are_unchanged(derived: Derived, url: str) -> None:
    assert transform_message_attachment(attachment(fileUrl=url), derived)["fileUrl"] == url


def test_url_rewrite_is_idempotent(derived: Derived) -> None:
    once = transform_message_attachment(attachment(), derived)
    twice = transform_message_attachment(once, derived)
    assert twice["fileUrl"] == once["fileUrl"]
    assert once["fileUrl"].startswith("/api/v1/attachments/file/")


def test_legacy_script_names_are_never_written(derived: Derived) -> None:
    target = transform_message_attachment(attachment(), derived)
    for key in ("url", "filename", "size", "type"):
        assert key not in target


def test_attachment_file_size_as_string_is_rejected_by_the_pipeline(pipeline: Pipeline) -> None:
    outcome = pipeline.decide("MessageAttachment", attachment(fileSize="1296352"))
    assert outcome.rejected
    assert "'fileSize' must be Int" in outcome.reason


def test_attachment_output_is_valid(derived: Derived, schema: Schema) -> None:
    target = transform_message_attachment(attachment(width=0, height=0, duration=None), derived)
    assert validate_document(schema.models["MessageAttachment"], target, schema.enums) == []


# ---------------------------------------------------------------- MessageTranslation

def test_translation_drops_source_language_and_cache_key(derived: Derived) -> None:
    target = transform_message_translation(translation(), derived)
    assert "sourceLanguage" not in target and "cacheKey" not in target


def test_translation_values_are_kept(derived: Derived, schema: Schema) -> None:
    doc = translation(confidenceScore=0.42, translationModel="premium")
    target = transform_message_translation(doc, derived)
    for key in ("messageId", "targetLanguage", "translatedContent", "translationModel", "confidenceScore",
                "createdAt", "updatedAt"):
        assert target[key] == doc[key], key
    assert target["isEncrypted"] is False
    assert validate_document(schema.models["MessageTranslation"], target, schema.enums) == []


def test_second_translation_into_the_same_language_is_rejected(pipeline: Pipeline) -> None:
    author = user()
    talk = conversation()
    said = message(conversationId=talk["_id"], senderId=author["_id"])
    for collection, doc in (("User", author), ("Conversation", talk), ("Message", said)):
        assert not pipeline.decide(collection, doc).rejected, collection
    first = pipeline.decide("MessageTranslation", translation(messageId=said["_id"], targetLanguage="pt"))
    other = pipeline.decide("MessageTranslation", translation(messageId=said["_id"], targetLanguage="es"))
    again = pipeline.decide("MessageTranslation", translation(messageId=said["_id"], targetLanguage="pt"))
    assert not first.rejected and not other.rejected
    assert again.rejected and "MessageTranslation_messageId_targetLanguage_key" in again.reason
