"""The fate of every legacy collection: migrate (with its transform), copy unchanged, or drop.

Defaults follow the runbook (design.md, "The data"). A collection the plan does not name is copied
unchanged and reported, never ignored. A plan file is JSON: ``{"collections": {"Name": "drop"}}``;
its entries override the defaults.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ops.errors import OpsError

MIGRATE, COPY, DROP = "migrate", "copy", "drop"
FATES = (MIGRATE, COPY, DROP)

# Order matters: a collection comes after every collection its required relations point to.
MIGRATED = (
    "User", "Community", "CommunityMember", "Conversation", "ConversationMember", "Message",
    "MessageAttachment", "MessageTranslation", "Reaction", "Mention", "FriendRequest",
)
DROPPED = (
    "Notification", "MessageAttachment_backup_urls", "old_message_status", "TypingIndicator",
    "AnonymousParticipant", "ConversationPreference", "UserPreference",
)

# The legacy collections neither migrated nor dropped: carried over unchanged.
COPIED = (
    "MessageReadStatus", "AffiliateToken", "ConversationShareLink", "TrackingLink", "AdminAuditLog",
    "AffiliateRelation", "TrackingLinkClick", "user_conversation_categories", "UserStats", "call_sessions",
    "call_participants", "MessageStatus", "user_conversation_preferences",
)

# Collections the tool itself keeps in the target; never part of a plan.
META_COLLECTION = "_meeshy_migration"
REJECTS_COLLECTION = "_meeshy_rejects"
INTERNAL = (META_COLLECTION, REJECTS_COLLECTION)


@dataclass
class Plan:
    fates: dict[str, str] = field(default_factory=dict)
    unplanned: list[str] = field(default_factory=list)  # present in the source, absent from plan

    def fate(self, collection: str) -> str:
        return self.fates[collection]

    def ordered(self, fate: str) -> list[str]:
        names = [c for c, f in self.fates.items() if f == fate]
        rank = {name: i for i, name in enumerate(MIGRATED)}
        return sorted(names, key=lambda c: (rank.get(c, len(rank)), c))


def default_fates() -> dict[str, str]:
    return {**{c: MIGRATE for c in MIGRATED}, **{c: COPY for c in COPIED}, **{c: DROP for c in DROPPED}}


def load_overrides(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise OpsError(f"cannot read the plan {path}: {exc}") from exc
    entries = data.get("collections") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise OpsError(f"plan {path}: expected an object {{\"collections\": {{name: fate}}}}")
    for name, fate in entries.items():
        if fate not in FATES:
            raise OpsError(f"plan {path}: collection {name!r} has fate {fate!r}; use one of {', '.join(FATES)}")
        if fate == MIGRATE and name not in MIGRATED:
            raise OpsError(f"plan {path}: no transform exists for {name!r}; it can only be copied or dropped")
    return dict(entries)


def build_plan(source_collections: list[str], overrides: dict[str, str] | None = None) -> Plan:
    """The plan for the collections the source actually has."""
    known = {**default_fates(), **(overrides or {})}
    plan = Plan()
    for name in sorted(source_collections):
        if name in INTERNAL or name.startswith("system."):
            continue
        if name in known:
            plan.fates[name] = known[name]
        else:
            plan.fates[name] = COPY
            plan.unplanned.append(name)
    return plan
