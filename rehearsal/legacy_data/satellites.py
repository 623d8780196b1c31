"""The collections the migration does not transform: copied as they are, or dropped by plan.
Their fields follow the legacy schema (§1.3) where it has them, and are plausible otherwise."""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from rehearsal.legacy_data.context import Context
from rehearsal.legacy_data.groups import Groups
from rehearsal.legacy_data.messages import API_V1_URLS, Msg
from rehearsal.legacy_data.people import People
from rehearsal.legacy_data.randomness import END, later, random_date
from rehearsal.legacy_data.texts import PHRASES

BROWSERS = (
    ("Chrome", "Windows", "desktop"),
    ("Safari", "iOS", "mobile"),
    ("Firefox", "Linux", "desktop"),
    ("Chrome", "Android", "mobile"),
    ("Edge", "Windows", "desktop"),
)
PLACES = (
    ("FR", "Paris"),
    ("PT", "Lisboa"),
    ("ES", "Madrid"),
    ("MA", "Casablanca"),
    ("IL", "Tel Aviv"),
    ("US", "New York"),
    ("DE", "Berlin"),
)


@dataclass
class World:
    """Everything built before the satellites, which they refer to."""

    people: People
    groups: Groups
    msgs: list[Msg]

    def members_of(self, m: Msg) -> list[dict]:
        return [u for u, _ in m.conv.members]


def _ip(rng: random.Random) -> str:
    """An address from the documentation ranges (RFC 5737): never a real one."""
    return f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randint(1, 254)}"


def _token(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=n))


def backup_urls(ctx: Context, n: int) -> list[dict]:
    """The backup taken before attachment URLs moved to /api/v1/: copies with the old URL."""
    rows = sorted(
        (a for a in ctx.docs["MessageAttachment"] if isinstance(a["fileSize"], int)),
        key=lambda a: a["createdAt"],
    )[:n]
    docs = []
    for a in rows:
        copy = {**a, "fileUrl": a["fileUrl"].replace("/api/v1/attachments/", "/api/attachments/")}
        copy["backedUpAt"] = max(API_V1_URLS, a["createdAt"])
        docs.append(copy)
    return docs


def read_statuses(ctx: Context, w: World, n: int, name: str = "MessageReadStatus") -> list[dict]:
    rng = ctx.rng(name)
    pairs: set[tuple] = set()
    docs = []
    pool = [m for m in w.msgs if len(m.conv.members) > 1]
    for _ in range(n * 20):
        if len(docs) >= n:
            break
        m = rng.choice(pool)
        user = rng.choice(w.members_of(m))
        if user["_id"] == m.doc["senderId"] or (m.doc["_id"], user["_id"]) in pairs:
            continue
        pairs.add((m.doc["_id"], user["_id"]))
        read = later(rng, m.doc["createdAt"], 2 * 86400)
        doc = {
            "_id": ctx.new_id(name, read),
            "messageId": m.doc["_id"],
            "userId": user["_id"],
            "readAt": read,
        }
        if name == "old_message_status":
            doc = {
                "_id": doc["_id"],
                "messageId": m.doc["_id"],
                "userId": user["_id"],
                "status": rng.choice(["delivered", "read"]),
                "updatedAt": read,
            }
        docs.append(doc)
    return docs


def affiliates(ctx: Context, w: World, n_tokens: int, n_relations: int) -> tuple[list[dict], list[dict]]:
    rng = ctx.rng("AffiliateToken")
    users = w.people.users
    tokens = []
    for _ in range(n_tokens):
        owner = rng.choice(users)
        created = random_date(rng, owner["createdAt"])
        tokens.append(
            {
                "_id": ctx.new_id("AffiliateToken", created),
                "token": f"aff_{_token(rng, 20)}",
                "name": rng.choice(["Invitation", "Parrainage famille", "Campagne été", "Amis"]),
                "createdBy": owner["_id"],
                "maxUses": rng.choice([None, 10, 50]),
                "currentUses": 0,
                "expiresAt": rng.choice([None, END + timedelta(days=90)]),
                "isActive": rng.random() < 0.9,
                "createdAt": created,
                "updatedAt": created,
            }
        )
    relations = []
    for _ in range(n_relations if tokens else 0):
        token = rng.choice(tokens)
        referred = rng.choice(users)
        created = random_date(rng, max(token["createdAt"], referred["createdAt"]))
        done = rng.random() < 0.7
        token["currentUses"] += 1
        relations.append(
            {
                "_id": ctx.new_id("AffiliateRelation", created),
                "affiliateTokenId": token["_id"],
                "affiliateUserId": token["createdBy"],
                "referredUserId": referred["_id"],
                "status": "completed" if done else "pending",
                "createdAt": created,
                "completedAt": later(rng, created, 86400) if done else None,
            }
        )
    return tokens, relations


