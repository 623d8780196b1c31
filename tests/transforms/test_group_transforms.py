"""Community, CommunityMember, Conversation and ConversationMember (migration-spec §3.2, §5 W9, W10, W12)."""

from __future__ import annotations

from datetime import datetime

import pytest

from ops.migration.pipeline import Pipeline
from ops.migration.schema import Schema, validate_document
from ops.migration.transforms import (
    Derived,
    transform_community,
    transform_community_member,
    transform_conversation,
    transform_conversation_member,
)

from .legacy_docs import ABSENT, community, community_member, conversation, conversation_member, oid, user

CAN_SEND = ("canSendMessage", "canSendFiles", "canSendImages", "canSendVideos", "canSendAudios",
            "canSendLocations", "canSendLinks")


# ---------------------------------------------------------------- Community

def test_public_community_stays_public(derived: Derived) -> None:
    assert transform_community(community(isPrivate=False), derived)["isPrivate"] is False


def test_private_community_stays_private(derived: Derived) -> None:
    assert transform_community(community(isPrivate=True), derived)["isPrivate"] is True


def test_community_fields_are_copied_and_is_public_is_never_written(derived: Derived) -> None:
    doc = community()
    target = transform_community(doc, derived)
    for key in ("identifier", "name", "description", "createdBy", "createdAt", "updatedAt"):
        assert target[key] == doc[key], key
    assert "isPublic" not in target
    assert target["isActive"] is True


def test_community_without_name_is_rejected_by_the_pipeline(pipeline: Pipeline) -> None:
    creator = user()
    assert not pipeline.decide("User", creator).rejected
    outcome = pipeline.decide("Community", community(name=ABSENT, createdBy=creator["_id"]))
    assert outcome.rejected
    assert "'name'" in outcome.reason


def test_community_output_is_valid(derived: Derived, schema: Schema) -> None:
    target = transform_community(community(isPrivate=False, updatedAt=ABSENT), derived)
    assert validate_document(schema.models["Community"], target, schema.enums) == []


# ---------------------------------------------------------------- CommunityMember

def test_community_member_keeps_role_and_join_date(derived: Derived, schema: Schema) -> None:
    doc = community_member(role="admin")
    target = transform_community_member(doc, derived)
    assert (target["role"], target["joinedAt"]) == ("admin", doc["joinedAt"])
    assert validate_document(schema.models["CommunityMember"], target, schema.enums) == []


def test_community_member_join_date_from_object_id_when_absent(derived: Derived) -> None:
    when = datetime(2025, 3, 4, 5, 6, 7)
    assert transform_community_member(community_member(_id=oid(when), joinedAt=ABSENT), derived)["joinedAt"] == when


# ---------------------------------------------------------------- Conversation

def test_member_count_comes_from_derived_active_members(derived: Derived) -> None:
    doc = conversation()
    derived.member_counts = {doc["_id"]: 7, oid(datetime(2025, 1, 1)): 99}
    assert transform_conversation(doc, derived)["memberCount"] == 7


def test_member_count_is_zero_for_a_conversation_without_members(derived: Derived) -> None:
    derived.member_counts = {oid(datetime(2025, 1, 1)): 99}
    assert transform_conversation(conversation(), derived)["memberCount"] == 0


def test_conversation_encryption_and_auto_translate_settings_are_kept(derived: Derived) -> None:
    values = {
        "encryptionMode": "server",
        "encryptionProtocol": "aes-256-gcm",
        "encryptionEnabledAt": datetime(2025, 11, 2, 10, 0),
        "encryptionEnabledBy": oid(datetime(2025, 3, 1)),
        "serverEncryptionKeyId": "key-2025-11",
        "autoTranslateEnabled": False,
    }
    target = transform_conversation(conversation(**values), derived)
    for key, value in values.items():
        assert target[key] == value, key


def test_conversation_fields_are_copied_and_legacy_only_ones_left_out(derived: Derived) -> None:
    doc = conversation(communityId=oid(datetime(2025, 3, 1)), isActive=False)
    target = transform_conversation(doc, derived)
    for key in ("identifier", "type", "title", "communityId", "isActive", "lastMessageAt", "createdAt", "updatedAt"):
        assert target[key] == doc[key], key
    assert "image" not in target and "isArchived" not in target


def test_conversation_last_message_at_falls_back_to_updated_at_not_the_clock(derived: Derived) -> None:
    doc = conversation(lastMessageAt=ABSENT)
    assert transform_conversation(doc, derived)["lastMessageAt"] == doc["updatedAt"]
    doc = conversation(lastMessageAt=ABSENT, updatedAt=ABSENT)
    assert transform_conversation(doc, derived)["lastMessageAt"] == doc["createdAt"]


def test_conversation_output_is_valid(derived: Derived, schema: Schema) -> None:
    doc = conversation(encryptionMode="e2ee", autoTranslateEnabled=False)
    derived.member_counts = {doc["_id"]: 3}
    target = transform_conversation(doc, derived)
    assert validate_document(schema.models["Conversation"], target, schema.enums) == []


# ---------------------------------------------------------------- ConversationMember

@pytest.mark.parametrize("flag", CAN_SEND)
def test_member_send_restriction_is_kept(derived: Derived, flag: str) -> None:
    target = transform_conversation_member(conversation_member(**{flag: False}), derived)
    assert target[flag] is False
    assert all(target[other] is True for other in CAN_SEND if other != flag)


def test_member_send_flags_default_to_true_when_absent(derived: Derived) -> None:
    target = transform_conversation_member(conversation_member(**dict.fromkeys(CAN_SEND, ABSENT)), derived)
    assert all(target[flag] is True for flag in CAN_SEND)


def test_member_who_left_keeps_left_at_and_inactive_state(derived: Derived) -> None:
    left = datetime(2025, 9, 1, 12, 0)
    target = transform_conversation_member(conversation_member(isActive=False, leftAt=left), derived)
    assert (target["isActive"], target["leftAt"]) == (False, left)


def test_conversation_member_output_is_valid(derived: Derived, schema: Schema) -> None:
    doc = conversation_member(canSendMessage=False, joinedAt=ABSENT)
    target = transform_conversation_member(doc, derived)
    assert validate_document(schema.models["ConversationMember"], target, schema.enums) == []
    assert target["joinedAt"] == doc["_id"].generation_time.replace(tzinfo=None)
