"""Socket.IO handlers (api-contract §7): auth on connect, one socket per user, messages, typing,
reactions, presence."""

from __future__ import annotations

import logging
from typing import Any

import socketio
from pymongo.errors import PyMongoError

from sandbox.gateway import serialize
from sandbox.gateway.auth import bearer, read_token
from sandbox.gateway.core import Gateway
from sandbox.gateway.errors import ApiError
from sandbox.shapes import now

Doc = dict[str, Any]
log = logging.getLogger("gateway.socket")
NOT_AUTHENTICATED = {"success": False, "error": "User not authenticated"}


def _token(environ: Doc, auth: Any) -> str | None:
    """Header `Authorization: Bearer`, then `auth.authToken`, then `auth.token` (:876-880)."""
    header = bearer(environ.get("HTTP_AUTHORIZATION"))
    if header:
        return header
    if isinstance(auth, dict):
        return auth.get("authToken") or auth.get("token")
    return None


def register(gw: Gateway) -> None:
    sio = gw.sio

    async def user_of(sid: str) -> Doc | None:
        session = await sio.get_session(sid)
        return session.get("user")

    async def presence(user: Doc, online: bool, skip_sid: str | None) -> None:
        try:
            await gw.store["User"].update_one({"_id": user["_id"]}, {"$set": gw.shape.presence_update(online)})
            rooms = await gw.store.membership_ids(user["_id"])
        except PyMongoError:
            return
        payload = {
            "userId": str(user["_id"]),
            "username": user.get("username"),
            "isOnline": online,
            "lastActiveAt": None if online else serialize.iso(now()),
        }
        for conv_id in rooms:
            await sio.emit("user:status", payload, room=f"conversation_{conv_id}", skip_sid=skip_sid)

    async def authenticate(sid: str, token: str | None) -> None:
        user_id = read_token(gw.config.jwt_secret, token) if token else None
        try:
            user = await gw.store.user(user_id) if user_id else None
        except PyMongoError:
            user = None
        if user is None:
            await sio.emit("authenticated", {"success": False, "error": "Authentification requise"}, to=sid)
            await sio.emit("error", {"message": "Authentification requise"}, to=sid)
            return  # the real server keeps the socket open
        previous = gw.sockets.get(user["_id"])
        gw.sockets[user["_id"]] = sid
        if previous is not None and previous != sid:
            await sio.disconnect(previous)  # one socket per user: the newest wins
        await sio.save_session(
            sid,
            {
                "user": {
                    "_id": user["_id"],
                    "username": user.get("username"),
                    "displayName": user.get("displayName") or user.get("username"),
                    "systemLanguage": user.get("systemLanguage", "fr"),
                }
            },
        )
        await sio.enter_room(sid, str(user["_id"]))
        await sio.enter_room(sid, "conversation_any")
        for conv_id in await gw.store.membership_ids(user["_id"]):
            await sio.enter_room(sid, f"conversation_{conv_id}")
        await sio.emit(
            "authenticated",
            {
                "success": True,
                "user": {
                    "id": str(user["_id"]),
                    "language": user.get("systemLanguage", "fr"),
                    "isAnonymous": False,
                },
            },
            to=sid,
        )
        await presence(user, True, sid)

    @sio.event
    async def connect(sid: str, environ: Doc, auth: Any = None) -> None:
        await sio.save_session(sid, {})
        await authenticate(sid, _token(environ, auth))

    @sio.on("authenticate")
    async def manual_authenticate(sid: str, data: Any = None) -> None:
        await authenticate(sid, data.get("sessionToken") if isinstance(data, dict) else None)

    @sio.event
    async def disconnect(sid: str, *_reason: Any) -> None:
        try:
            user = await user_of(sid)
        except KeyError:
            return
        if user and gw.sockets.get(user["_id"]) == sid:
            del gw.sockets[user["_id"]]
            await presence(user, False, sid)

    def guarded(handler):
        """Answer 'User not authenticated' before auth, and turn ApiError into the error ack."""

        async def wrapper(sid: str, data: Any = None) -> Doc:
            user = await user_of(sid)
            if user is None:
                return NOT_AUTHENTICATED
            try:
                return await handler(sid, user, data)
            except ApiError as exc:
                await sio.emit("error", {"message": exc.body["error"]}, to=sid)
                return {"success": False, "error": exc.body["error"]}
            except PyMongoError:
                log.error("database error in %s", handler.__name__)
                return {"success": False, "error": "Internal server error"}

        wrapper.__name__ = handler.__name__
        return wrapper

    @sio.on("conversation:join")
    async def join(sid: str, data: Any = None) -> Any:
        """Joins the room without a membership check (:787-800), even before authentication. With
        the defect join_no_ack, as the real handler (it takes only `data`), nothing is acknowledged."""
        ref = str(data.get("conversationId") or "") if isinstance(data, dict) else ""
        try:
            conv = await gw.store.conversation(ref) if ref else None
        except PyMongoError:
            conv = None
        conversation_id = str(conv["_id"]) if conv else ref
        await sio.enter_room(sid, f"conversation_{conversation_id}")
        user = await user_of(sid)
        if user is not None:
            await sio.emit(
                "conversation:joined", {"conversationId": conversation_id, "userId": str(user["_id"])}, to=sid
            )
            if conv is not None:
                members = await gw.store.member_ids(conv["_id"])
                await sio.emit(
                    "conversation:stats",
                    {
                        "conversationId": conversation_id,
                        "stats": {
                            "memberCount": len(members),
                            "onlineUsers": [str(m) for m in members if m in gw.sockets],
                        },
                    },
                    to=sid,
                )
        if "join_no_ack" in gw.defects:
            return sio.not_handled  # python-socketio sends no ACK packet for this value
        if user is None:
            return NOT_AUTHENTICATED
        return {"success": True, "data": {"conversationId": conversation_id}}

    @sio.on("conversation:leave")
    @guarded
    async def leave(sid: str, user: Doc, data: Any) -> Doc:
        conv = await gw.store.conversation(str((data or {}).get("conversationId") or ""))
        if conv is not None:
            await sio.leave_room(sid, f"conversation_{conv['_id']}")
            await sio.emit(
                "conversation:left", {"conversationId": str(conv["_id"]), "userId": str(user["_id"])}, to=sid
            )
        return {"success": True}

    async def send(sid: str, user: Doc, data: Any, attachment_ids: list[str] | None) -> Doc:
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid payload")
        sender = await gw.store.user(user["_id"])
        event = await gw.send_message(
            sender,
            str(data.get("conversationId") or ""),
            data,
            allow_global=True,
            attachment_ids=attachment_ids,
            broadcast_to=sid,
        )
        return {"success": True, "data": {"messageId": event["id"]}}

    @sio.on("message:send")
    @guarded
    async def message_send(sid: str, user: Doc, data: Any) -> Doc:
        return await send(sid, user, data, None)

    @sio.on("message:send-with-attachments")
    @guarded
    async def message_send_with_attachments(sid: str, user: Doc, data: Any) -> Doc:
        ids = data.get("attachmentIds") if isinstance(data, dict) else None
        if not isinstance(ids, list) or not ids:
            raise ApiError(400, "attachmentIds required")
        return await send(sid, user, data, [str(i) for i in ids])

    async def typing(sid: str, user: Doc, data: Any, active: bool) -> Doc:
        conv = await gw.store.conversation(str((data or {}).get("conversationId") or ""))
        if conv is not None:
            await sio.emit(
                "typing:start" if active else "typing:stop",
                {
                    "userId": str(user["_id"]),
                    "username": user["displayName"],
                    "conversationId": str(conv["_id"]),
                    "isTyping": active,
                },
                room=f"conversation_{conv['_id']}",
                skip_sid=sid,
            )
        return {"success": True}

    @sio.on("typing:start")
    @guarded
    async def typing_start(sid: str, user: Doc, data: Any) -> Doc:
        return await typing(sid, user, data, True)

    @sio.on("typing:stop")
    @guarded
    async def typing_stop(sid: str, user: Doc, data: Any) -> Doc:
        return await typing(sid, user, data, False)

    @sio.on("reaction:add")
    @guarded
    async def reaction_add(sid: str, user: Doc, data: Any) -> Doc:
        data = data if isinstance(data, dict) else {}
        msg, reaction = await gw.add_reaction(user["_id"], str(data.get("messageId") or ""), data.get("emoji"))
        await gw.reaction_broadcast("reaction:added", msg, user["_id"], reaction["emoji"])
        return {
            "success": True,
            "data": {
                "id": str(reaction["_id"]),
                "messageId": str(msg["_id"]),
                "userId": str(user["_id"]),
                "emoji": reaction["emoji"],
                "createdAt": serialize.iso(reaction["createdAt"]),
            },
        }

    @sio.on("reaction:remove")
    @guarded
    async def reaction_remove(sid: str, user: Doc, data: Any) -> Doc:
        data = data if isinstance(data, dict) else {}
        msg = await gw.remove_reaction(user["_id"], str(data.get("messageId") or ""), str(data.get("emoji") or ""))
        await gw.reaction_broadcast("reaction:removed", msg, user["_id"], str(data.get("emoji")))
        return {"success": True, "data": {"message": "Reaction removed successfully"}}

    @sio.on("reaction:request_sync")
    @guarded
    async def reaction_sync(sid: str, user: Doc, data: Any) -> Doc:
        if not isinstance(data, str):  # a bare messageId string
            raise ApiError(400, "messageId required")
        msg = await gw._reactable(data, user["_id"])
        return {"success": True, "data": await gw.store.reaction_aggregate(msg["_id"], user["_id"])}


def new_server() -> socketio.AsyncServer:
    return socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins="*",
        cors_credentials=True,
        always_connect=True,
        ping_interval=25,
        ping_timeout=10,
        logger=False,
        engineio_logger=False,
    )