def share_links(ctx: Context, w: World, n: int) -> list[dict]:
    rng = ctx.rng("ConversationShareLink")
    convs = [c for c in w.groups.conversations if c.doc["type"] in ("group", "public")]
    docs = []
    for _ in range(n):
        conv = rng.choice(convs)
        creator = conv.creator
        created = random_date(rng, conv.doc["createdAt"])
        link = f"mshy_link_{rng.getrandbits(48):012x}"
        docs.append(
            {
                "_id": ctx.new_id("ConversationShareLink", created),
                "linkId": link,
                "identifier": link,
                "conversationId": conv.doc["_id"],
                "createdBy": creator["_id"],
                "name": f"Lien {conv.doc['title'] or ''}".strip(),
                "description": None,
                "maxUses": rng.choice([None, 20, 100]),
                "currentUses": rng.randint(0, 15),
                "maxConcurrentUsers": None,
                "currentConcurrentUsers": 0,
                "expiresAt": rng.choice([None, END + timedelta(days=30)]),
                "isActive": True,
                "allowAnonymousMessages": True,
                "allowAnonymousFiles": False,
                "allowAnonymousImages": True,
                "allowViewHistory": True,
                "requireNickname": True,
                "requireEmail": False,
                "createdAt": created,
                "updatedAt": created,
            }
        )
    return docs


def tracking(ctx: Context, w: World, n_links: int, n_clicks: int) -> tuple[list[dict], list[dict]]:
    rng = ctx.rng("TrackingLink")
    links = []
    for _ in range(n_links):
        m = rng.choice(w.msgs)
        creator = m.doc["senderId"] or w.people.seeds["meeshy"]["_id"]
        token = _token(rng, 6)
        links.append(
            {
                "_id": ctx.new_id("TrackingLink", m.doc["createdAt"]),
                "token": token,
                "originalUrl": f"https://example.com/article/{rng.randint(1, 9999)}",
                "shortUrl": f"https://meeshy.me/l/{token}",
                "createdBy": creator,
                "conversationId": m.doc["conversationId"],
                "messageId": m.doc["_id"],
                "totalClicks": 0,
                "uniqueClicks": 0,
                "isActive": True,
                "expiresAt": None,
                "lastClickedAt": None,
                "createdAt": m.doc["createdAt"],
                "updatedAt": m.doc["createdAt"],
            }
        )
    clicks = []
    for _ in range(n_clicks if links else 0):
        link = rng.choice(links)
        when = random_date(rng, link["createdAt"])
        browser, os_name, device = rng.choice(BROWSERS)
        country, city = rng.choice(PLACES)
        user = rng.choice(w.people.users) if rng.random() < 0.4 else None
        link["totalClicks"] += 1
        link["uniqueClicks"] += rng.random() < 0.7
        link["lastClickedAt"] = max(link["lastClickedAt"] or when, when)
        clicks.append(
            {
                "_id": ctx.new_id("TrackingLinkClick", when),
                "trackingLinkId": link["_id"],
                "userId": user["_id"] if user else None,
                "anonymousId": None if user else f"anon_{rng.getrandbits(40):010x}",
                "ipAddress": _ip(rng),
                "country": country,
                "city": city,
                "userAgent": f"Mozilla/5.0 ({os_name})",
                "browser": browser,
                "os": os_name,
                "device": device,
                "language": rng.choice(["fr", "en", "es"]),
                "referrer": rng.choice([None, "https://meeshy.me/"]),
                "deviceFingerprint": f"{rng.getrandbits(64):016x}",
                "clickedAt": when,
            }
        )
    clicks.sort(key=lambda c: c["clickedAt"])
    return links, clicks


