"""A small data set in either shape, for the sandbox's own tests and bench when the real dataset
generator (`meeshy-ops legacy-data`) is not wanted: the seed accounts of rehearsal/seed_accounts.py with
bcrypt hashes of their documented passwords, the global `meeshy` conversation, the suites' test
conversation and community, and a few messages.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

import bcrypt
import pymongo
from bson import ObjectId

from rehearsal.seed_accounts import (
    GLOBAL_CONVERSATION_IDENTIFIER,
    SEED_ACCOUNTS,
    TEST_COMMUNITY_IDENTIFIER,
    TEST_CONVERSATION_IDENTIFIER,
    SeedAccount,
)
from sandbox.shapes import now, shape_for

Doc = dict[str, Any]

# Prisma-declared indexes (migration-spec §2.2) created in the prisma-shaped fixture.
PRISMA_INDEXES = {
    "User": [("User_username_key", [("username", 1)], True), ("User_email_key", [("email", 1)], True)],
    "Conversation": [("Conversation_identifier_key", [("identifier", 1)], True)],
    "Community": [("Community_identifier_key", [("identifier", 1)], True)],
    "ConversationMember": [
        ("ConversationMember_conversationId_userId_key", [("conversationId", 1), ("userId", 1)], True)
    ],
    "Message": [("Message_conversationId_idx", [("conversationId", 1)], False)],
    "Reaction": [
        ("Reaction_messageId_userId_emoji_key", [("messageId", 1), ("userId", 1), ("emoji", 1)], True),
    ],
}


@cache
def password_hash(password: str) -> str:
    # Cost 10, as the real gateway stores them ($2b$10$…).
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()


def _user(account: SeedAccount, data: str) -> Doc:
    t = now() - timedelta(days=30)
    doc: Doc = {
        "_id": ObjectId(),
        "username": account.username,
        "firstName": account.first_name,
        "lastName": account.last_name,
        "bio": "",
        "email": account.email,
        "phoneNumber": None,
        "password": password_hash(account.password),
        "displayName": f"{account.first_name} {account.last_name}",
        "avatar": None,
        "isOnline": False,
        "lastActiveAt": t,
        "systemLanguage": account.system_language,
        "regionalLanguage": account.regional_language,
        "customDestinationLanguage": None,
        "isActive": True,
        "createdAt": t,
        "updatedAt": t,
    }
    if data == "legacy":
        doc.update(
            role=account.legacy_role,
            lastSeen=t,
            autoTranslateEnabled=True,
            translateToSystemLanguage=True,
            translateToRegionalLanguage=False,
            useCustomDestination=False,
        )
    else:
        role = "MODERATOR" if account.legacy_role == "MODO" else account.legacy_role
        doc.update(
            role=role,
            blockedUserIds=[],
            twoFactorBackupCodes=[],
            failedLoginAttempts=0,
            passwordResetAttempts=0,
        )
    return doc


def write_fixture(db_url: str, data: str = "prisma") -> dict[str, Any]:
    """Write the fixture into the (empty) database of ``db_url``; return the ids tests need."""
    shape = shape_for(data)
    with pymongo.MongoClient(db_url, serverSelectionTimeoutMS=5000) as client:
        db = client.get_default_database()
        users = {a.username: _user(a, data) for a in SEED_ACCOUNTS}
        db["User"].insert_many(list(users.values()))
        ids = {name: u["_id"] for name, u in users.items()}

        community = {
            "_id": ObjectId(),
            "identifier": TEST_COMMUNITY_IDENTIFIER,
            "name": "Meeshy Ops Test Community",
            "description": "Where the suites write",
            "avatar": None,
            "isPrivate": True,
            "createdBy": ids["admin"],
            "createdAt": now(),
            "updatedAt": now(),
        }
        if data == "prisma":
            community.update(banner=None, isActive=True)
        db["Community"].insert_one(community)
        community_members = ["admin", "alice_fr", "bob_en", "meeshy"]
        db["CommunityMember"].insert_many(
            [
                {
                    "_id": ObjectId(),
                    "communityId": community["_id"],
                    "userId": ids[n],
                    "role": "admin" if n == "admin" else "member",
                    "joinedAt": now(),
                    **({"isActive": True} if data == "prisma" else {}),
                }
                for n in community_members
            ]
        )

        everyone = list(ids)
        conversations = {
            GLOBAL_CONVERSATION_IDENTIFIER: ("global", "Meeshy Global", None, everyone),
            TEST_CONVERSATION_IDENTIFIER: ("group", "Meeshy Ops Test Conversation", None, everyone),
            "mshy_meeshy-ops-test-community-general": (
                "group",
                "Community general",
                community["_id"],
                community_members,
            ),
            "mshy_alice-bob-direct": ("direct", None, None, ["alice_fr", "bob_en"]),
        }
        conv_ids = {}
        for identifier, (kind, title, community_id, members) in conversations.items():
            conv = shape.new_conversation(identifier, kind, title, community_id, len(members))
            db["Conversation"].insert_one(conv)
            conv_ids[identifier] = conv["_id"]
            db["ConversationMember"].insert_many(
                [
                    shape.new_member(conv["_id"], ids[n], "CREATOR" if n == "meeshy" else "MEMBER")
                    for n in members
                ]
            )

        first = shape.new_message(
            conv_ids[TEST_CONVERSATION_IDENTIFIER], ids["admin"], "Bienvenue à tous", "fr", "text", None, []
        )
        second = shape.new_message(
            conv_ids[TEST_CONVERSATION_IDENTIFIER],
            ids["bob_en"],
            "Hello @alice_fr",
            "en",
            "text",
            first["_id"],
            ["alice_fr"],
        )
        second["createdAt"] = second["updatedAt"] = first["createdAt"] + timedelta(seconds=1)
        db["Message"].insert_many([first, second])
        db["Mention"].insert_one(shape.new_mention(second["_id"], ids["alice_fr"]))
        db["MessageTranslation"].insert_one(
            shape.new_translation(first["_id"], "fr", "en", "[fr→en] Bienvenue à tous", "medium", 0.9)
        )
        db["Reaction"].insert_one(shape.new_reaction(first["_id"], ids["bob_en"], "👍"))
        if data == "prisma":
            for collection, indexes in PRISMA_INDEXES.items():
                for name, keys, unique in indexes:
                    db[collection].create_index(keys, name=name, unique=unique)
    return {
        "users": ids,
        "conversations": conv_ids,
        "community": community["_id"],
        "messages": [first["_id"], second["_id"]],
    }
