"""Database access of the gateway: pymongo's async client, simple operations only (FerretDB 1.x), read
through the in-memory mirror of the collections (mirror.py)."""

from __future__ import annotations

import re
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import AsyncMongoClient

from sandbox.gateway import serialize
from sandbox.gateway.mirror import Mirror, MirroredCollection
from sandbox.shapes import Shape

Doc = dict[str, Any]


def oid(value: Any) -> ObjectId | None:
    """An ObjectId from a 24-hex string (or None when it is not one)."""
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(str(value))
    except (InvalidId, TypeError):
        return None


class Store:
    def __init__(self, url: str, shape: Shape, timeout_ms: int = 2000) -> None:
        self.client: AsyncMongoClient = AsyncMongoClient(
            url,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=10_000,
            tz_aware=False,
        )
        self.db = self.client.get_default_database()
        self.mirror = Mirror(self.db)
        self.shape = shape

    def __getitem__(self, collection: str) -> MirroredCollection:
        return self.mirror[collection]

    def start(self) -> None:
        self.mirror.start()

    async def close(self) -> None:
        await self.mirror.close()
        await self.client.close()

    # --- users -----------------------------------------------------------------------------
    async def find_login(self, identifier: str) -> Doc | None:
        """Case-insensitive username or email, active users only (AuthService.ts:118-140)."""
        ident = identifier.strip().lower()
        # A $regex document, not re.compile: FerretDB refuses Python's implicit "u" flag.
        pattern = {"$regex": f"^{re.escape(ident)}$", "$options": "i"}
        return await self["User"].find_one(
            {"$or": [{"username": pattern}, {"email": pattern}], "isActive": {"$ne": False}}
        )

    async def user(self, user_id: ObjectId) -> Doc | None:
        return await self["User"].find_one({"_id": user_id})

    async def users(self, ids: list[ObjectId]) -> dict[ObjectId, Doc]:
        ids = [i for i in set(ids) if i is not None]
        if not ids:
            return {}
        return {u["_id"]: u async for u in self["User"].find({"_id": {"$in": ids}})}

    # --- conversations ---------------------------------------------------------------------
    async def conversation(self, ref: str) -> Doc | None:
        """`:id` is an ObjectId or an identifier (`meeshy`, `mshy_...`)."""
        as_oid = oid(ref)
        if as_oid is not None:
            found = await self["Conversation"].find_one({"_id": as_oid})
            if found:
                return found
        return await self["Conversation"].find_one({"identifier": ref})

    async def is_member(self, conversation_id: ObjectId, user_id: ObjectId) -> bool:
        return (
            await self["ConversationMember"].find_one(
                {"conversationId": conversation_id, "userId": user_id, "isActive": {"$ne": False}}
            )
            is not None
        )

    async def membership_ids(self, user_id: ObjectId) -> list[ObjectId]:
        cursor = self["ConversationMember"].find({"userId": user_id, "isActive": {"$ne": False}})
        return [m["conversationId"] async for m in cursor]

    async def member_ids(self, conversation_id: ObjectId) -> list[ObjectId]:
        cursor = self["ConversationMember"].find(
            {"conversationId": conversation_id, "isActive": {"$ne": False}}
        )
        return [m["userId"] async for m in cursor]

    # --- messages --------------------------------------------------------------------------
    async def reaction_summaries(self, message_ids: list[ObjectId]) -> dict[ObjectId, dict[str, int]]:
        out: dict[ObjectId, dict[str, int]] = {i: {} for i in message_ids}
        async for r in self["Reaction"].find({"messageId": {"$in": message_ids}}):
            summary = out.setdefault(r["messageId"], {})
            summary[r["emoji"]] = summary.get(r["emoji"], 0) + 1
        return out

    async def translations(self, messages: list[Doc]) -> dict[ObjectId, list[Doc]]:
        """Rows of MessageTranslation, plus the `Message.translations` map of the later schema."""
        out: dict[ObjectId, dict[str, Doc]] = {m["_id"]: {} for m in messages}
        for m in messages:
            if isinstance(m.get("translations"), dict):
                for lang, t in m["translations"].items():
                    if isinstance(t, dict):
                        out[m["_id"]][lang] = {
                            "messageId": m["_id"],
                            "targetLanguage": lang,
                            "translatedContent": t.get("text"),
                            "translationModel": t.get("translationModel"),
                            "confidenceScore": t.get("confidenceScore"),
                            "createdAt": t.get("createdAt"),
                        }
        async for t in self["MessageTranslation"].find({"messageId": {"$in": list(out)}}):
            out.setdefault(t["messageId"], {})[t["targetLanguage"]] = t
        return {k: list(v.values()) for k, v in out.items()}

    async def serialize_messages(self, messages: list[Doc]) -> list[Doc]:
        ids = [m["_id"] for m in messages]
        senders = await self.users([m.get("senderId") for m in messages])
        translations = await self.translations(messages)
        summaries = await self.reaction_summaries(ids)
        attachments: dict[ObjectId, list[Doc]] = {}
        async for a in self["MessageAttachment"].find({"messageId": {"$in": ids}}):
            attachments.setdefault(a["messageId"], []).append(a)
        return [
            serialize.message(
                m,
                senders.get(m.get("senderId")),
                translations.get(m["_id"], []),
                attachments.get(m["_id"], []),
                summaries.get(m["_id"], {}),
            )
            for m in messages
        ]

    async def reaction_aggregate(self, message_id: ObjectId, viewer: ObjectId) -> Doc:
        """{messageId, reactions:[{emoji, count, userIds, anonymousIds, hasCurrentUser}], totalCount, …}."""
        groups: dict[str, Doc] = {}
        anon_field = self.shape.reaction_anonymous_field
        async for r in self["Reaction"].find({"messageId": message_id}).sort("createdAt", 1):
            g = groups.setdefault(
                r["emoji"],
                {"emoji": r["emoji"], "count": 0, "userIds": [], "anonymousIds": [], "hasCurrentUser": False},
            )
            g["count"] += 1
            if r.get("userId") is not None:
                g["userIds"].append(str(r["userId"]))
                g["hasCurrentUser"] = g["hasCurrentUser"] or r["userId"] == viewer
            if r.get(anon_field) is not None:
                g["anonymousIds"].append(str(r[anon_field]))
        reactions = list(groups.values())
        return {
            "messageId": str(message_id),
            "reactions": reactions,
            "totalCount": sum(g["count"] for g in reactions),
            "userReactions": [g["emoji"] for g in reactions if g["hasCurrentUser"]],
        }
