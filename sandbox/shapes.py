"""The one place where the legacy shape (migration-spec §1.3) and the Prisma shape (§2.2) differ.

Handlers build and read documents only through a :class:`Shape`, so `--data legacy` (the
rehearsal's old production) writes legacy-shaped documents and `--data prisma` writes the
migrated ones. Collection names are the model names in both shapes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

Doc = dict[str, Any]


def now() -> datetime:
    # BSON dates have millisecond precision; truncate so what we return equals what we stored.
    t = datetime.now(UTC).replace(tzinfo=None)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


class Shape:
    """The Prisma shape of §2.2 (the default)."""

    name = "prisma"
    reaction_anonymous_field = "anonymousId"
    has_reaction_summary = True

    # --- reading ---------------------------------------------------------------------------
    def api_role(self, user: Doc) -> str:
        return str(user.get("role") or "USER")

    def user_languages(self, user: Doc) -> set[str]:
        langs = {
            user.get("systemLanguage"),
            user.get("regionalLanguage"),
            user.get("customDestinationLanguage"),
        }
        return {lang for lang in langs if lang}

    # --- writing ---------------------------------------------------------------------------
    def new_message(
        self,
        conversation_id: ObjectId,
        sender_id: ObjectId,
        content: str,
        language: str,
        message_type: str,
        reply_to_id: ObjectId | None,
        mentions: list[str],
    ) -> Doc:
        t = now()
        return {
            "_id": ObjectId(),
            "conversationId": conversation_id,
            "senderId": sender_id,
            "anonymousSenderId": None,
            "content": content,
            "originalLanguage": language,
            "messageType": message_type,
            "messageSource": "user",
            "isEdited": False,
            "editedAt": None,
            "isDeleted": False,
            "deletedAt": None,
            "replyToId": reply_to_id,
            "validatedMentions": mentions,
            "isViewOnce": False,
            "viewOnceCount": 0,
            "isBlurred": False,
            "deliveredCount": 0,
            "readCount": 0,
            "reactionSummary": {},
            "reactionCount": 0,
            "isEncrypted": False,
            "createdAt": t,
            "updatedAt": t,
        }

    def edit_update(self, content: str) -> Doc:
        t = now()
        return {"content": content, "isEdited": True, "editedAt": t, "updatedAt": t}

    def delete_update(self) -> Doc:
        t = now()
        return {"isDeleted": True, "deletedAt": t, "updatedAt": t}

    def new_reaction(self, message_id: ObjectId, user_id: ObjectId, emoji: str) -> Doc:
        t = now()
        return {
            "_id": ObjectId(),
            "messageId": message_id,
            "userId": user_id,
            self.reaction_anonymous_field: None,
            "emoji": emoji,
            "createdAt": t,
            "updatedAt": t,
        }

    def new_translation(
        self, message_id: ObjectId, source: str, target: str, text: str, model: str, confidence: float
    ) -> Doc:
        t = now()
        return {
            "_id": ObjectId(),
            "messageId": message_id,
            "targetLanguage": target,
            "translatedContent": text,
            "translationModel": model,
            "confidenceScore": confidence,
            "isEncrypted": False,
            "createdAt": t,
            "updatedAt": t,
        }

    def new_mention(self, message_id: ObjectId, user_id: ObjectId) -> Doc:
        return {"_id": ObjectId(), "messageId": message_id, "mentionedUserId": user_id, "mentionedAt": now()}

    def new_attachment(self, **fields: Any) -> Doc:
        doc = {"_id": ObjectId(), "messageId": None, "isAnonymous": False, "createdAt": now(), **fields}
        doc.update(
            {
                "isForwarded": False,
                "isViewOnce": False,
                "viewOnceCount": 0,
                "isBlurred": False,
                "viewedCount": 0,
                "downloadedCount": 0,
                "consumedCount": 0,
                "isEncrypted": False,
            }
        )
        return doc

    def new_conversation(
        self,
        identifier: str,
        conv_type: str,
        title: str | None,
        community_id: ObjectId | None,
        member_count: int,
    ) -> Doc:
        t = now()
        return {
            "_id": ObjectId(),
            "identifier": identifier,
            "type": conv_type,
            "title": title,
            "description": None,
            "avatar": None,
            "banner": None,
            "communityId": community_id,
            "isActive": True,
            "memberCount": member_count,
            "lastMessageAt": t,
            "defaultWriteRole": "everyone",
            "isAnnouncementChannel": False,
            "slowModeSeconds": 0,
            "autoTranslateEnabled": True,
            "createdAt": t,
            "updatedAt": t,
        }

    def new_member(self, conversation_id: ObjectId, user_id: ObjectId, role: str) -> Doc:
        return {
            "_id": ObjectId(),
            "conversationId": conversation_id,
            "userId": user_id,
            "role": role,
            "nickname": None,
            "canSendMessage": True,
            "canSendFiles": True,
            "canSendImages": True,
            "canSendVideos": True,
            "canSendAudios": True,
            "canSendLocations": True,
            "canSendLinks": True,
            "joinedAt": now(),
            "leftAt": None,
            "isActive": True,
        }

    def presence_update(self, online: bool) -> Doc:
        return {"isOnline": online, "lastActiveAt": now()}


# Message fields the Prisma schema added; a legacy document has none of them (migration-spec §1.3).
PRISMA_ONLY_MESSAGE_FIELDS = ("messageSource", "isViewOnce", "viewOnceCount", "isBlurred", "deliveredCount",
                              "readCount", "reactionSummary", "reactionCount")
PRISMA_ONLY_CONVERSATION_FIELDS = ("banner", "memberCount", "defaultWriteRole", "isAnnouncementChannel",
                                   "slowModeSeconds")


class LegacyShape(Shape):
    """The legacy shape of §1.3: the production data before the migration."""

    name = "legacy"
    reaction_anonymous_field = "anonymousUserId"
    has_reaction_summary = False

    def new_message(self, *args: Any, **kwargs: Any) -> Doc:
        doc = super().new_message(*args, **kwargs)
        for key in PRISMA_ONLY_MESSAGE_FIELDS:
            del doc[key]
        return doc

    def new_translation(
        self, message_id: ObjectId, source: str, target: str, text: str, model: str, confidence: float
    ) -> Doc:
        t = now()
        return {
            "_id": ObjectId(),
            "messageId": message_id,
            "sourceLanguage": source,
            "targetLanguage": target,
            "translatedContent": text,
            "translationModel": model,
            "cacheKey": f"{message_id}_{source}_{target}",
            "confidenceScore": confidence,
            "createdAt": t,
            "updatedAt": t,
        }

    def new_attachment(self, **fields: Any) -> Doc:
        return {"_id": ObjectId(), "messageId": None, "isAnonymous": False, "createdAt": now(), **fields}

    def new_conversation(self, *args: Any, **kwargs: Any) -> Doc:
        doc = super().new_conversation(*args, **kwargs)
        for key in PRISMA_ONLY_CONVERSATION_FIELDS:
            del doc[key]
        return {**doc, "image": None, "isArchived": False}

    def new_member(self, conversation_id: ObjectId, user_id: ObjectId, role: str) -> Doc:
        doc = super().new_member(conversation_id, user_id, role)
        del doc["nickname"]
        return doc

    def presence_update(self, online: bool) -> Doc:
        t = now()
        return {"isOnline": online, "lastActiveAt": t, "lastSeen": t}


SHAPES: dict[str, Shape] = {"prisma": Shape(), "legacy": LegacyShape()}


def shape_for(name: str) -> Shape:
    try:
        return SHAPES[name]
    except KeyError:
        raise ValueError(f"unknown data shape {name!r}; choose prisma or legacy") from None
