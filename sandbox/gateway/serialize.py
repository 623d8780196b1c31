"""Documents → the JSON the real gateway returns (field lists of api-contract §2-§7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

Doc = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def sid(value: ObjectId | str | None) -> str | None:
    return None if value is None else str(value)


def user_public(user: Doc | None, role: str | None = None) -> Doc | None:
    if user is None:
        return None
    return {
        "id": str(user["_id"]),
        "username": user.get("username"),
        "firstName": user.get("firstName"),
        "lastName": user.get("lastName"),
        "displayName": user.get("displayName")
        or f"{user.get('firstName', '')} {user.get('lastName', '')}".strip(),
        "avatar": user.get("avatar"),
        "role": role if role is not None else user.get("role"),
        "isOnline": bool(user.get("isOnline")),
    }


def user_full(user: Doc, role: str) -> Doc:
    """`userSchema` of /auth/login and /auth/me (no password, ever)."""
    return {
        **user_public(user, role),
        "email": user.get("email"),
        "systemLanguage": user.get("systemLanguage"),
        "regionalLanguage": user.get("regionalLanguage"),
        "customDestinationLanguage": user.get("customDestinationLanguage"),
        "emailVerifiedAt": iso(user.get("emailVerifiedAt")),
        "isActive": user.get("isActive", True),
        "lastActiveAt": iso(user.get("lastActiveAt")),
        "createdAt": iso(user.get("createdAt")),
        "permissions": permissions(role),
    }


def permissions(role: str) -> Doc:
    admin = role in ("BIGBOSS", "ADMIN")
    moderator = admin or role in ("MODERATOR", "MODO")
    return {
        "canAccessAdmin": admin,
        "canManageUsers": admin,
        "canModerateContent": moderator,
        "canManageCommunities": admin,
        "canManageConversations": moderator,
    }


def translation(doc: Doc) -> Doc:
    return {
        "id": f"{doc['messageId']}-{doc['targetLanguage']}",
        "messageId": str(doc["messageId"]),
        "targetLanguage": doc["targetLanguage"],
        "translatedContent": doc.get("translatedContent"),
        "translationModel": doc.get("translationModel"),
        "confidenceScore": doc.get("confidenceScore"),
        "createdAt": iso(doc.get("createdAt")),
    }


def attachment(doc: Doc) -> Doc:
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = str(doc["_id"])
    for key in ("messageId", "uploadedBy"):
        out[key] = sid(doc.get(key))
    out["createdAt"] = iso(doc.get("createdAt"))
    return out


def message(
    doc: Doc,
    sender: Doc | None,
    translations: list[Doc],
    attachments: list[Doc],
    reaction_summary: dict[str, int],
) -> Doc:
    """`messageSchema` of GET /conversations/:id/messages (replyTo, reactions, _count are dropped)."""
    return {
        "id": str(doc["_id"]),
        "conversationId": str(doc["conversationId"]),
        "senderId": sid(doc.get("senderId")),
        "anonymousSenderId": sid(doc.get("anonymousSenderId")),
        "content": doc.get("content", ""),
        "originalLanguage": doc.get("originalLanguage", "fr"),
        "messageType": doc.get("messageType", "text"),
        "messageSource": doc.get("messageSource", "user"),
        "isEdited": bool(doc.get("isEdited")),
        "isDeleted": bool(doc.get("isDeleted")),
        "replyToId": sid(doc.get("replyToId")),
        "reactionSummary": reaction_summary,
        "reactionCount": sum(reaction_summary.values()),
        "validatedMentions": doc.get("validatedMentions") or [],
        "createdAt": iso(doc.get("createdAt")),
        "updatedAt": iso(doc.get("updatedAt")),
        "sender": user_public(sender),
        "attachments": [attachment(a) for a in attachments],
        "translations": [translation(t) for t in translations],
    }


def community(doc: Doc, creator: Doc | None) -> Doc:
    """`communitySchema`: members and _count are stripped, memberCount is absent (§6)."""
    return {
        "id": str(doc["_id"]),
        "identifier": doc.get("identifier"),
        "name": doc.get("name"),
        "description": doc.get("description"),
        "avatar": doc.get("avatar"),
        "banner": doc.get("banner"),
        "isPrivate": doc.get("isPrivate", True),
        "isActive": doc.get("isActive", True),
        "createdBy": sid(doc.get("createdBy")),
        "createdAt": iso(doc.get("createdAt")),
        "updatedAt": iso(doc.get("updatedAt")),
        "creator": user_public(creator),
    }


def conversation_minimal(doc: Doc, last: Doc | None, members: list[Doc]) -> Doc:
    return {
        "id": str(doc["_id"]),
        "identifier": doc.get("identifier"),
        "title": doc.get("title"),
        "type": doc.get("type"),
        "avatar": doc.get("avatar"),
        "banner": doc.get("banner"),
        "isActive": doc.get("isActive", True),
        "communityId": sid(doc.get("communityId")),
        "lastMessageAt": iso(doc.get("lastMessageAt")),
        "createdAt": iso(doc.get("createdAt")),
        "lastMessage": last,
        "unreadCount": 0,
        "members": members,
        "userPreferences": None,
    }


def page(data: list, total: int, limit: int, offset: int, **extra: Any) -> Doc:
    """A `{success, data, pagination}` body, as the gateway's list routes answer."""
    pagination = {"total": total, "limit": limit, "offset": offset, "hasMore": offset + len(data) < total}
    return {"success": True, "data": data, "pagination": pagination, **extra}
