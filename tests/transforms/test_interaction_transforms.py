"""Reaction, Mention and FriendRequest (migration-spec §3.2, §5 W2, W3, W10, W17)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ops.migration.pipeline import Pipeline
from ops.migration.schema import Schema, validate_document
from ops.migration.transforms import Derived, transform_friend_request, transform_mention, transform_reaction

from .legacy_docs import ABSENT, friend_request, mention, oid, reaction

# ---------------------------------------------------------------- Reaction


def test_anonymous_user_id_becomes_anonymous_id(derived: Derived, schema: Schema) -> None:
    guest = oid(datetime(2025, 6, 1))
    target = transform_reaction(reaction(userId=None, anonymousUserId=guest), derived)
    assert target["anonymousId"] == guest
    assert "anonymousUserId" not in target
    assert "userId" not in target  # a null in a unique key is left out (Prisma reads it as null)
    assert validate_document(schema.models["Reaction"], target, schema.enums) == []


def test_registered_user_reaction_is_kept(derived: Derived, schema: Schema) -> None:
    doc = reaction()
    target = transform_reaction(doc, derived)
    for key in ("messageId", "userId", "emoji", "createdAt", "updatedAt"):
        assert target[key] == doc[key], key
    assert target.get("anonymousId") is None
    assert validate_document(schema.models["Reaction"], target, schema.enums) == []


@pytest.mark.parametrize("owner", [{"userId": None, "anonymousUserId": None}, {"userId": ABSENT}],
                         ids=["both-null", "no-owner-field"])
def test_reaction_without_any_owner_is_rejected(pipeline: Pipeline, owner: dict) -> None:
    outcome = pipeline.decide("Reaction", reaction(**owner))
    assert outcome.rejected
    assert "neither userId nor anonymousUserId" in outcome.reason


def test_reaction_updated_at_is_its_creation_when_absent(derived: Derived) -> None:
    doc = reaction(updatedAt=ABSENT)
    assert transform_reaction(doc, derived)["updatedAt"] == doc["createdAt"]


# ---------------------------------------------------------------- Mention

def test_mention_keeps_mentioned_user_and_date(derived: Derived, schema: Schema) -> None:
    doc = mention()
    target = transform_mention(doc, derived)
    assert (target["mentionedUserId"], target["mentionedAt"]) == (doc["mentionedUserId"], doc["mentionedAt"])
    assert "userId" not in target and "createdAt" not in target
    assert validate_document(schema.models["Mention"], target, schema.enums) == []


def test_mention_date_from_object_id_time_when_absent(derived: Derived, schema: Schema) -> None:
    when = datetime(2025, 7, 11, 18, 55, 36)
    target = transform_mention(mention(_id=oid(when), mentionedAt=ABSENT), derived)
    assert target["mentionedAt"] == when
    assert validate_document(schema.models["Mention"], target, schema.enums) == []


def test_mention_without_mentioned_user_is_rejected(pipeline: Pipeline) -> None:
    outcome = pipeline.decide("Mention", mention(mentionedUserId=ABSENT))
    assert outcome.rejected
    assert "mentionedUserId" in outcome.reason


# ---------------------------------------------------------------- FriendRequest

@pytest.mark.parametrize("status", ["pending", "accepted", "rejected"])
def test_friend_request_message_and_status_are_kept(derived: Derived, schema: Schema, status: str) -> None:
    doc = friend_request(status=status)
    target = transform_friend_request(doc, derived)
    for key in ("senderId", "receiverId", "message", "status", "createdAt", "updatedAt"):
        assert target[key] == doc[key], key
    assert validate_document(schema.models["FriendRequest"], target, schema.enums) == []


def test_friend_request_status_defaults_to_pending_only_when_absent(derived: Derived) -> None:
    assert transform_friend_request(friend_request(status=ABSENT), derived)["status"] == "pending"
    assert transform_friend_request(friend_request(message=None), derived)["message"] is None
