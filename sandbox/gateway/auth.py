"""Login, /auth/me, /auth/logout, the JWT and the login rate limit (api-contract §2)."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import bcrypt
import jwt
from aiohttp import web
from bson import ObjectId
from pymongo.errors import PyMongoError

from sandbox.gateway import serialize
from sandbox.gateway.core import Gateway
from sandbox.gateway.errors import ApiError
from sandbox.gateway.limits import FixedWindow
from sandbox.gateway.store import oid
from sandbox.shapes import now

Doc = dict[str, Any]
log = logging.getLogger("gateway.auth")
TOKEN_TTL = timedelta(hours=24)
LOGIN_LIMITER = web.AppKey("login_limiter", FixedWindow)


def make_token(secret: str, user: Doc, role: str) -> str:
    payload = {
        "userId": str(user["_id"]),
        "username": user["username"],
        "role": role,
        "iat": datetime.now(UTC),
        "exp": datetime.now(UTC) + TOKEN_TTL,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def read_token(secret: str, token: str) -> ObjectId | None:
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return oid(payload.get("userId"))


def bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


async def current_user(request: web.Request, missing_status: int = 401) -> Doc:
    """The authenticated user of a REST request. The conversation routes answer 403, not 401."""
    gw: Gateway = request.app["gw"]
    token = bearer(request.headers.get("Authorization"))
    if token is None:
        raise ApiError(missing_status, "Authentication required", code="AUTH_REQUIRED")
    user_id = read_token(gw.config.jwt_secret, token)
    user = await gw.store.user(user_id) if user_id else None
    if user is None or user.get("isActive") is False:
        raise ApiError(missing_status, "Invalid JWT token", code="AUTH_FAILED")
    return user


def password_matches(password: str, stored: Any) -> bool:
    if not isinstance(stored, str) or not stored.startswith("$2"):
        return False
    try:
        return bcrypt.checkpw(password.encode(), stored.encode())
    except ValueError:
        return False


async def login(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be JSON")
    username, password = body.get("username"), body.get("password")
    if (
        not isinstance(username, str)
        or not 2 <= len(username) <= 50
        or not isinstance(password, str)
        or not password
    ):
        raise ApiError(400, "body/username and body/password are required")
    limiter: FixedWindow | None = request.app[LOGIN_LIMITER]
    if limiter is not None:
        # Keyed on the address and the username's first 3 characters as typed (utils/rate-limiter.ts:348-364).
        hit = limiter.hit(f"ip:{request.remote}:{username[:3]}")
        if hit.refused:
            return web.json_response(
                {
                    "success": False,
                    "message": "Trop de tentatives de connexion. Veuillez réessayer dans 15 minutes.",
                    "error": "RATE_LIMIT_EXCEEDED",
                    "retryAfter": hit.retry_after,
                    "limit": hit.limit,
                },
                status=429,
                headers=hit.headers(),
            )
    try:
        user = await gw.store.find_login(username)
    except PyMongoError:
        log.error("login lookup failed: database unreachable")
        raise ApiError(500, "Erreur lors de la connexion") from None
    ok = user is not None and await asyncio.to_thread(password_matches, password, user.get("password"))
    if not ok or "login_rejects" in gw.faults:
        raise ApiError(401, "Identifiants invalides")
    role = gw.shape.api_role(user)
    # In the background: on FerretDB an update reads the collection (MongoDB's _id index does not).
    gw.spawn(gw.store["User"].update_one({"_id": user["_id"]}, {"$set": {"lastLoginIp": request.remote}}))
    remember = bool(body.get("rememberDevice"))
    session = {
        "id": secrets.token_hex(12),
        "deviceType": "desktop",
        "browserName": None,
        "osName": None,
        "location": None,
        "isMobile": False,
        "createdAt": serialize.iso(datetime.now(UTC).replace(tzinfo=None)),
    }
    return web.json_response(
        {
            "success": True,
            "data": {
                "user": serialize.user_full(user, role),
                "token": make_token(gw.config.jwt_secret, user, role),
                "sessionToken": secrets.token_urlsafe(32),
                "session": session,
                "expiresIn": 31536000 if remember else 86400,
            },
        }
    )


USERNAME = re.compile(r"^[a-zA-Z0-9_-]{2,16}$")


async def register(request: web.Request) -> web.Response:
    """api-contract §2.5: a new account, added to the global conversation; 200 with a token."""
    gw: Gateway = request.app["gw"]
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "body must be JSON")
    fields = {k: body.get(k) for k in ("username", "password", "firstName", "lastName", "email")}
    if not all(isinstance(v, str) and v for v in fields.values()):
        raise ApiError(400, "body/username, password, firstName, lastName and email are required")
    if not USERNAME.match(fields["username"]) or len(fields["password"]) < 8:
        raise ApiError(400, "username must be 2-16 of [a-zA-Z0-9_-] and password at least 8 characters")
    users = gw.store["User"]
    for key, label in (("username", "Nom d'utilisateur"), ("email", "Email")):
        if await users.find_one({key: fields[key]}, {"_id": 1}):
            raise ApiError(400, f"{label} déjà utilisé")
    hashed = await asyncio.to_thread(bcrypt.hashpw, fields["password"].encode(), bcrypt.gensalt(rounds=10))
    t = now()
    user: Doc = {
        "_id": ObjectId(), **fields, "password": hashed.decode(), "bio": "", "phoneNumber": None,
        "displayName": f"{fields['firstName']} {fields['lastName']}", "avatar": None, "isOnline": False,
        "lastActiveAt": t, "systemLanguage": body.get("systemLanguage") or "fr",
        "regionalLanguage": body.get("regionalLanguage") or "fr", "customDestinationLanguage": None,
        "role": "USER", "isActive": True, "createdAt": t, "updatedAt": t,
    }
    if gw.shape.name == "legacy":
        user.update(lastSeen=t, autoTranslateEnabled=True, translateToSystemLanguage=True,
                    translateToRegionalLanguage=False, useCustomDestination=False)
    else:
        user.update(blockedUserIds=[], twoFactorBackupCodes=[], failedLoginAttempts=0, passwordResetAttempts=0)
    await users.insert_one(user)
    global_conv = await gw.store["Conversation"].find_one({"identifier": "meeshy"}, {"_id": 1})
    if global_conv is not None:
        await gw.store["ConversationMember"].insert_one(gw.shape.new_member(global_conv["_id"], user["_id"], "MEMBER"))
    return web.json_response({"success": True, "data": {
        "user": serialize.user_full(user, "USER"),
        "token": make_token(gw.config.jwt_secret, user, "USER"),
        "expiresIn": 86400,
    }})


async def me(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    return web.json_response(
        {"success": True, "data": {"user": serialize.user_full(user, gw.shape.api_role(user))}}
    )


async def logout(request: web.Request) -> web.Response:
    gw: Gateway = request.app["gw"]
    user = await current_user(request)
    await gw.store["User"].update_one({"_id": user["_id"]}, {"$set": gw.shape.presence_update(False)})
    return web.json_response({"success": True, "data": {"message": "Déconnexion réussie"}})


def setup(app: web.Application, limiter: FixedWindow | None, prefix: str) -> None:
    app[LOGIN_LIMITER] = limiter
    app.router.add_post(f"{prefix}/auth/login", login)
    app.router.add_post(f"{prefix}/auth/register", register)
    app.router.add_get(f"{prefix}/auth/me", me)
    app.router.add_post(f"{prefix}/auth/logout", logout)