def audit_log(ctx: Context, w: World, n: int) -> list[dict]:
    rng = ctx.rng("AdminAuditLog")
    admins = [u for u in w.people.users if u["role"] in ("ADMIN", "BIGBOSS")]
    docs = []
    for _ in range(n):
        admin, target = rng.choice(admins), rng.choice(w.people.users)
        when = random_date(rng, max(admin["createdAt"], target["createdAt"]))
        action = rng.choice(
            ["UPDATE_ROLE", "DEACTIVATE_USER", "RESET_PASSWORD", "DELETE_MESSAGE", "VIEW_USER"]
        )
        docs.append(
            {
                "_id": ctx.new_id("AdminAuditLog", when),
                "userId": target["_id"],
                "adminId": admin["_id"],
                "action": action,
                "entity": "User",
                "entityId": target["_id"],
                "changes": json.dumps({"role": [target["role"], target["role"]]})
                if action == "UPDATE_ROLE"
                else None,
                "metadata": json.dumps({"reason": "support"}),
                "ipAddress": _ip(rng),
                "userAgent": "Mozilla/5.0 (Macintosh)",
                "createdAt": when,
            }
        )
    return docs


def calls(ctx: Context, w: World, n_sessions: int, n_participants: int) -> tuple[list[dict], list[dict]]:
    rng = ctx.rng("call_sessions")
    convs = [c for c in w.groups.conversations if c.doc["type"] in ("direct", "group") and len(c.members) > 1]
    sessions, participants = [], []
    for _ in range(n_sessions):
        conv = rng.choice(convs)
        initiator, member = rng.choice(conv.members)
        started = random_date(rng, member["joinedAt"])
        status = rng.choice(["ended", "ended", "ended", "missed", "rejected"])
        ended = later(rng, started, 3600)
        sessions.append(
            {
                "_id": ctx.new_id("call_sessions", started),
                "conversationId": conv.doc["_id"],
                "mode": "p2p" if len(conv.members) == 2 else "sfu",
                "status": status,
                "initiatorId": initiator["_id"],
                "startedAt": started,
                "answeredAt": later(rng, started, 20) if status == "ended" else None,
                "endedAt": ended,
                "duration": int((ended - started).total_seconds()) if status == "ended" else 0,
                "metadata": {"video": rng.random() < 0.4},
                "createdAt": started,
                "updatedAt": ended,
            }
        )
        participants.append(_participant(ctx, rng, sessions[-1], initiator, "initiator"))
        sessions[-1]["_members"] = [u for u, _ in conv.members if u is not initiator]
    extra = n_participants - len(participants)
    answered = [s for s in sessions if s["status"] == "ended" and s["_members"]]
    for i in range(max(extra, 0)):
        if not answered:
            break
        s = answered[i % len(answered)]
        participants.append(_participant(ctx, rng, s, s["_members"].pop(0), "participant"))
        if not s["_members"]:
            answered.remove(s)
    for s in sessions:
        del s["_members"]
    return sessions, sorted(participants, key=lambda p: p["joinedAt"])


def _participant(ctx: Context, rng: random.Random, session: dict, user: dict, role: str) -> dict:
    joined = session["answeredAt"] or session["startedAt"]
    return {
        "_id": ctx.new_id("call_participants", joined),
        "callSessionId": session["_id"],
        "userId": user["_id"],
        "role": role,
        "joinedAt": joined,
        "leftAt": session["endedAt"],
        "isAudioEnabled": True,
        "isVideoEnabled": session["metadata"]["video"],
        "connectionQuality": rng.choice(["good", "fair"]),
    }


