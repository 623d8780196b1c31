"""What REST and Socket.IO share: sending a message, reacting, the translation pipeline."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import aiohttp
import socketio
from bson import ObjectId

from sandbox.defects import Defects
from sandbox.gateway import serialize
from sandbox.gateway.config import GatewayConfig
from sandbox.gateway.errors import ApiError
from sandbox.gateway.store import Store, oid
from sandbox.shapes import now, shape_for

Doc = dict[str, Any]
log = logging.getLogger("gateway")

MAX_MESSAGE_LENGTH = 4000
MENTION = re.compile(r"@(\w+)")
GLOBAL_TYPES = ("global",)
LANGUAGE_CACHE_S = 300.0


class Gateway:
    """One running gateway: its settings, database, Socket.IO server and translator client."""

    def __init__(self, config: GatewayConfig, sio: socketio.AsyncServer) -> None:
        self.config = config
        self.faults = config.faults
        self.defects = config.defects if config.defects is not None else Defects(config.data)
        self.shape = shape_for(config.data)
        self.store = Store(config.mongodb_url, self.shape, config.db_timeout_ms)
        self.sio = sio
        self.http: aiohttp.ClientSession | None = None
        self.started = now()
        self._tasks: set[asyncio.Task] = set()
        self._languages: dict[ObjectId, tuple[float, set[str]]] = {}
        self.sockets: dict[ObjectId, str] = {}  # one socket per user: userId → sid

    async def enter_room(self, user_id: ObjectId, room: str) -> None:
        """Put the user's socket (if connected) in a room, e.g. a conversation just created."""
        sid = self.sockets.get(user_id)
        if sid is not None:
            await self.sio.enter_room(sid, room)

    async def start(self) -> None:
        self.store.start()
        self.http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.config.translate_deadline_s)
        )

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.http is not None:
            await self.http.close()
        await self.store.close()

    def spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- messages --------------------------------------------------------------------------
    async def conversation_for(self, ref: str, user_id: ObjectId, allow_global: bool = False) -> Doc:
        conv = await self.store.conversation(str(ref or ""))
        if conv is None:
            raise ApiError(403, "Unauthorized access to this conversation")
        if allow_global and conv.get("type") in GLOBAL_TYPES:
            return conv
        if not await self.store.is_member(conv["_id"], user_id):
            raise ApiError(403, "Unauthorized access to this conversation")
        return conv

    async def send_message(
        self,
        user: Doc,
        conversation_ref: str,
        body: Doc,
        *,
        allow_global: bool,
        attachment_ids: list[str] | None = None,
        broadcast_to: str | None = None,
        broadcast: bool = False,
    ) -> Doc:
        """Validate and store one message; return its `message:new` payload. Afterwards, in the
        background: broadcast it (socket sends only, `broadcast_to` is the sender's sid), then
        translate it."""
        content = body.get("content")
        if not isinstance(content, str) or (not content.strip() and not attachment_ids):
            raise ApiError(400, "Message content is required")
        if len(content) > MAX_MESSAGE_LENGTH:
            raise ApiError(400, f"Message exceeds {MAX_MESSAGE_LENGTH} characters")
        conv = await self.conversation_for(conversation_ref, user["_id"], allow_global)
        reply_to = reply_target = None
        if body.get("replyToId"):
            reply_to = oid(body["replyToId"])
            if reply_to is not None:
                reply_target = await self.store["Message"].find_one(
                    {"_id": reply_to, "conversationId": conv["_id"]}
                )
            if reply_target is None:
                raise ApiError(400, "Reply target not found in this conversation")
        attachments = await self._own_attachments(attachment_ids or [], user["_id"])
        mentioned = await self._mentions(content, conv["_id"])
        language = body.get("originalLanguage") or "fr"
        message_type = body.get("messageType") or ("file" if attachments else "text")
        doc = self.shape.new_message(
            conv["_id"],
            user["_id"],
            content,
            language,
            message_type,
            reply_to,
            [u["username"] for u in mentioned],
        )
        await self.store["Message"].insert_one(doc)
        if attachments:
            await self.store["MessageAttachment"].update_many(
                {"_id": {"$in": [a["_id"] for a in attachments]}}, {"$set": {"messageId": doc["_id"]}}
            )
            for attachment in attachments:
                attachment["messageId"] = doc["_id"]
        if mentioned:
            await self.store["Mention"].insert_many(
                [self.shape.new_mention(doc["_id"], u["_id"]) for u in mentioned]
            )
        if "critical_log" in self.faults:
            log.critical("PrismaClientKnownRequestError: Inconsistent query result on message %s", doc["_id"])
        event = await self._new_message_event(doc, user, attachments, reply_target)
        self.spawn(self._after_send(doc, event, broadcast_to, broadcast))
        return event

    async def _after_send(self, doc: Doc, event: Doc, sender_sid: str | None, broadcast: bool) -> None:
        await asyncio.sleep(0)  # let the handler's ack leave first: it precedes message:new
        if sender_sid is not None or broadcast:
            await self.broadcast_new(event, sender_sid)
        await self.store["Conversation"].update_one(
            {"_id": doc["conversationId"]}, {"$set": {"lastMessageAt": doc["createdAt"]}}
        )
        await self.translate(doc)

    async def _own_attachments(self, ids: list[str], user_id: ObjectId) -> list[Doc]:
        found = []
        for raw in ids:
            att = await self.store["MessageAttachment"].find_one({"_id": oid(raw)}) if oid(raw) else None
            if att is None or att.get("uploadedBy") != user_id:
                raise ApiError(400, f"Attachment {raw} not found or not yours")
            found.append(att)
        return found

    async def _mentions(self, content: str, conversation_id: ObjectId) -> list[Doc]:
        """`@username` of members of the conversation (MentionService: valid and allowed only)."""
        names = list(dict.fromkeys(MENTION.findall(content)))
        if not names:
            return []
        if len(names) > 50:
            raise ApiError(400, "Too many mentions")
        members = set(await self.store.member_ids(conversation_id))
        users = self.store["User"].find({"username": {"$in": names}})
        return [u async for u in users if u["_id"] in members]

    async def _new_message_event(
        self, doc: Doc, sender: Doc, attachments: list[Doc], reply_target: Doc | None
    ) -> Doc:
        """The `message:new` payload (MeeshySocketIOManager.ts:2311-2395), built from what the send
        already holds: a new message has no translations or reactions yet."""
        base = serialize.message(doc, sender, [], attachments, {})
        reply = None
        if reply_target is not None:
            reply_sender = (
                await self.store.user(reply_target["senderId"]) if reply_target.get("senderId") else None
            )
            reply = {
                "id": str(reply_target["_id"]),
                "content": reply_target.get("content"),
                "originalLanguage": reply_target.get("originalLanguage"),
                "senderId": serialize.sid(reply_target.get("senderId")),
                "sender": serialize.user_public(reply_sender),
                "createdAt": serialize.iso(reply_target.get("createdAt")),
            }
        return {
            **base,
            "originalContent": base["content"],
            "replyTo": reply,
            "meta": {"conversationStats": None},
        }

    async def broadcast_new(self, event: Doc, sender_sid: str | None) -> None:
        """Room `conversation_<id>`, plus a direct emit to the sender's socket (who thus gets it twice)."""
        if "no_broadcast" in self.faults:
            return
        await self.sio.emit("message:new", event, room=f"conversation_{event['conversationId']}")
        if sender_sid is not None:
            await self.sio.emit("message:new", event, to=sender_sid)

    # --- reactions -------------------------------------------------------------------------
    async def _reactable(self, message_id: str, user_id: ObjectId) -> Doc:
        msg = await self.store["Message"].find_one({"_id": oid(message_id)}) if oid(message_id) else None
        if msg is None:
            raise ApiError(404, "Message not found")
        conv = await self.store["Conversation"].find_one({"_id": msg["conversationId"]})
        if not (conv and conv.get("type") in GLOBAL_TYPES) and not await self.store.is_member(
            msg["conversationId"], user_id
        ):
            raise ApiError(403, "Unauthorized access to this conversation")
        return msg

    async def add_reaction(self, user_id: ObjectId, message_id: str, emoji: Any) -> tuple[Doc, Doc]:
        if not isinstance(emoji, str) or not 1 <= len(emoji) <= 10 or emoji.strip() != emoji:
            raise ApiError(400, "Invalid emoji format")
        msg = await self._reactable(message_id, user_id)
        existing = await self.store["Reaction"].find_one(
            {"messageId": msg["_id"], "userId": user_id, "emoji": emoji}
        )
        if existing:
            return msg, existing
        mine = await self.store["Reaction"].distinct("emoji", {"messageId": msg["_id"], "userId": user_id})
        if len(mine) >= 3:
            raise ApiError(500, "Maximum 3 different reactions per message")
        doc = self.shape.new_reaction(msg["_id"], user_id, emoji)
        await self.store["Reaction"].insert_one(doc)
        await self._refresh_summary(msg["_id"])
        return msg, doc

    async def remove_reaction(self, user_id: ObjectId, message_id: str, emoji: str) -> Doc:
        msg = await self._reactable(message_id, user_id)
        result = await self.store["Reaction"].delete_one(
            {"messageId": msg["_id"], "userId": user_id, "emoji": emoji}
        )
        if result.deleted_count == 0:
            raise ApiError(404, "Reaction not found")
        await self._refresh_summary(msg["_id"])
        return msg

    async def _refresh_summary(self, message_id: ObjectId) -> None:
        if not self.shape.has_reaction_summary:
            return
        summary = (await self.store.reaction_summaries([message_id]))[message_id]
        await self.store["Message"].update_one(
            {"_id": message_id},
            {"$set": {"reactionSummary": summary, "reactionCount": sum(summary.values())}},
        )

    async def reaction_broadcast(self, event: str, msg: Doc, user_id: ObjectId, emoji: str) -> None:
        # Defect reaction_broadcast_wrong_room: emitted to room `<conversationId>` with no
        # `conversation_` prefix, which no socket joins, so the broadcast reaches nobody.
        aggregate = await self.store.reaction_aggregate(msg["_id"], user_id)
        group = next(
            (g for g in aggregate["reactions"] if g["emoji"] == emoji),
            {"emoji": emoji, "count": 0, "userIds": [], "anonymousIds": [], "hasCurrentUser": False},
        )
        await self.sio.emit(
            event,
            {
                "messageId": str(msg["_id"]),
                "userId": str(user_id),
                "emoji": emoji,
                "action": "add" if event == "reaction:added" else "remove",
                "aggregation": group,
                "timestamp": serialize.iso(now()),
            },
            room=(
                str(msg["conversationId"])
                if "reaction_broadcast_wrong_room" in self.defects
                else f"conversation_{msg['conversationId']}"
            ),
        )

    # --- translation -----------------------------------------------------------------------
    async def target_languages(self, doc: Doc) -> list[str]:
        """Every member language minus the source; cached per conversation for 5 minutes, as the
        real gateway does (LanguageCache.ts)."""
        cached = self._languages.get(doc["conversationId"])
        if cached is None or cached[0] < time.monotonic():
            users = await self.store.users(await self.store.member_ids(doc["conversationId"]))
            langs: set[str] = set()
            for user in users.values():
                langs |= self.shape.user_languages(user)
            cached = (time.monotonic() + LANGUAGE_CACHE_S, langs)
            self._languages[doc["conversationId"]] = cached
        return sorted(cached[1] - {doc.get("originalLanguage")})

    async def translate(self, doc: Doc) -> None:
        """One translator request and one `message:translation` event per target language."""
        try:
            targets = await self.target_languages(doc)
        except Exception:
            log.exception("could not compute the target languages of %s", doc["_id"])
            return
        await asyncio.gather(*(self._translate_one(doc, lang) for lang in targets))

    async def _translate_one(self, doc: Doc, target: str) -> None:
        source = doc.get("originalLanguage") or "fr"
        model = "medium" if len(doc.get("content", "")) < 80 else "premium"
        try:
            async with self.http.post(
                f"{self.config.translator_url}/translate",
                json={
                    "text": doc.get("content", ""),
                    "source_language": source,
                    "target_language": target,
                    "model_type": model,
                },
            ) as resp:
                if resp.status != 200:
                    log.warning(
                        "translation %s→%s of %s failed: HTTP %s", source, target, doc["_id"], resp.status
                    )
                    return
                result = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("translation %s→%s of %s failed: %s", source, target, doc["_id"], type(exc).__name__)
            return
        row = self.shape.new_translation(
            doc["_id"],
            source,
            target,
            result["translated_text"],
            model,
            float(result.get("confidence_score", 0.9)),
        )
        try:
            await self.store["MessageTranslation"].insert_one(row)
        except Exception:
            log.exception("could not store the %s translation of %s", target, doc["_id"])
            return
        if "no_translation_event" in self.defects:
            # Stored (the REST list shows it) but routed to the audio handler, which throws on the
            # missing audio segments and swallows it: no event (MeeshySocketIOManager.ts:1609-1620).
            return
        item = {
            **serialize.translation(row),
            "sourceLanguage": source,
            "cacheKey": f"{doc['_id']}_{target}",
            "cached": False,
        }
        await self.sio.emit(
            "message:translation",
            {"messageId": str(doc["_id"]), "translations": [item]},
            room=f"conversation_{doc['conversationId']}",
        )

    async def translator_up(self) -> bool:
        try:
            async with self.http.get(
                f"{self.config.translator_url}/health", timeout=aiohttp.ClientTimeout(total=1)
            ) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
