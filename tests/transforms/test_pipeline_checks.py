"""Pipeline.decide without a database: schema validation, required relations (migration-spec §3.3, W16) and
unique keys, including the nullable compound keys of W17; then a whole synthetic legacy dataset."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime

import bson
import pytest

from ops.migration.pipeline import Pipeline
from ops.migration.plan import MIGRATED
from ops.migration.schema import Schema, validate_document
from ops.migration.transforms import TRANSFORMS, Derived, is_active_member, reaction_owner
from rehearsal.legacy_data import build_dataset

from . import legacy_docs as legacy

BUILDERS: dict[str, Callable[..., dict]] = {
    "User": legacy.user,
    "Community": legacy.community,
    "CommunityMember": legacy.community_member,
    "Conversation": legacy.conversation,
    "ConversationMember": legacy.conversation_member,
    "Message": legacy.message,
    "MessageAttachment": legacy.attachment,
    "MessageTranslation": legacy.translation,
    "Reaction": legacy.reaction,
    "Mention": legacy.mention,
    "FriendRequest": legacy.friend_request,
}

# (collection, foreign key, parent collection) for every required relation of the target schema.
REQUIRED_RELATIONS = [
    ("Community", "createdBy", "User"),
    ("CommunityMember", "userId", "User"),
    ("CommunityMember", "communityId", "Community"),
    ("ConversationMember", "userId", "User"),
    ("ConversationMember", "conversationId", "Conversation"),
    ("Message", "conversationId", "Conversation"),
    ("MessageTranslation", "messageId", "Message"),
    ("Reaction", "messageId", "Message"),
    ("Mention", "messageId", "Message"),
    ("Mention", "mentionedUserId", "User"),
    ("FriendRequest", "receiverId", "User"),
    ("FriendRequest", "senderId", "User"),
]


def accept(pipeline: Pipeline, collection: str, doc: dict) -> dict:
    outcome = pipeline.decide(collection, doc)
    assert not outcome.rejected, f"{collection} {doc['_id']}: {outcome.reason}"
    return outcome.target


def test_every_transform_has_a_legacy_builder_here() -> None:
    assert set(BUILDERS) == set(TRANSFORMS)


@pytest.mark.parametrize("collection", BUILDERS)
def test_every_transform_output_of_a_realistic_document_is_valid(derived: Derived, schema: Schema,
                                                                 collection: str) -> None:
    target = TRANSFORMS[collection](BUILDERS[collection](), derived)
    assert validate_document(schema.models[collection], target, schema.enums) == []


@pytest.mark.parametrize("collection", BUILDERS)
def test_every_transform_is_deterministic_without_created_at(derived: Derived, collection: str) -> None:
    doc = BUILDERS[collection](createdAt=legacy.ABSENT)
    first = TRANSFORMS[collection](doc, derived)
    assert first == TRANSFORMS[collection](doc, derived)
    dates = [v for v in first.values() if isinstance(v, datetime)]
    assert dates and all(d < datetime(2026, 1, 1) for d in dates)  # the fixtures' dates, not today's clock


def test_schema_knows_the_required_relations_tested_here(schema: Schema) -> None:
    found = {(name, fk, rel.model) for name, model in schema.models.items()
             for rel in model.required_relations() for fk in rel.fields}
    assert found == set(REQUIRED_RELATIONS)


@pytest.mark.parametrize(("collection", "fk", "parent"), REQUIRED_RELATIONS,
                         ids=[f"{c}.{fk}" for c, fk, _ in REQUIRED_RELATIONS])
def test_orphan_of_a_required_relation_is_rejected_naming_the_field(pipeline: Pipeline, collection: str,
                                                                    fk: str, parent: str) -> None:
    doc = BUILDERS[collection]()
    for other, other_fk, other_parent in REQUIRED_RELATIONS:
        if other == collection and other_fk != fk:
            pipeline.registry.ids[other_parent].add(doc[other_fk])
    outcome = pipeline.decide(collection, doc)
    assert outcome.rejected
    assert outcome.reason == f"orphan: {fk}={doc[fk]} matches no migrated {parent}"
    pipeline.registry.ids[parent].add(doc[fk])
    assert not pipeline.decide(collection, doc).rejected


def test_child_of_a_rejected_parent_is_an_orphan(pipeline: Pipeline) -> None:
    talk = accept(pipeline, "Conversation", legacy.conversation())
    bad = legacy.user(role="SUPERUSER")
    assert pipeline.decide("User", bad).rejected
    outcome = pipeline.decide("ConversationMember",
                              legacy.conversation_member(conversationId=talk["_id"], userId=bad["_id"]))
    assert outcome.rejected and outcome.reason.startswith("orphan: userId=")


def test_unique_collision_rejects_the_second_occurrence_only(pipeline: Pipeline) -> None:
    first = legacy.user(username="awa", email="awa@example.test")
    second = legacy.user(username="awa", email="awa2@example.test")
    accept(pipeline, "User", first)
    outcome = pipeline.decide("User", second)
    assert outcome.rejected
    assert outcome.reason == f"unique-key collision on User_username_key with User {first['_id']}"
    accept(pipeline, "User", first)  # deciding the same document again is no collision
    accept(pipeline, "User", legacy.user(username="awa_n", email="awa3@example.test"))


def test_duplicate_conversation_membership_is_rejected(pipeline: Pipeline) -> None:
    person = accept(pipeline, "User", legacy.user())
    talk = accept(pipeline, "Conversation", legacy.conversation())
    accept(pipeline, "ConversationMember", legacy.conversation_member(conversationId=talk["_id"], userId=person["_id"]))
    outcome = pipeline.decide("ConversationMember",
                              legacy.conversation_member(conversationId=talk["_id"], userId=person["_id"]))
    assert outcome.rejected and "ConversationMember_conversationId_userId_key" in outcome.reason


def test_reaction_keys_with_a_missing_part_never_collide(pipeline: Pipeline) -> None:
    ana = accept(pipeline, "User", legacy.user(username="ana", email="ana@example.test"))
    awa = accept(pipeline, "User", legacy.user(username="awa", email="awa@example.test"))
    talk = accept(pipeline, "Conversation", legacy.conversation())
    said = accept(pipeline, "Message", legacy.message(conversationId=talk["_id"], senderId=ana["_id"]))
    guest = legacy.oid(datetime(2025, 6, 1))
    # Two users, same emoji: their anonymous key (messageId, null, emoji) must not collide (W17); same for
    # two guests on the user key.
    for owner in ({"userId": ana["_id"]}, {"userId": awa["_id"]},
                  {"userId": None, "anonymousUserId": guest},
                  {"userId": None, "anonymousUserId": legacy.oid(datetime(2025, 6, 2))}):
        accept(pipeline, "Reaction", legacy.reaction(messageId=said["_id"], emoji="👍", **owner))
    again = pipeline.decide("Reaction", legacy.reaction(messageId=said["_id"], emoji="👍", userId=None,
                                                         anonymousUserId=guest))
    assert again.rejected and "Reaction_messageId_anonymousId_emoji_key" in again.reason
    again = pipeline.decide("Reaction", legacy.reaction(messageId=said["_id"], emoji="👍", userId=awa["_id"]))
    assert again.rejected and "Reaction_messageId_userId_emoji_key" in again.reason


def test_duplicate_mention_is_rejected(pipeline: Pipeline) -> None:
    ana = accept(pipeline, "User", legacy.user())
    talk = accept(pipeline, "Conversation", legacy.conversation())
    said = accept(pipeline, "Message", legacy.message(conversationId=talk["_id"], senderId=ana["_id"]))
    accept(pipeline, "Mention", legacy.mention(messageId=said["_id"], mentionedUserId=ana["_id"]))
    outcome = pipeline.decide("Mention", legacy.mention(messageId=said["_id"], mentionedUserId=ana["_id"]))
    assert outcome.rejected and "Mention_messageId_mentionedUserId_key" in outcome.reason


def test_document_without_id_is_rejected_as_malformed(pipeline: Pipeline) -> None:
    outcome = pipeline.decide("FriendRequest", legacy.friend_request(_id=legacy.ABSENT))
    assert outcome.rejected and outcome.reason.startswith("malformed document: KeyError")


# ---------------------------------------------------------------- a whole synthetic legacy dataset

# Legacy values a transform rewrites on purpose; every other non-null legacy value of a target field is kept.
REWRITTEN = {("User", "role"), ("MessageAttachment", "fileUrl")}


@pytest.fixture(scope="module")
def dataset_outcomes(schema: Schema) -> tuple[dict, dict[str, list]]:
    """Every migrated collection of build_dataset(0.01, 1), read back as pymongo would (naive dates),
    decided in plan order with member counts and reactions derived as pipeline.derive does."""
    dataset = build_dataset(0.01, 1)
    docs = {name: sorted((bson.decode(bson.encode(d)) for d in items), key=lambda d: d["_id"])
            for name, items in dataset.collections() if name in MIGRATED}
    members: dict = defaultdict(set)
    for member in filter(is_active_member, docs["ConversationMember"]):
        members[member["conversationId"]].add(member["userId"])
    reactions: dict = defaultdict(set)
    for r in docs["Reaction"]:
        reactions[r["messageId"]].add((reaction_owner(r), r["emoji"]))
    derived = Derived(schema, {cid: len(users) for cid, users in members.items()},
                      {mid: dict(Counter(emoji for _, emoji in pairs)) for mid, pairs in reactions.items()})
    pipeline = Pipeline(schema, derived)
    outcomes = {name: [pipeline.decide(name, doc) for doc in docs[name]] for name in MIGRATED}
    return {"anomalies": dataset.anomalies, "cases": dataset.cases, "derived": derived}, outcomes


def test_dataset_rejects_exactly_its_deliberate_anomalies(dataset_outcomes: tuple) -> None:
    info, outcomes = dataset_outcomes
    rejected = {(name, o.source["_id"]) for name, items in outcomes.items() for o in items if o.rejected}
    expected = {ref for refs in info["anomalies"].values() for ref in refs}
    assert rejected == expected


def test_dataset_accepted_documents_are_valid_targets(dataset_outcomes: tuple, schema: Schema) -> None:
    _, outcomes = dataset_outcomes
    for name, items in outcomes.items():
        accepted = [o.target for o in items if not o.rejected]
        assert accepted, name
        for target in accepted:
            assert validate_document(schema.models[name], target, schema.enums) == [], (name, target["_id"])


def test_dataset_legacy_values_are_never_overwritten(dataset_outcomes: tuple, schema: Schema) -> None:
    _, outcomes = dataset_outcomes
    for name, items in outcomes.items():
        keys = {f.db_name for f in schema.models[name].fields.values()}
        for o in items:
            if o.rejected:
                continue
            changed = [k for k, v in o.source.items()
                       if k in keys and v not in (None, "") and (name, k) not in REWRITTEN and o.target[k] != v]
            assert changed == [], (name, o.source["_id"])


def test_dataset_cases_survive_the_migration(dataset_outcomes: tuple) -> None:
    info, outcomes = dataset_outcomes
    by_id = {(name, o.source["_id"]): o for name, items in outcomes.items() for o in items}
    cases = info["cases"]
    for ref in cases["modo_role"]:
        assert by_id[ref].target["role"] == "MODERATOR"
    for ref in cases["anonymous_reaction"]:
        assert by_id[ref].target["anonymousId"] == by_id[ref].source["anonymousUserId"]
    for ref in cases["attachment_legacy_url"]:
        assert by_id[ref].target["fileUrl"].startswith("/api/v1/attachments/")
    for ref in cases["attachment_zero_dimension"]:
        target = by_id[ref].target
        assert 0 in (target["width"], target["height"])
    for ref in cases["private_community"]:
        assert by_id[ref].target["isPrivate"] is True
    assert any(o.target["isPrivate"] is False for o in outcomes["Community"] if not o.rejected)


def test_dataset_derived_counts_reach_the_targets(dataset_outcomes: tuple) -> None:
    info, outcomes = dataset_outcomes
    derived = info["derived"]
    messages = {o.source["_id"]: o.target for o in outcomes["Message"] if not o.rejected}
    reacted = [mid for mid in derived.reactions if mid in messages]
    assert reacted
    for mid in reacted:
        assert messages[mid]["reactionSummary"] == derived.reactions[mid]
        assert messages[mid]["reactionCount"] == sum(derived.reactions[mid].values())
    for o in outcomes["Conversation"]:
        assert o.target["memberCount"] == derived.member_counts.get(o.source["_id"], 0)
    assert any(o.target["memberCount"] > 0 for o in outcomes["Conversation"])