def conversation_prefs(
    ctx: Context, w: World, n_categories: int, n_prefs: int
) -> tuple[list[dict], list[dict]]:
    rng = ctx.rng("user_conversation_categories")
    owners = list(w.people.seeds.values())[:3]
    categories = []
    for i in range(n_categories):
        owner = owners[i % len(owners)]
        created = random_date(rng, owner["createdAt"])
        categories.append(
            {
                "_id": ctx.new_id("user_conversation_categories", created),
                "userId": owner["_id"],
                "name": ["Travail", "Famille", "Amis", "Projets", "العمل", "משפחה"][i % 6],
                "color": rng.choice(["#3B82F6", "#10B981", "#F59E0B"]),
                "icon": None,
                "order": i,
                "isExpanded": True,
                "createdAt": created,
                "updatedAt": created,
            }
        )
    memberships = [(c, u, m) for c in w.groups.conversations for u, m in c.members]
    prefs = []
    for c, u, m in rng.sample(memberships, min(n_prefs, len(memberships))):
        own = [k for k in categories if k["userId"] == u["_id"]]
        created = later(rng, m["joinedAt"], 30 * 86400)
        prefs.append(
            {
                "_id": ctx.new_id("user_conversation_preferences", created),
                "userId": u["_id"],
                "conversationId": c.doc["_id"],
                "isPinned": rng.random() < 0.3,
                "categoryId": rng.choice(own)["_id"] if own and rng.random() < 0.7 else None,
                "tags": rng.sample(["urgent", "perso", "pro"], rng.randint(0, 2)),
                "isMuted": rng.random() < 0.2,
                "isArchived": rng.random() < 0.1,
                "customName": None,
                "createdAt": created,
                "updatedAt": created,
            }
        )
    return categories, sorted(prefs, key=lambda p: p["createdAt"])


def user_stats(ctx: Context, w: World, n: int) -> list[dict]:
    rng = ctx.rng("UserStats")
    sent: dict = {}
    for m in w.msgs:
        sent[m.doc["senderId"]] = sent.get(m.doc["senderId"], 0) + 1
    docs = []
    for u in w.people.users[:n]:
        created = later(rng, u["createdAt"], 60)
        docs.append(
            {
                "_id": ctx.new_id("UserStats", created),
                "userId": u["_id"],
                "messagesSent": sent.get(u["_id"], 0),
                "messagesReceived": rng.randint(0, 500),
                "charactersTyped": sent.get(u["_id"], 0) * rng.randint(20, 60),
                "imageMessagesSent": 0,
                "filesShared": 0,
                "conversationsJoined": rng.randint(1, 10),
                "communitiesCreated": 0,
                "friendsAdded": rng.randint(0, 8),
                "friendRequestsSent": rng.randint(0, 8),
                "translationsUsed": rng.randint(0, 300),
                "languagesDetected": rng.randint(1, 4),
                "autoTranslateTimeMinutes": rng.randint(0, 600),
                "totalOnlineTimeMinutes": rng.randint(0, 9000),
                "sessionCount": rng.randint(1, 200),
                "lastActiveAt": u["lastActiveAt"],
                "createdAt": created,
                "updatedAt": u["lastActiveAt"],
            }
        )
    return docs


def friend_requests(ctx: Context, w: World, n: int) -> list[dict]:
    rng = ctx.rng("FriendRequest")
    users = w.people.users
    pairs: set[frozenset] = set()
    docs = []
    for _ in range(n * 50):
        if len(docs) >= n:
            break
        a, b = rng.sample(users, 2)
        if frozenset((a["_id"], b["_id"])) in pairs:
            continue
        pairs.add(frozenset((a["_id"], b["_id"])))
        created = random_date(rng, max(a["createdAt"], b["createdAt"]))
        status = rng.choice(["pending", "accepted", "accepted", "rejected"])
        doc = {
            "_id": ctx.new_id("FriendRequest", created),
            "senderId": a["_id"],
            "receiverId": b["_id"],
            "message": None,
            "status": status,
            "createdAt": created,
            "updatedAt": created if status == "pending" else later(rng, created, 5 * 86400),
        }
        roll = rng.random()
        if roll < 0.4:
            doc["message"] = rng.choice(PHRASES)[a["systemLanguage"]]
            ctx.case("friend_request_with_message", "FriendRequest", doc["_id"])
        elif roll < 0.6:
            del doc["message"]
        docs.append(doc)
    return sorted(docs, key=lambda d: d["createdAt"])


