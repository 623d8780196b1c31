"""Communities, conversations and their members, with the seed conversations of api-contract §9
and the test conversation and community the suites write into."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rehearsal.legacy_data.context import Context
from rehearsal.legacy_data.people import SECURITY_FIELDS_ADDED, People
from rehearsal.legacy_data.randomness import END, START, later, random_date
from rehearsal.legacy_data.texts import ascii_slug
from rehearsal.seed_accounts import (
    GLOBAL_CONVERSATION_IDENTIFIER,
    SEED_ACCOUNTS,
    TEST_COMMUNITY_IDENTIFIER,
    TEST_CONVERSATION_IDENTIFIER,
)

INFRA_IDENTIFIER = "mshy_meeshy-infrastructure-team-one"
TEST_COMMUNITY_CONVERSATION_IDENTIFIER = "mshy_meeshy-ops-test-community-general"
CAN_SEND = (
    "canSendMessage",
    "canSendFiles",
    "canSendImages",
    "canSendVideos",
    "canSendAudios",
    "canSendLocations",
    "canSendLinks",
)
MIN_REGULAR_CONVERSATIONS = 2
COMMUNITY_NAMES = (
    "Lisbon Expats 🌍",
    "Polyglottes de Lyon",
    "مجتمع المطورين",
    "קהילת המפתחים",
    "Club de lectura",
    "Famille & amis",
    "Tech Talk",
    "Football Fans ⚽",
    "日本語クラブ",
)
GROUP_TITLES = (
    "Projet Alpha",
    "Weekend trip ✈️",
    "Équipe produit",
    "Familia",
    "Book club 📚",
    "عائلة",
    "חברים מהעבודה",
    "Study group",
    "Coloc",
    "Running 🏃",
    "Design review",
    "Anniversaire de Léa 🎂",
    "Dev backend",
    "Voisins",
    "Music lovers 🎶",
)
ENCRYPTION_MODES = (("server", "aes-256-gcm"), ("e2ee", "signal_v3"), ("hybrid", "signal_v3"))


@dataclass
class Conv:
    doc: dict
    creator: dict
    members: list[tuple[dict, dict]] = field(default_factory=list)  # (user, ConversationMember)

    @property
    def senders(self) -> list[tuple[dict, dict]]:
        """Members who may post: active and not muted."""
        ok = [(u, m) for u, m in self.members if m["isActive"] and m.get("canSendMessage", True)]
        return ok or self.members


@dataclass
class Groups:
    conversations: list[Conv]
    by_identifier: dict[str, Conv]


def _community(
    ctx: Context,
    rng: random.Random,
    identifier: str,
    name: str | None,
    creator: dict,
    created: datetime,
    private: bool,
) -> dict:
    doc = {
        "_id": ctx.new_id("Community", created),
        "identifier": identifier,
        "name": name,
        "description": None,
        "avatar": None,
        "isPrivate": private,
        "createdBy": creator["_id"],
        "createdAt": created,
        "updatedAt": later(rng, created, 30 * 86400),
    }
    if name is None:
        del doc["name"]
    return doc


def _community_member(ctx: Context, rng: random.Random, community: dict, user: dict, role: str) -> dict:
    joined = later(rng, max(community["createdAt"], user["createdAt"]), 20 * 86400)
    return {
        "_id": ctx.new_id("CommunityMember", joined),
        "communityId": community["_id"],
        "userId": user["_id"],
        "joinedAt": joined,
        "role": role,
    }


def build_communities(ctx: Context, people: People) -> list[dict]:
    rng = ctx.rng("Community")
    seeds, regular = people.seeds, people.users[len(SEED_ACCOUNTS) :]
    test = _community(
        ctx,
        rng,
        TEST_COMMUNITY_IDENTIFIER,
        "Meeshy Ops Test Community",
        seeds["admin"],
        START + timedelta(hours=1),
        private=False,
    )
    test["description"] = "Community the meeshy-ops suites write into"
    communities = [test]
    taken = {TEST_COMMUNITY_IDENTIFIER}
    for i in range(max(ctx.target("Community") - 2, 1)):
        creator = rng.choice(regular)
        name = COMMUNITY_NAMES[i % len(COMMUNITY_NAMES)]
        identifier = f"mshy_{ascii_slug(name) or 'community'}-{rng.getrandbits(24):06x}"
        while identifier in taken:
            identifier += "x"
        taken.add(identifier)
        private = i % 2 == 0 if i < 2 else rng.random() < 0.6
        doc = _community(ctx, rng, identifier, name, creator, random_date(rng, creator["createdAt"]), private)
        if rng.random() < 0.5:
            doc["description"] = f"{name} — community"
        ctx.case("private_community" if private else "public_community", "Community", doc["_id"])
        communities.append(doc)

    creator = rng.choice(regular)
    unnamed = _community(
        ctx,
        rng,
        f"mshy_unnamed-{rng.getrandbits(32):08x}",
        None,
        creator,
        random_date(rng, creator["createdAt"]),
        True,
    )
    ctx.anomaly("missing_required_field", "Community", unnamed["_id"])

    members = [
        _community_member(ctx, rng, test, seeds[a.username], "admin" if a.username == "admin" else "member")
        for a in SEED_ACCOUNTS
    ]
    pairs = {(test["_id"], m["userId"]) for m in members}
    for community in communities[1:]:
        creator = next(u for u in people.users if u["_id"] == community["createdBy"])
        members.append(_community_member(ctx, rng, community, creator, "admin"))
        pairs.add((community["_id"], creator["_id"]))
    extra = ctx.target("CommunityMember") - len(members)
    for _ in range(extra * 20):
        if extra <= 0 or len(communities) < 2:
            break
        community, user = rng.choice(communities[1:]), rng.choice(people.users)
        if (community["_id"], user["_id"]) not in pairs:
            pairs.add((community["_id"], user["_id"]))
            members.append(
                _community_member(ctx, rng, community, user, rng.choice(["member", "member", "moderator"]))
            )
            extra -= 1
    members.sort(key=lambda m: m["joinedAt"])
    ctx.docs["Community"] = communities + [unnamed]
    ctx.docs["CommunityMember"] = members
    return communities


def _conversation(
    ctx: Context,
    rng: random.Random,
    *,
    identifier: str,
    kind: str,
    title: str | None,
    created: datetime,
    community: dict | None = None,
) -> dict:
    doc = {
        "_id": ctx.new_id("Conversation", created),
        "identifier": identifier,
        "type": kind,
        "title": title,
        "description": None,
        "image": None,
        "avatar": None,
        "communityId": community["_id"] if community else None,
        "isActive": True,
        "isArchived": False,
        "lastMessageAt": created,
        "createdAt": created,
        "updatedAt": created,
    }
    if created >= SECURITY_FIELDS_ADDED:
        doc.update(
            {
                "encryptionMode": None,
                "encryptionProtocol": None,
                "encryptionEnabledAt": None,
                "encryptionEnabledBy": None,
                "serverEncryptionKeyId": None,
                "autoTranslateEnabled": True,
            }
        )
    return doc


def encrypt_conversation(ctx: Context, rng: random.Random, conv: Conv) -> None:
    doc = conv.doc
    mode, protocol = rng.choice(ENCRYPTION_MODES)
    doc.update(
        {
            "encryptionMode": mode,
            "encryptionProtocol": protocol,
            "encryptionEnabledAt": later(rng, doc["createdAt"], 86400),
            "encryptionEnabledBy": conv.creator["_id"],
            "serverEncryptionKeyId": f"key_{rng.getrandbits(64):016x}" if mode != "e2ee" else None,
            "autoTranslateEnabled": doc.get("autoTranslateEnabled", True),
        }
    )
    ctx.case("encrypted_conversation", "Conversation", doc["_id"])


def _member(ctx: Context, rng: random.Random, conv: Conv, user: dict, role: str, vary: bool = True) -> dict:
    joined = later(rng, max(conv.doc["createdAt"], user["createdAt"]), 3 * 86400)
    doc = {
        "_id": ctx.new_id("ConversationMember", joined),
        "conversationId": conv.doc["_id"],
        "userId": user["_id"],
        "role": role,
        **dict.fromkeys(CAN_SEND, True),
        "joinedAt": joined,
        "leftAt": None,
        "isActive": True,
    }
    if vary:
        roll = rng.random()
        if joined < SECURITY_FIELDS_ADDED and roll < 0.3:
            for key in CAN_SEND:  # written before the restrictions existed
                del doc[key]
        elif roll < 0.05:
            doc["canSendMessage"] = doc["canSendFiles"] = False
            ctx.case("member_cannot_send", "ConversationMember", doc["_id"])
        elif roll < 0.1:
            doc["canSendVideos"] = doc["canSendFiles"] = False
            ctx.case("member_cannot_send", "ConversationMember", doc["_id"])
        elif roll < 0.13 and role not in ("creator", "CREATOR"):
            doc["leftAt"], doc["isActive"] = random_date(rng, joined), False
            ctx.case("member_left", "ConversationMember", doc["_id"])
    conv.members.append((user, doc))
    return doc


def _seed_conversations(ctx: Context, rng: random.Random, people: People, test_community: dict) -> list[Conv]:
    s = people.seeds
    seed_users = [s[a.username] for a in SEED_ACCOUNTS]
    glob = Conv(
        _conversation(
            ctx,
            rng,
            identifier=GLOBAL_CONVERSATION_IDENTIFIER,
            kind="global",
            title="Meeshy Global",
            created=START,
        ),
        s["meeshy"],
    )
    glob.doc["description"] = "Conversation globale de Meeshy"
    for user in people.users:  # InitService writes these roles uppercase
        role = {"meeshy": "CREATOR", "admin": "ADMIN"}.get(user["username"], "MEMBER")
        _member(ctx, rng, glob, user, role, vary=user["username"] not in s)
    direct = Conv(
        _conversation(
            ctx,
            rng,
            identifier=f"mshy_{s['atabeth']['_id']}_{s['admin']['_id']}",
            kind="direct",
            title="Conversation directe",
            created=START + timedelta(minutes=20),
        ),
        s["atabeth"],
    )
    infra = Conv(
        _conversation(
            ctx,
            rng,
            identifier=INFRA_IDENTIFIER,
            kind="group",
            title="Meeshy Infrastructure Team One",
            created=START + timedelta(minutes=25),
        ),
        s["atabeth"],
    )
    test = Conv(
        _conversation(
            ctx,
            rng,
            identifier=TEST_CONVERSATION_IDENTIFIER,
            kind="group",
            title="Meeshy Ops Test Conversation",
            created=START + timedelta(minutes=30),
        ),
        s["admin"],
    )
    in_community = Conv(
        _conversation(
            ctx,
            rng,
            identifier=TEST_COMMUNITY_CONVERSATION_IDENTIFIER,
            kind="group",
            title="Test community — general",
            created=START + timedelta(hours=2),
            community=test_community,
        ),
        s["admin"],
    )
    for user in (s["atabeth"], s["admin"]):
        _member(ctx, rng, direct, user, "MEMBER", vary=False)
    for user, role in ((s["atabeth"], "CREATOR"), (s["admin"], "ADMIN"), (s["meeshy"], "MEMBER")):
        _member(ctx, rng, infra, user, role, vary=False)
    for conv in (test, in_community):
        for user in seed_users:
            _member(ctx, rng, conv, user, "admin" if user["username"] == "admin" else "member", vary=False)
    return [glob, direct, infra, test, in_community]


def _regular_conversations(
    ctx: Context, rng: random.Random, people: People, communities: list[dict], budget: int
) -> list[Conv]:
    regular = people.users[len(SEED_ACCOUNTS) :]
    n = max(ctx.target("Conversation") - 5, MIN_REGULAR_CONVERSATIONS)
    taken: set[str] = set()
    convs: list[Conv] = []
    for i in range(n):
        kind = (
            "direct"
            if i == 0
            else "group"
            if i == 1
            else rng.choices(["direct", "group", "public"], [35, 55, 10])[0]
        )
        creator = rng.choice(regular)
        if kind == "direct":
            other = rng.choice([u for u in people.users if u is not creator])
            identifier = f"mshy_{creator['_id']}_{other['_id']}"
            title = None
        else:
            title = rng.choice(GROUP_TITLES)
            identifier = f"mshy_{ascii_slug(title) or 'groupe'}-{rng.getrandbits(32):08x}"
        if identifier in taken:
            identifier += f"-{i}"
        taken.add(identifier)
        lo = max(creator["createdAt"], other["createdAt"]) if kind == "direct" else creator["createdAt"]
        community = (
            rng.choice(communities[1:])
            if kind != "direct" and len(communities) > 1 and rng.random() < 0.12
            else None
        )
        conv = Conv(
            _conversation(
                ctx,
                rng,
                identifier=identifier,
                kind=kind,
                title=title,
                created=random_date(rng, lo, END - timedelta(days=1)),
                community=community,
            ),
            creator,
        )
        _vary_conversation(ctx, rng, conv, i)
        _member(ctx, rng, conv, creator, "creator")
        if kind == "direct":
            _member(ctx, rng, conv, other, "member")
        else:
            _member(ctx, rng, conv, rng.choice([u for u in people.users if u is not creator]), "member")
        convs.append(conv)
    # Spread what is left of the member budget over the group conversations.
    groups = [c for c in convs if c.doc["type"] != "direct"]
    extra = budget - sum(len(c.members) for c in convs)
    max_attempts = max(extra, 0) * 50
    attempts = 0
    while extra > 0 and groups and attempts < max_attempts:
        attempts += 1
        conv = rng.choice(groups)
        user = rng.choice(people.users)
        if all(u is not user for u, _ in conv.members):
            _member(ctx, rng, conv, user, rng.choice(["member", "member", "member", "admin", "moderator"]))
            extra -= 1
    return convs


def _vary_conversation(ctx: Context, rng: random.Random, conv: Conv, i: int) -> None:
    doc = conv.doc
    if doc["type"] != "direct" and rng.random() < 0.3:
        doc["description"] = f"{doc['title']} · {doc['createdAt']:%Y}"
    if doc["type"] != "direct" and rng.random() < 0.2:
        doc["image"] = f"https://static.meeshy.me/c/i/{doc['_id']}.png"
    if i == 1 or rng.random() < 0.06:
        doc["isArchived"] = True
        ctx.case("archived_conversation", "Conversation", doc["_id"])
    if rng.random() < 0.03:
        doc["isActive"] = False
    if "encryptionMode" in doc and rng.random() < 0.06:
        encrypt_conversation(ctx, rng, conv)
    if "autoTranslateEnabled" in doc and rng.random() < 0.1:
        doc["autoTranslateEnabled"] = False
        ctx.case("auto_translate_disabled", "Conversation", doc["_id"])


def build_conversations(ctx: Context, people: People, communities: list[dict]) -> Groups:
    rng = ctx.rng("Conversation")
    seeded = _seed_conversations(ctx, rng, people, communities[0])
    budget = ctx.target("ConversationMember") - sum(len(c.members) for c in seeded) - 1
    regular = _regular_conversations(ctx, rng, people, communities, budget)
    convs = seeded + regular
    if not any(c.doc.get("encryptionMode") for c in convs):
        target = (
            next(c for c in regular if "encryptionMode" in c.doc and c.doc["type"] != "direct")
            if any("encryptionMode" in c.doc for c in regular)
            else seeded[2]
        )
        encrypt_conversation(ctx, rng, target)
    ctx.case("conversation_in_community", "Conversation", seeded[4].doc["_id"])

    members = [m for c in convs for _, m in c.members]
    # The duplicate membership: prefer a regular group's ordinary member.
    candidates = [
        (c, u, m) for c in regular if c.doc["type"] != "direct" for u, m in c.members if m["role"] == "member"
    ] or [(seeded[2], *seeded[2].members[2])]
    conv, user, original = rng.choice(candidates)
    joined = later(rng, original["joinedAt"], 10 * 86400)
    duplicate = {**original, "_id": ctx.new_id("ConversationMember", joined), "joinedAt": joined}
    ctx.anomaly("duplicate_conversation_member", "ConversationMember", duplicate["_id"])

    members.sort(key=lambda m: m["joinedAt"])
    ctx.docs["ConversationMember"] = members + [duplicate]
    ctx.docs["Conversation"] = sorted((c.doc for c in convs), key=lambda d: d["createdAt"])
    return Groups(convs, {c.doc["identifier"]: c for c in convs})


def weight(conv: Conv) -> float:
    """How much a conversation talks: grows with its size, less than linearly."""
    return 1.0 + math.sqrt(len(conv.members))
