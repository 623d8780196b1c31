"""Communities (api-contract §6): list, get, members, conversations of a community."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from sandbox.gateway import serialize
from sandbox.gateway.auth import current_user
from sandbox.gateway.core import Gateway
from sandbox.gateway.errors import ApiError
from sandbox.gateway.store import oid

Doc = dict[str, Any]


def _page(request: web.Request, default: int = 20) -> tuple[int, int]:
    try:
        return max(0, int(request.query.get("offset", 0))), max(
            1, min(int(request.query.get("limit", default)), 100)
        )
    except ValueError:
        raise ApiError(400, "offset and limit must be integers") from None


async def _community(request: web.Request, user: Doc) -> Doc:
    gw: Gateway = request.app["gw"]
    ref = request.match_info["id"]
    community = None
    if oid(ref) is None and "community_objectid_lookup" in gw.defects:
        # Prisma is asked for `id: <ref>` first; a value that is not an ObjectId makes it throw, and
        # the route answers 500 before trying the identifier (routes/communities/core.ts:302-303,394-398).
        raise ApiError(500, "Failed to fetch community")
    if oid(ref) is not None:
        community = await gw.store["Community"].find_one({"_id": oid(ref)})
    if community is None:
        community = await gw.store["Community"].find_one({"identifier": ref})
    if community is None:
        raise ApiError(404, "Community not found")
    if (
        community.get("isPrivate", True)
        and community.get("createdBy") != user["_id"]
        and await gw.store["CommunityMember"].find_one(
            {"communityId": community["_id"], "userId": user["_id"]}
        )
        is None
    ):
        raise ApiError(403, "Access denied to this community")
    return community


async def list_communities(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    offset, limit = _page(request)
    member_of = await gw.store["CommunityMember"].distinct("communityId", {"userId": user["_id"]})
    query: Doc = {"$or": [{"createdBy": user["_id"]}, {"_id": {"$in": member_of}}]}
    if request.query.get("search"):
        pattern = {"$regex": re.escape(request.query["search"]), "$options": "i"}
        query = {"$and": [query, {"$or": [{"name": pattern}, {"identifier": pattern}]}]}
    total = await gw.store["Community"].count_documents(query)
    docs = [
        c async for c in gw.store["Community"].find(query).sort("createdAt", -1).skip(offset).limit(limit)
    ]
    creators = await gw.store.users([c.get("createdBy") for c in docs])
    data = [serialize.community(c, creators.get(c.get("createdBy"))) for c in docs]
    if "community_count_stripped" not in gw.defects:
        # What the handler selects (core.ts:209-214) and the web page reads (GroupDetails.tsx:152).
        for doc, item in zip(docs, data, strict=True):
            item["_count"] = {
                "members": await gw.store["CommunityMember"].count_documents({"communityId": doc["_id"]}),
                "Conversation": await gw.store["Conversation"].count_documents({"communityId": doc["_id"]}),
            }
    return web.json_response(serialize.page(data, total, limit, offset))


async def get_community(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    community = await _community(request, user)
    creator = await gw.store.user(community.get("createdBy")) if community.get("createdBy") else None
    return web.json_response({"success": True, "data": serialize.community(community, creator)})


async def community_members(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    community = await _community(request, user)
    offset, limit = _page(request)
    query = {"communityId": community["_id"], "isActive": {"$ne": False}}
    total = await gw.store["CommunityMember"].count_documents(query)
    rows = [
        m async for m in gw.store["CommunityMember"].find(query).sort("joinedAt", 1).skip(offset).limit(limit)
    ]
    users = await gw.store.users([m["userId"] for m in rows])
    data = []
    for m in rows:
        u = users.get(m["userId"])
        data.append(
            {
                "id": str(m["_id"]),
                "communityId": str(m["communityId"]),
                "userId": str(m["userId"]),
                "role": m.get("role", "member"),
                "joinedAt": serialize.iso(m.get("joinedAt")),
                "user": u
                and {
                    "id": str(u["_id"]),
                    "username": u.get("username"),
                    "displayName": u.get("displayName"),
                    "avatar": u.get("avatar"),
                    "isOnline": bool(u.get("isOnline")),
                    "lastActiveAt": serialize.iso(u.get("lastActiveAt")),
                },
            }
        )
    return web.json_response(serialize.page(data, total, limit, offset))


async def community_conversations(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    community = await _community(request, user)
    mine = await gw.store.membership_ids(user["_id"])
    docs = [
        c
        async for c in gw.store["Conversation"].find({"communityId": community["_id"], "_id": {"$in": mine}})
    ]
    return web.json_response(
        {"success": True, "data": [serialize.conversation_minimal(c, None, []) for c in docs]}
    )


def setup(app: web.Application, prefix: str) -> None:
    r = app.router
    r.add_get(f"{prefix}/communities", list_communities)
    r.add_get(f"{prefix}/communities/{{id}}", get_community)
    r.add_get(f"{prefix}/communities/{{id}}/members", community_members)
    r.add_get(f"{prefix}/communities/{{id}}/conversations", community_conversations)
