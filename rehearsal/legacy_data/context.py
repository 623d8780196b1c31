"""State shared by the builders of one dataset: the seed, the scale, the documents built so far,
and the record of deliberate anomalies and notable legacy cases."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId

from rehearsal.legacy_data.counts import scaled_count
from rehearsal.legacy_data.randomness import ObjectIds, rng_for

# The deliberate defects: each must be rejected by the migration (one of each at any scale).
ANOMALY_NAMES = (
    "orphan_message",  # Message.conversationId matches no Conversation
    "reaction_on_missing_message",  # Reaction.messageId matches no Message
    "duplicate_user_email",  # a second User with another's email (other _id and username)
    "duplicate_conversation_member",  # a second ConversationMember with the same conversationId+userId
    "missing_required_field",  # a Community without `name`
    "wrong_type",  # a MessageAttachment whose fileSize is a string ("12 kB")
    "mention_of_missing_user",  # Mention.mentionedUserId matches no User
)

Refs = dict[str, list[tuple[str, ObjectId]]]


@dataclass
class Context:
    seed: int
    scale: float
    ids: ObjectIds
    docs: dict[str, list[dict]] = field(default_factory=dict)
    anomalies: Refs = field(default_factory=dict)
    cases: Refs = field(default_factory=dict)

    @classmethod
    def create(cls, seed: int, scale: float) -> Context:
        return cls(seed, scale, ObjectIds(seed))

    def rng(self, stage: str) -> random.Random:
        return rng_for(self.seed, stage)

    def target(self, collection: str) -> int:
        return scaled_count(collection, self.scale)

    def new_id(self, collection: str, created: datetime) -> ObjectId:
        return self.ids.new(collection, created)

    def anomaly(self, name: str, collection: str, doc_id: ObjectId) -> None:
        assert name in ANOMALY_NAMES, name
        self.anomalies.setdefault(name, []).append((collection, doc_id))

    def case(self, name: str, collection: str, doc_id: ObjectId) -> None:
        """A legacy shape the migration must handle correctly (not a defect to reject)."""
        self.cases.setdefault(name, []).append((collection, doc_id))
