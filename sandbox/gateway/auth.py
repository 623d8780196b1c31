"""Login, /auth/me, /auth/logout, the JWT and the login rate limit (api-contract §2)."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections import defaultdict, deque
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
from sandbox.gateway.store import oid
from sandbox.shapes import now

Doc = dict[str, Any]
log = logging.getLogger("gateway.auth")
TOKEN_TTL = timedelta(hours=24)


class RateLimiter:
    """Counts every request, successful or not, per key over a sliding window (utils/rate-limiter.ts)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def hit(self, key: str) -> float | None:
        """Record a request; None when allowed, else the seconds to wait."""
        t = time.monotonic()
        hits = self._hits[key]
        while hits and hits[0] <= t - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window_s - t
        hits.append(t)
        return None


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
    retry = request.app["login_limiter"].hit(f"{request.remote}:{username.strip().lower()[:3]}")
    if retry is not None:
        raise web.HTTPTooManyRequests(
            text=web.json_response(
                {
                    "success": False,
                    "message": "Too many login attempts",
                    "error": "RATE_LIMIT_EXCEEDED",
                    "retryAfter": int(retry) + 1,
                }
            ).text,
            content_type="application/json",
            headers={"Retry-After": str(int(retry) + 1)},
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
    await gw.store["User"].update_one({"_id": user["_id"]}, {"$set": {"lastLoginIp": request.remote}})
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


def setup(app: web.Application, limiter: RateLimiter) -> None:
    app["login_limiter"] = limiter
    app.router.add_post("/api/v1/auth/login", login)
    app.router.add_post("/api/v1/auth/register", register)
    app.router.add_get("/api/v1/auth/me", me)
    app.router.add_post("/api/v1/auth/logout", logout)
