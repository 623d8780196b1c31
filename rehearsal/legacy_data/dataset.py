"""The whole legacy dataset, built from (scale, seed) alone, without a database.

>>> dataset = build_dataset(scale=0.05, seed=42)
>>> for collection, docs in dataset.collections():
...     print(collection, sum(1 for _ in docs))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ops.errors import OpsError
from rehearsal.legacy_data import satellites as sat
from rehearsal.legacy_data.context import ANOMALY_NAMES, Context, Refs
from rehearsal.legacy_data.counts import LEGACY_COUNTS, MIN_SCALE
from rehearsal.legacy_data.groups import build_communities, build_conversations
from rehearsal.legacy_data.messages import build_messages
from rehearsal.legacy_data.people import build_people

MAX_SCALE = 100.0


@dataclass
class LegacyDataset:
    scale: float
    seed: int
    eager: dict[str, list[dict]]
    lazy: dict[str, tuple[int, Callable[[], Iterator[dict]]]]  # the two big ones: (count, producer)
    anomalies: Refs
    cases: Refs

    def collections(self) -> Iterator[tuple[str, Iterable[dict]]]:
        """Every legacy collection in snapshot order with its documents (empty ones included).
        The big collections are generated on the fly: iterate once per dataset."""
        for name in LEGACY_COUNTS:
            yield name, (self.lazy[name][1]() if name in self.lazy else self.eager.get(name, []))

    def planned_count(self, name: str) -> int:
        """How many documents ``collections()`` yields for ``name`` (the big ones stop short only
        if the dataset is too small to hold that many distinct pairs)."""
        return self.lazy[name][0] if name in self.lazy else len(self.eager.get(name, []))


def build_dataset(scale: float = 1.0, seed: int = 42) -> LegacyDataset:
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise OpsError(f"scale must be between {MIN_SCALE} and {MAX_SCALE:g} (got {scale:g})")
    ctx = Context.create(seed, scale)
    people = build_people(ctx)
    communities = build_communities(ctx, people)
    groups = build_conversations(ctx, people, communities)
    msgs = build_messages(ctx, people, groups)
    world = sat.World(people, groups, msgs)
    t = ctx.target
    d = ctx.docs
    d["MessageAttachment_backup_urls"] = sat.backup_urls(ctx, t("MessageAttachment_backup_urls"))
    d["MessageReadStatus"] = sat.read_statuses(ctx, world, t("MessageReadStatus"))
    d["old_message_status"] = sat.read_statuses(ctx, world, t("old_message_status"), "old_message_status")
    d["AffiliateToken"], d["AffiliateRelation"] = sat.affiliates(
        ctx, world, t("AffiliateToken"), t("AffiliateRelation")
    )
    d["ConversationShareLink"] = sat.share_links(ctx, world, t("ConversationShareLink"))
    d["TrackingLink"], d["TrackingLinkClick"] = sat.tracking(
        ctx, world, t("TrackingLink"), t("TrackingLinkClick")
    )
    d["AdminAuditLog"] = sat.audit_log(ctx, world, t("AdminAuditLog"))
    d["call_sessions"], d["call_participants"] = sat.calls(
        ctx, world, t("call_sessions"), t("call_participants")
    )
    d["user_conversation_categories"], d["user_conversation_preferences"] = sat.conversation_prefs(
        ctx, world, t("user_conversation_categories"), t("user_conversation_preferences")
    )
    d["UserStats"] = sat.user_stats(ctx, world, t("UserStats"))
    d["FriendRequest"] = sat.friend_requests(ctx, world, t("FriendRequest"))
    n_statuses = min(t("MessageStatus"), sat.status_capacity(world))
    lazy = {
        "MessageStatus": (n_statuses, lambda: sat.message_statuses(ctx, world, n_statuses)),
        "Notification": (t("Notification"), lambda: sat.notifications(ctx, world, t("Notification"))),
    }
    assert set(ctx.anomalies) == set(ANOMALY_NAMES)
    assert set(d) | set(lazy) <= set(LEGACY_COUNTS)
    return LegacyDataset(scale, seed, d, lazy, ctx.anomalies, ctx.cases)


def iter_documents(scale: float = 1.0, seed: int = 42) -> Iterator[tuple[str, dict]]:
    """Every document of the dataset as (collection, document), in the order they are written."""
    for name, docs in build_dataset(scale, seed).collections():
        for doc in docs:
            yield name, doc
