"""Each deliberate anomaly really violates what it says, and nothing else in the dataset violates
the target's required fields, required relations or unique keys (migration-spec §2.2, §3.3)."""

from __future__ import annotations

from collections import Counter

import pytest

from rehearsal.legacy_data import ANOMALY_NAMES

# Target required fields of the migrated models (values must be present and not null).
REQUIRED = {
    "User": ("username", "firstName", "lastName", "email", "password"),
    "Community": ("identifier", "name", "createdBy"),
    "CommunityMember": ("communityId", "userId"),
    "Conversation": ("identifier", "type"),
    "ConversationMember": ("conversationId", "userId"),
    "Message": ("conversationId", "content"),
    "MessageTranslation": ("messageId", "targetLanguage", "translatedContent", "translationModel"),
    "MessageAttachment": (
        "fileName",
        "originalName",
        "mimeType",
        "fileSize",
        "filePath",
        "fileUrl",
        "uploadedBy",
    ),
    "Reaction": ("messageId", "emoji"),
    "Mention": ("messageId", "mentionedUserId"),
    "FriendRequest": ("senderId", "receiverId"),
}
UNIQUE = {
    "User": [("username",), ("email",)],
    "Community": [("identifier",)],
    "Conversation": [("identifier",)],
    "ConversationMember": [("conversationId", "userId")],
    "Reaction": [("messageId", "userId", "emoji"), ("messageId", "anonymousUserId", "emoji")],
    "Mention": [("messageId", "mentionedUserId")],
    "MessageTranslation": [("messageId", "targetLanguage"), ("cacheKey",)],
}
# (collection, field, referenced collection, required)
RELATIONS = [
    ("Message", "conversationId", "Conversation", True),
    ("Message", "senderId", "User", False),
    ("Message", "replyToId", "Message", False),
    ("ConversationMember", "conversationId", "Conversation", True),
    ("ConversationMember", "userId", "User", True),
    ("CommunityMember", "communityId", "Community", True),
    ("CommunityMember", "userId", "User", True),
    ("Community", "createdBy", "User", True),
    ("Conversation", "communityId", "Community", False),
    ("FriendRequest", "senderId", "User", True),
    ("FriendRequest", "receiverId", "User", True),
    ("Mention", "messageId", "Message", True),
    ("Mention", "mentionedUserId", "User", True),
    ("Reaction", "messageId", "Message", True),
    ("Reaction", "userId", "User", False),
    ("MessageTranslation", "messageId", "Message", True),
    ("MessageAttachment", "messageId", "Message", True),
    ("MessageAttachment", "uploadedBy", "User", True),
]


def test_exactly_one_of_each_anomaly(data):
    assert sorted(data.anomalies) == sorted(ANOMALY_NAMES)
    assert all(len(refs) == 1 for refs in data.anomalies.values())


def test_orphan_message_points_at_no_conversation(data):
    message = data.one("orphan_message")
    assert message["conversationId"] not in data.ids("Conversation", valid_only=False)
    assert isinstance(message["senderId"], type(message["_id"]))


def test_reaction_on_missing_message(data):
    assert data.one("reaction_on_missing_message")["messageId"] not in data.ids("Message", valid_only=False)


def test_duplicate_user_email(data):
    dup = data.one("duplicate_user_email")
    original = [u for u in data.docs["User"] if u["email"] == dup["email"] and u["_id"] != dup["_id"]]
    assert len(original) == 1
    assert original[0]["username"] != dup["username"] and original[0]["_id"] < dup["_id"]


def test_duplicate_conversation_member(data):
    dup = data.one("duplicate_conversation_member")
    same = [
        m
        for m in data.docs["ConversationMember"]
        if (m["conversationId"], m["userId"]) == (dup["conversationId"], dup["userId"])
    ]
    assert len(same) == 2 and min(m["_id"] for m in same) != dup["_id"]


def test_community_without_name(data):
    assert "name" not in data.one("missing_required_field")


def test_attachment_size_of_the_wrong_type(data):
    assert data.one("wrong_type")["fileSize"] == "12 kB"


def test_mention_of_missing_user(data):
    mention = data.one("mention_of_missing_user")
    assert mention["mentionedUserId"] not in data.ids("User", valid_only=False)
    assert mention["messageId"] in data.ids("Message")


@pytest.mark.parametrize("collection", sorted(REQUIRED))
def test_no_other_document_misses_a_required_field(data, collection):
    for doc in data.valid(collection):
        missing = [f for f in REQUIRED[collection] if doc.get(f) is None]
        assert not missing, (collection, doc["_id"], missing)
    if collection == "MessageAttachment":
        assert all(isinstance(a["fileSize"], int) for a in data.valid(collection))


@pytest.mark.parametrize("collection", sorted(UNIQUE))
def test_no_other_document_breaks_a_unique_key(data, collection):
    for key in UNIQUE[collection]:
        values = Counter(
            tuple(d.get(f) for f in key)
            for d in data.valid(collection)
            if all(d.get(f) is not None for f in key)
        )
        dups = [v for v, n in values.items() if n > 1]
        assert not dups, (collection, key, dups[:3])


@pytest.mark.parametrize(
    "collection, field, target, required", RELATIONS, ids=[f"{c}.{f}" for c, f, _, _ in RELATIONS]
)
def test_no_other_document_has_a_dangling_reference(data, collection, field, target, required):
    valid_targets = data.ids(target)  # references to an anomaly document would dangle once it is rejected
    for doc in data.valid(collection):
        value = doc.get(field)
        if value is None:
            assert not required, (collection, doc["_id"], field)
            continue
        assert value in valid_targets, (collection, doc["_id"], field)


def test_anonymous_references_point_into_the_empty_anonymous_participants(data):
    """AnonymousParticipant is empty in the snapshot: anonymous senders and reactors are gone."""
    assert data.docs["AnonymousParticipant"] == []
    anonymous = [m["anonymousSenderId"] for m in data.valid("Message") if m.get("anonymousSenderId")]
    anonymous += [r["anonymousUserId"] for r in data.valid("Reaction") if r.get("anonymousUserId")]
    assert anonymous
    assert not set(anonymous) & {d["_id"] for docs in data.docs.values() for d in docs}


def test_ids_are_unique_within_each_collection(data):
    for name, docs in data.docs.items():
        assert len({d["_id"] for d in docs}) == len(docs), name
