"""The legacy collections and their document counts (snapshot 2026-01-25, migration-spec §1.2)."""

from __future__ import annotations

# In the snapshot's listing order, which is also the order the generator writes them.
LEGACY_COUNTS: dict[str, int] = {
    "MessageAttachment_backup_urls": 514,
    "MessageReadStatus": 172,
    "AffiliateToken": 59,
    "ConversationShareLink": 8,
    "TypingIndicator": 0,
    "TrackingLink": 75,
    "AdminAuditLog": 89,
    "Message": 4508,
    "Community": 8,
    "Reaction": 1365,
    "MessageTranslation": 2787,
    "AnonymousParticipant": 0,
    "AffiliateRelation": 86,
    "TrackingLinkClick": 904,
    "Conversation": 152,
    "CommunityMember": 14,
    "MessageAttachment": 703,
    "User": 207,
    "ConversationPreference": 0,
    "user_conversation_categories": 6,
    "UserPreference": 0,
    "UserStats": 96,
    "Mention": 104,
    "old_message_status": 7,
    "call_sessions": 44,
    "FriendRequest": 96,
    "call_participants": 48,
    "ConversationMember": 616,
    "MessageStatus": 18143,
    "user_conversation_preferences": 34,
    "Notification": 94790,
}

LEGACY_TOTAL = 125_635
assert sum(LEGACY_COUNTS.values()) == LEGACY_TOTAL

MIN_SCALE = 0.01


def scaled_count(collection: str, scale: float) -> int:
    """The count asked for at ``scale``; the generator may add the few documents that seed
    accounts and anomalies need at small scales (the summary reports what was written)."""
    return round(LEGACY_COUNTS[collection] * scale)
