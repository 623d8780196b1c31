"""Conversations, messages, edits, deletes, reactions and mentions over REST (api-contract §3)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from bson import ObjectId

from sandbox.faults import DEFAULT_SLOW_READ_MS
from sandbox.gateway import serialize
from sandbox.gateway.auth import current_user
from sandbox.gateway.core import Gateway
from sandbox.gateway.errors import ApiError, handler_error_body
from sandbox.gateway.store import oid

Doc = dict[str, Any]


def _int(request: web.Request, name: str, default: int, maximum: int) -> int:
    try:
        return max(0, min(int(request.query.get(name, default)), maximum))
    except ValueError:
        raise ApiError(400, f"querystring/{name} must be an integer") from None


async def _body(request: web.Request) -> Doc:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be a JSON object")
    return body


async def list_conversations(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    try:
        user = await current_user(request, missing_status=403)
    except ApiError:
        raise ApiError(403, "Authentication required to access conversations") from None
    limit, offset = _int(request, "limit", 15, 50) or 15, _int(request, "offset", 0, 10**9)
    ids = await gw.store.membership_ids(user["_id"])
    query: Doc = {"_id": {"$in": ids}, "isActive": {"$ne": False}}
    if request.query.get("type"):
        query["type"] = request.query["type"]
    total = await gw.store["Conversation"].count_documents(query)
    convs = [
        c
        async for c in gw.store["Conversation"]
        .find(query)
        .sort("lastMessageAt", -1)
        .skip(offset)
        .limit(limit)
    ]
    items = []
    for conv in convs:
        last = await gw.store["Message"].find_one(
            {"conversationId": conv["_id"], "isDeleted": {"$ne": True}}, sort=[("createdAt", -1)]
        )
        last_out = None
        if last:
            sender = await gw.store.user(last.get("senderId")) if last.get("senderId") else None
            last_out = {
                "id": str(last["_id"]),
                "content": last.get("content"),
                "senderId": serialize.sid(last.get("senderId")),
                "messageType": last.get("messageType", "text"),
                "createdAt": serialize.iso(last.get("createdAt")),
                "sender": serialize.user_public(sender),
                "attachments": [],
            }
        member_docs = [
            m
            async for m in gw.store["ConversationMember"]
            .find({"conversationId": conv["_id"], "isActive": {"$ne": False}})
            .limit(5)
        ]
        users = await gw.store.users([m["userId"] for m in member_docs])
        members = [
            {
                "id": str(m["_id"]),
                "userId": str(m["userId"]),
                "role": m.get("role"),
                "user": serialize.user_public(users.get(m["userId"])),
            }
            for m in member_docs
        ]
        items.append(serialize.conversation_minimal(conv, last_out, members))
    return web.json_response(serialize.page(items, total, limit, offset))


async def get_conversation(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request, missing_status=403)
    conv = await gw.conversation_for(request.match_info["id"], user["_id"], allow_global=True)
    if "conversation_get_empty" in gw.defects:
        # The response schema nests under data.conversation, so the serializer drops everything.
        return web.json_response({"success": True, "data": {}})
    return web.json_response({"success": True, "data": serialize.conversation_minimal(conv, None, [])})


async def create_conversation(request: web.Request) -> web.Response:
    """POST /conversations: enough to post into a community (§6): type, title, communityId, participantIds."""
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    body = await _body(request)
    conv_type = body.get("type") or "group"
    if conv_type not in ("direct", "group", "public", "global"):
        raise ApiError(400, "Invalid conversation type")
    participants = [oid(p) for p in body.get("participantIds") or []]
    if any(p is None for p in participants):
        raise ApiError(400, "Invalid participantIds")
    if user["_id"] in participants:
        raise ApiError(422, "You cannot include yourself in participantIds")
    community_id = None
    if body.get("communityId"):
        community_id = oid(body["communityId"])
        community = await gw.store["Community"].find_one({"_id": community_id}) if community_id else None
        if community is None:
            raise ApiError(404, "Community not found")
        member = await gw.store["CommunityMember"].find_one(
            {"communityId": community_id, "userId": user["_id"]}
        )
        if community.get("createdBy") != user["_id"] and member is None:
            raise ApiError(403, "You must be a member of the community")
    identifier = body.get("identifier") or f"mshy_{ObjectId()}"
    conv = gw.shape.new_conversation(
        identifier, conv_type, body.get("title"), community_id, len(participants) + 1
    )
    conv["description"] = body.get("description")
    await gw.store["Conversation"].insert_one(conv)
    members = [gw.shape.new_member(conv["_id"], user["_id"], "CREATOR")]
    members += [gw.shape.new_member(conv["_id"], p, "MEMBER") for p in participants]
    await gw.store["ConversationMember"].insert_many(members)
    for member_id in [user["_id"], *participants]:
        await gw.enter_room(member_id, f"conversation_{conv['_id']}")
    out = {k: v for k, v in conv.items() if k != "_id"}
    out.update(
        id=str(conv["_id"]),
        communityId=serialize.sid(community_id),
        createdAt=serialize.iso(conv["createdAt"]),
        updatedAt=serialize.iso(conv["updatedAt"]),
        lastMessageAt=serialize.iso(conv["lastMessageAt"]),
    )
    return web.json_response({"success": True, "data": out}, status=201)


async def list_messages(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    try:
        user = await current_user(request, missing_status=403)
        conv = await gw.conversation_for(request.match_info["id"], user["_id"], allow_global=True)
    except ApiError:
        raise ApiError(403, "Unauthorized access to this conversation") from None
    if "slow_reads" in gw.faults:
        await asyncio.sleep(int(gw.faults.arg("slow_reads", str(DEFAULT_SLOW_READ_MS))) / 1000)
    limit, offset = _int(request, "limit", 20, 50) or 20, _int(request, "offset", 0, 10**9)
    query: Doc = {"conversationId": conv["_id"], "isDeleted": {"$ne": True}}
    if request.query.get("before"):
        anchor = await gw.store["Message"].find_one({"_id": oid(request.query["before"])})
        if anchor:
            query["createdAt"] = {"$lt": anchor["createdAt"]}
    total = await gw.store["Message"].count_documents(query)
    docs = [
        m
        async for m in gw.store["Message"]
        .find(query)
        .sort([("createdAt", -1), ("_id", -1)])
        .skip(offset)
        .limit(limit)
    ]
    data = await gw.store.serialize_messages(docs)
    if request.query.get("include_translations", "true") == "false":
        for item in data:
            item["translations"] = []
    meta = {"userLanguage": user.get("systemLanguage", "fr")}
    return web.json_response(serialize.page(data, total, limit, offset, meta=meta))


async def post_message(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    try:
        user = await current_user(request, missing_status=403)
    except ApiError:
        raise ApiError(403, "Authentification requise pour envoyer des messages") from None
    body = await _body(request)
    # Defect rest_send_not_broadcast: the REST route does not emit message:new.
    event = await gw.send_message(
        user,
        request.match_info["id"],
        body,
        allow_global=False,
        broadcast=("rest_send_not_broadcast" not in gw.defects),
    )
    return web.json_response({"success": True, "data": event}, status=201)


async def _own_message(request: web.Request) -> tuple[Gateway, Doc, Doc]:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    message_id = oid(request.match_info["messageId"])
    msg = await gw.store["Message"].find_one({"_id": message_id}) if message_id else None
    if msg is None or msg.get("isDeleted"):
        raise ApiError(404, "Message not found")
    if "id" in request.match_info:
        conv = await gw.store.conversation(request.match_info["id"])
        if conv is None or conv["_id"] != msg["conversationId"]:
            raise ApiError(404, "Message not found")
    admin = gw.shape.api_role(user) in ("BIGBOSS", "ADMIN")
    if msg.get("senderId") != user["_id"] and not (admin and request.method == "DELETE"):
        raise ApiError(403, "You can only modify your own messages")
    return gw, user, msg


async def _readable_message(request: web.Request) -> tuple[Gateway, Doc]:
    """The message of the route, if the caller may read its conversation."""
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    message_id = oid(request.match_info["messageId"])
    msg = await gw.store["Message"].find_one({"_id": message_id}) if message_id else None
    if msg is None:
        raise ApiError(404, "Message not found")
    await gw.conversation_for(str(msg["conversationId"]), user["_id"], allow_global=True)
    return gw, msg


async def get_message(request: web.Request) -> web.Response:
    gw, msg = await _readable_message(request)
    [data] = await gw.store.serialize_messages([msg])
    return web.json_response({"success": True, "data": data})


async def edit_message(request: web.Request) -> web.Response:
    gw, _user, msg = await _own_message(request)
    content = (await _body(request)).get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(400, "Message content is required")
    await gw.store["Message"].update_one({"_id": msg["_id"]}, {"$set": gw.shape.edit_update(content)})
    msg = await gw.store["Message"].find_one({"_id": msg["_id"]})
    [data] = await gw.store.serialize_messages([msg])
    await gw.sio.emit("message:edited", data, room=f"conversation_{msg['conversationId']}")
    return web.json_response({"success": True, "data": data})


async def delete_message(request: web.Request) -> web.Response:
    gw, _user, msg = await _own_message(request)
    await gw.store["Message"].update_one({"_id": msg["_id"]}, {"$set": gw.shape.delete_update()})
    await gw.sio.emit(
        "message:deleted",
        {"messageId": str(msg["_id"]), "conversationId": str(msg["conversationId"])},
        room=f"conversation_{msg['conversationId']}",
    )
    return web.json_response({"success": True, "data": {"messageId": str(msg["_id"]), "deleted": True}})


async def message_translations(request: web.Request) -> web.Response:
    gw, msg = await _readable_message(request)
    rows = (await gw.store.translations([msg]))[msg["_id"]]
    return web.json_response(
        {
            "success": True,
            "data": {
                "messageId": str(msg["_id"]),
                "originalContent": msg.get("content"),
                "originalLanguage": msg.get("originalLanguage"),
                "translations": [serialize.translation(t) for t in rows],
            },
        }
    )


async def add_reaction(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    body = await _body(request)
    _msg, reaction = await gw.add_reaction(user["_id"], str(body.get("messageId") or ""), body.get("emoji"))
    # The REST broadcast goes through a property that does not exist (§3.4): nothing is emitted.
    return web.json_response(
        {
            "success": True,
            "data": {
                "id": str(reaction["_id"]),
                "messageId": str(reaction["messageId"]),
                "userId": str(user["_id"]),
                "anonymousId": None,
                "emoji": reaction["emoji"],
                "createdAt": serialize.iso(reaction["createdAt"]),
            },
        },
        status=201,
    )


async def remove_reaction(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    await gw.remove_reaction(
        user["_id"], request.match_info["messageId"], unquote(request.match_info["emoji"])
    )
    return web.json_response({"success": True, "data": {"message": "Reaction removed successfully"}})


async def get_reactions(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    msg = await gw._reactable(request.match_info["messageId"], user["_id"])
    data = await gw.store.reaction_aggregate(msg["_id"], user["_id"])
    if "reactions_get_500" in gw.defects:
        # The handler sends an object where the response schema declares an array: the serializer
        # throws and the error handler answers 500 (routes/reactions.ts:360-369,445-448).
        return web.json_response(handler_error_body(500), status=500)
    return web.json_response({"success": True, "data": data})


async def message_mentions(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    await current_user(request)
    message_id = oid(request.match_info["messageId"])
    rows = [m async for m in gw.store["Mention"].find({"messageId": message_id})] if message_id else []
    users = await gw.store.users([m["mentionedUserId"] for m in rows])
    return web.json_response(
        {
            "success": True,
            "data": [
                {
                    "id": str(m["_id"]),
                    "messageId": str(m["messageId"]),
                    "mentionedUserId": str(m["mentionedUserId"]),
                    "mentionedAt": serialize.iso(m.get("mentionedAt")),
                    "mentionedUser": serialize.user_public(users.get(m["mentionedUserId"])),
                }
                for m in rows
            ],
        }
    )


def setup(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/conversations", list_conversations)
    r.add_post(f"{prefix}/conversations", create_conversation)
    r.add_get(f"{prefix}/conversations/{{id}}", get_conversation)
    r.add_get(f"{prefix}/conversations/{{id}}/messages", list_messages)
    r.add_post(f"{prefix}/conversations/{{id}}/messages", post_message)
    r.add_put(f"{prefix}/conversations/{{id}}/messages/{{messageId}}", edit_message)
    r.add_delete(f"{prefix}/conversations/{{id}}/messages/{{messageId}}", delete_message)
    r.add_get(f"{prefix}/messages/{{messageId}}", get_message)
    r.add_put(f"{prefix}/messages/{{messageId}}", edit_message)
    r.add_patch(f"{prefix}/messages/{{messageId}}", edit_message)
    r.add_delete(f"{prefix}/messages/{{messageId}}", delete_message)
    r.add_get(f"{prefix}/messages/{{messageId}}/translations", message_translations)
    r.add_post(f"{prefix}/reactions", add_reaction)
    r.add_delete(f"{prefix}/reactions/{{messageId}}/{{emoji}}", remove_reaction)
    r.add_get(f"{prefix}/reactions/{{messageId}}", get_reactions)
    r.add_get(f"{prefix}/mentions/messages/{{messageId}}", message_mentions)