def status_capacity(w: World) -> int:
    """How many distinct (message, recipient) pairs the dataset holds."""
    return sum(
        len(m.conv.members) - (m.doc["senderId"] is not None) for m in w.msgs if len(m.conv.members) > 1
    )


def _status_pairs(rng: random.Random, w: World, n: int) -> Iterator[tuple[Msg, dict]]:
    pool = [m for m in w.msgs if len(m.conv.members) > 1]
    if status_capacity(w) <= 3 * n:  # small datasets: draw from every pair, without replacement
        pairs = [(m, u) for m in pool for u in w.members_of(m) if u["_id"] != m.doc["senderId"]]
        yield from rng.sample(pairs, min(n, len(pairs)))
        return
    seen: set[tuple] = set()
    while len(seen) < n:
        m = rng.choice(pool)
        user = rng.choice(w.members_of(m))
        key = (m.doc["_id"], user["_id"])
        if user["_id"] != m.doc["senderId"] and key not in seen:
            seen.add(key)
            yield m, user


def message_statuses(ctx: Context, w: World, n: int) -> Iterator[dict]:
    """Per-member delivery state of messages (18k): generated as they are written."""
    rng = ctx.rng("MessageStatus")
    for m, user in _status_pairs(rng, w, n):
        received = later(rng, m.doc["createdAt"], 600)
        read = later(rng, received, 86400) if rng.random() < 0.8 else None
        yield {
            "_id": ctx.new_id("MessageStatus", received),
            "conversationId": m.doc["conversationId"],
            "messageId": m.doc["_id"],
            "userId": user["_id"],
            "receivedAt": received,
            "readAt": read,
            "updatedAt": read or received,
        }


NOTIFICATION_TYPES = (
    "new_message",
    "new_message",
    "new_message",
    "message_reaction",
    "user_mentioned",
    "friend_request",
    "missed_call",
    "new_conversation",
    "system",
)


def notifications(ctx: Context, w: World, n: int) -> Iterator[dict]:
    """The 95k notifications (dropped by the plan): generated as they are written."""
    rng = ctx.rng("Notification")
    msgs = [m for m in w.msgs if m.doc["senderId"]]
    users = {u["_id"]: u for u in w.people.users}
    for _ in range(n):
        kind = rng.choice(NOTIFICATION_TYPES)
        m = rng.choice(msgs)
        sender = users[m.doc["senderId"]]
        recipient = rng.choice(w.members_of(m))
        created = later(rng, m.doc["createdAt"], 120)
        about_message = kind in ("new_message", "message_reaction", "user_mentioned")
        yield {
            "_id": ctx.new_id("Notification", created),
            "userId": recipient["_id"],
            "type": kind,
            "title": f"{sender.get('displayName') or sender['username']}" if kind != "system" else "Meeshy",
            "content": m.doc["content"][:80] if about_message else "Nouvelle activité",
            "data": json.dumps({"conversationId": str(m.doc["conversationId"])}) if about_message else None,
            "priority": "high" if kind == "missed_call" else "normal",
            "isRead": rng.random() < 0.7,
            "emailSent": False,
            "pushSent": rng.random() < 0.5,
            "expiresAt": created + timedelta(days=30) if rng.random() < 0.1 else None,
            "createdAt": created,
            "senderId": sender["_id"],
            "senderUsername": sender["username"],
            "senderAvatar": sender["avatar"],
            "senderDisplayName": sender.get("displayName"),
            "senderFirstName": sender["firstName"],
            "senderLastName": sender["lastName"],
            "messagePreview": m.doc["content"][:50] if about_message else None,
            "conversationId": m.doc["conversationId"],
            "messageId": m.doc["_id"] if about_message else None,
            "callSessionId": None,
        }
