"""The generated documents, without a database: counts, legacy field names and types, messiness."""

from __future__ import annotations

from datetime import datetime

import pytest
from bson import ObjectId

from ops.errors import OpsError
from rehearsal.legacy_data import LEGACY_COUNTS, LEGACY_TOTAL, build_dataset, iter_documents, scaled_count
from rehearsal.legacy_data.randomness import END, START


def test_scale_one_has_every_snapshot_count_and_the_total(full):
    assert list(full.docs) == list(LEGACY_COUNTS)
    assert {name: len(docs) for name, docs in full.docs.items()} == LEGACY_COUNTS
    assert sum(len(docs) for docs in full.docs.values()) == LEGACY_TOTAL == 125_635


@pytest.mark.parametrize("scale", [0.05, 0.1, 0.5])
def test_smaller_scales_follow_the_rounded_counts(scale):
    dataset = build_dataset(scale, 7)
    for name, docs in dataset.collections():
        expected = scaled_count(name, scale)
        got = sum(1 for _ in docs)
        assert got == dataset.planned_count(name)
        if name == "MessageStatus":  # one per (message, recipient): a small dataset holds fewer pairs
            assert 0.9 * expected <= got <= expected
        else:  # seed accounts and anomalies may need a few documents more than the rounded count
            assert expected <= got <= expected + 30, (name, expected, got)


def test_scale_out_of_range_is_refused():
    with pytest.raises(OpsError, match="scale"):
        build_dataset(0.001)


def test_iter_documents_yields_collection_and_document():
    first = next(iter_documents(0.01, 1))
    assert first[0] == "MessageAttachment_backup_urls" and isinstance(first[1]["_id"], ObjectId)


def test_object_id_time_is_the_creation_date_and_dates_are_in_the_snapshot_window(data):
    for name in ("User", "Message", "Conversation", "Reaction", "MessageTranslation", "FriendRequest"):
        for doc in data.docs[name]:
            assert START <= doc["createdAt"] <= END, (name, doc["_id"])
            assert abs(doc["_id"].generation_time.timestamp() - doc["createdAt"].timestamp()) < 1


def test_legacy_field_names_not_the_original_scripts_guesses(data):
    message = data.docs["Message"][0]
    assert "messageType" in message and "type" not in message and "status" not in message
    for community in data.docs["Community"]:
        assert "isPrivate" in community and "isPublic" not in community
    assert {c["isPrivate"] for c in data.valid("Community")} == {True, False}
    for attachment in data.docs["MessageAttachment"]:
        assert {
            "fileName",
            "originalName",
            "fileSize",
            "fileUrl",
            "filePath",
            "uploadedBy",
        } <= attachment.keys()
        assert not {"url", "filename", "size"} & attachment.keys()
    for mention in data.docs["Mention"]:
        assert {"mentionedUserId", "mentionedAt"} <= mention.keys() and "userId" not in mention
    for translation in data.docs["MessageTranslation"]:
        assert {"sourceLanguage", "translationModel", "cacheKey"} <= translation.keys()


def test_references_are_object_ids_dates_are_dates_roles_are_strings(data):
    for user in data.docs["User"]:
        assert isinstance(user["role"], str) and isinstance(user["createdAt"], datetime)
    for m in data.docs["Message"]:
        assert isinstance(m["conversationId"], ObjectId)
        assert m["senderId"] is None or isinstance(m["senderId"], ObjectId)
    for r in data.docs["Reaction"]:
        assert isinstance(r["messageId"], ObjectId)
        assert isinstance(r.get("userId", r.get("anonymousUserId")), ObjectId)
    for cm in data.docs["ConversationMember"]:
        assert isinstance(cm["conversationId"], ObjectId) and isinstance(cm["joinedAt"], datetime)


def test_the_messiness_a_migration_must_handle(data):
    users = data.docs["User"]
    assert any("emailVerifiedAt" not in u for u in users), "users written before the security fields"
    assert any("displayName" not in u for u in users)
    bios = [u.get("bio", "<missing>") for u in users]
    assert {None, "", "<missing>"} <= set(bios)
    existing = {
        "emailVerifiedAt": lambda u: u.get("emailVerifiedAt") is not None,
        "twoFactor": lambda u: u.get("twoFactorEnabledAt") and u.get("twoFactorSecret"),
        "failedLoginAttempts": lambda u: u.get("failedLoginAttempts", 0) > 0,
        "lockedUntil": lambda u: u.get("lockedUntil") is not None,
        "lastPasswordChange": lambda u: u.get("lastPasswordChange") not in (None, u["createdAt"]),
        "deactivated": lambda u: u.get("deactivatedAt") is not None and u["isActive"] is False,
        "deletedAt": lambda u: u.get("deletedAt") is not None,
    }
    for what, has in existing.items():
        assert any(has(u) for u in users), what
    assert "MODO" in {u["role"] for u in users}

    messages = data.valid("Message")
    assert any(m["isDeleted"] and m["deletedAt"] for m in messages)
    assert any(m["isEdited"] for m in messages)
    assert any(m.get("replyToId") for m in messages)
    assert any(m.get("isEncrypted") and m.get("encryptedContent") for m in messages)
    assert any(m.get("anonymousSenderId") and m["senderId"] is None for m in messages)
    assert any(m.get("validatedMentions") for m in messages)
    assert {"ar", "he"} <= {m["originalLanguage"] for m in messages}
    assert any("👍" in m["content"] or "🎉" in m["content"] for m in messages)
    assert any(m["messageType"] != "text" for m in messages)

    urls = [a["fileUrl"] for a in data.docs["MessageAttachment"]]
    assert any(u.startswith("/api/attachments/") for u in urls)
    assert any(u.startswith("/api/v1/attachments/") for u in urls)
    assert any("anonymousUserId" in r and "userId" not in r for r in data.docs["Reaction"])
    assert any(
        m.get("canSendMessage") is False or m.get("canSendFiles") is False
        for m in data.docs["ConversationMember"]
    )
    assert any(c.get("encryptionMode") for c in data.docs["Conversation"])
    assert any(c.get("communityId") for c in data.docs["Conversation"])
    assert any(f.get("message") for f in data.docs["FriendRequest"]) or data.scale < 0.1


def test_attachments_with_zero_dimensions_at_full_scale(full):
    assert any(a.get("width") == 0 or a.get("duration") == 0 for a in full.docs["MessageAttachment"])


def test_cases_name_documents_that_exist(data):
    ids = {name: {d["_id"] for d in docs} for name, docs in data.docs.items()}
    for case, refs in data.cases.items():
        for collection, oid in refs:
            assert oid in ids[collection], case
