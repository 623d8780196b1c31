"""One pure function per migrated collection: legacy document → target document, or Rejected.

Rules (runbook "Transformations User", migration-spec §6): a legacy value that exists is never
overwritten by a default; defaults fill only what is absent; legacy field names are the real ones
(messageType, isPrivate, fileUrl, mentionedUserId, anonymousUserId → anonymousId); MODO becomes
MODERATOR. Missing dates are derived from the document's ObjectId time, never from the clock, so
that a transform gives the same output every time (verify and delta rely on that).
Fields the target model does not have are left out; the engine counts them in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId

from ops.migration.schema import MISSING, Model, Schema, default_value
from ops.migration.values import unwritable


class Rejected(Exception):
    """The document cannot be migrated; the message is the reason kept in quarantine."""


@dataclass
class Derived:
    """Values computed from other collections of the same source (pure inputs of the transforms)."""

    schema: Schema
    member_counts: dict[ObjectId, int] = field(default_factory=dict)  # active members per conversation
    reactions: dict[ObjectId, dict[str, int]] = field(default_factory=dict)  # per message: emoji → count


ROLE_ALIASES = {"MODO": "MODERATOR"}
LEGACY_ATTACHMENT_PREFIX = "/api/attachments/"
ATTACHMENT_PREFIX = "/api/v1/attachments/"


def _absent(doc: dict, key: str) -> bool:
    return doc.get(key) is None


def _created_at(doc: dict) -> datetime:
    value = doc.get("createdAt")
    if isinstance(value, datetime):
        return value
    if value is not None and (problems := unwritable({"createdAt": value})):
        raise Rejected(problems[0])  # present but unreadable: not missing, so not derived from the _id
    _id = doc.get("_id")
    if isinstance(_id, ObjectId):
        return _id.generation_time.replace(tzinfo=None)
    raise Rejected("createdAt is missing and _id is not an ObjectId to derive it from")


def _finish(model: Model, legacy: dict, target: dict) -> dict:
    """Copy the legacy fields the model has (unless already set), then fill absent defaults."""
    for spec in model.fields.values():
        if spec.db_name not in target and spec.db_name in legacy:
            target[spec.db_name] = legacy[spec.db_name]
    created = target.get("createdAt") or _created_at(legacy)
    for spec in model.fields.values():
        key = spec.db_name
        if target.get(key) is not None or spec.is_id:
            continue
        if key in target and spec.optional:
            continue  # an explicit legacy null stays null
        if spec.updated_at:
            target[key] = target.get("createdAt", created)
        elif spec.has_default and (value := default_value(spec, created)) is not MISSING:
            target[key] = value
    # A null in a unique key would collide with every other null (MongoDB indexes null and missing
    # alike); Prisma reads a missing optional field as null, so leave it out.
    for index in model.unique_keys():
        for key in index.fields:
            if key in target and target[key] is None:
                del target[key]
    return target


def transform_user(doc: dict, ctx: Derived) -> dict:
    target: dict = {"_id": doc["_id"]}
    if _absent(doc, "displayName") or not str(doc["displayName"]).strip():
        full = f"{doc.get('firstName') or ''} {doc.get('lastName') or ''}".strip()
        target["displayName"] = full or doc.get("username")
    if _absent(doc, "bio"):
        target["bio"] = ""
    role = doc.get("role")
    if role is not None:
        upper = str(role).upper()
        target["role"] = ROLE_ALIASES.get(upper, upper)
    created = _created_at(doc)
    if _absent(doc, "lastActiveAt"):
        target["lastActiveAt"] = doc.get("lastSeen") or created
    if _absent(doc, "lastPasswordChange"):
        target["lastPasswordChange"] = created
    target["createdAt"] = created
    return _finish(ctx.schema.models["User"], doc, target)


def transform_community(doc: dict, ctx: Derived) -> dict:
    return _finish(ctx.schema.models["Community"], doc, {"_id": doc["_id"], "createdAt": _created_at(doc)})


def transform_community_member(doc: dict, ctx: Derived) -> dict:
    target = {"_id": doc["_id"]}
    if _absent(doc, "joinedAt"):
        target["joinedAt"] = _created_at(doc)
    return _finish(ctx.schema.models["CommunityMember"], doc, target)


def transform_conversation(doc: dict, ctx: Derived) -> dict:
    target = {"_id": doc["_id"], "createdAt": _created_at(doc),
              "memberCount": ctx.member_counts.get(doc["_id"], 0)}
    if _absent(doc, "lastMessageAt"):
        target["lastMessageAt"] = doc.get("updatedAt") or target["createdAt"]
    return _finish(ctx.schema.models["Conversation"], doc, target)


def transform_conversation_member(doc: dict, ctx: Derived) -> dict:
    target = {"_id": doc["_id"]}
    if _absent(doc, "joinedAt"):
        target["joinedAt"] = _created_at(doc)
    return _finish(ctx.schema.models["ConversationMember"], doc, target)


def transform_message(doc: dict, ctx: Derived) -> dict:
    summary = ctx.reactions.get(doc["_id"], {})
    target = {"_id": doc["_id"], "createdAt": _created_at(doc),
              "reactionCount": sum(summary.values()),
              "reactionSummary": dict(sorted(summary.items())) if summary else None}
    return _finish(ctx.schema.models["Message"], doc, target)


def transform_message_attachment(doc: dict, ctx: Derived) -> dict:
    target = {"_id": doc["_id"], "createdAt": _created_at(doc)}
    url = doc.get("fileUrl")
    if isinstance(url, str) and url.startswith(LEGACY_ATTACHMENT_PREFIX):
        target["fileUrl"] = ATTACHMENT_PREFIX + url[len(LEGACY_ATTACHMENT_PREFIX):]
    return _finish(ctx.schema.models["MessageAttachment"], doc, target)


def transform_message_translation(doc: dict, ctx: Derived) -> dict:
    return _finish(ctx.schema.models["MessageTranslation"], doc, {"_id": doc["_id"], "createdAt": _created_at(doc)})


def transform_reaction(doc: dict, ctx: Derived) -> dict:
    target = {"_id": doc["_id"], "createdAt": _created_at(doc)}
    if "anonymousUserId" in doc and "anonymousId" not in doc:
        target["anonymousId"] = doc["anonymousUserId"]
    if target.get("anonymousId") is None and doc.get("userId") is None:
        raise Rejected("reaction has neither userId nor anonymousUserId")
    return _finish(ctx.schema.models["Reaction"], doc, target)


def transform_mention(doc: dict, ctx: Derived) -> dict:
    target = {"_id": doc["_id"]}
    if _absent(doc, "mentionedAt"):
        target["mentionedAt"] = _created_at(doc)
    return _finish(ctx.schema.models["Mention"], doc, target)


def transform_friend_request(doc: dict, ctx: Derived) -> dict:
    return _finish(ctx.schema.models["FriendRequest"], doc, {"_id": doc["_id"], "createdAt": _created_at(doc)})


TRANSFORMS: dict[str, Callable[[dict, Derived], dict]] = {
    "User": transform_user,
    "Community": transform_community,
    "CommunityMember": transform_community_member,
    "Conversation": transform_conversation,
    "ConversationMember": transform_conversation_member,
    "Message": transform_message,
    "MessageAttachment": transform_message_attachment,
    "MessageTranslation": transform_message_translation,
    "Reaction": transform_reaction,
    "Mention": transform_mention,
    "FriendRequest": transform_friend_request,
}

# Legacy fields renamed by a transform: not counted as "without a target".
RENAMED = {"Reaction": {"anonymousUserId"}}


def is_active_member(doc: dict) -> bool:
    return doc.get("isActive") is not False and doc.get("leftAt") is None


def reaction_owner(doc: dict) -> object:
    return doc.get("userId") or doc.get("anonymousUserId") or doc.get("anonymousId")
