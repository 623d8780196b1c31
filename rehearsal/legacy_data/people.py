"""Users: the seed accounts (known passwords, bcrypt cost 10 as the real gateway) and synthetic
users in two eras of the legacy shape, with the security values a migration must keep."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt

from rehearsal.legacy_data.context import Context
from rehearsal.legacy_data.randomness import END, START, bcrypt_salt, later, random_date
from rehearsal.legacy_data.texts import BIOS, LANGUAGE_WEIGHTS, LANGUAGES, NAMES, ascii_slug
from rehearsal.seed_accounts import SEED_ACCOUNTS

SEED_COST = 10
OTHER_COST = 4
# Users created before this were written before the security fields existed.
SECURITY_FIELDS_ADDED = datetime(2025, 6, 15, tzinfo=START.tzinfo)
MIN_REGULAR_USERS = 2
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass
class People:
    users: list[dict]  # every valid user (seed accounts first); the anomaly is not here
    seeds: dict[str, dict]  # username → document


def _password_hash(rng: random.Random, password: str, cost: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt_salt(rng, cost)).decode()


def _security_defaults(created: datetime) -> dict:
    """The fields the later legacy schema added, with the values a fresh user got."""
    return {
        "deactivatedAt": None,
        "emailVerifiedAt": None,
        "phoneVerifiedAt": None,
        "twoFactorEnabledAt": None,
        "twoFactorSecret": None,
        "failedLoginAttempts": 0,
        "lockedUntil": None,
        "lockedReason": None,
        "lastPasswordChange": created,
        "passwordResetAttempts": 0,
        "lastPasswordResetAttempt": None,
        "lastLoginIp": None,
        "lastLoginLocation": None,
        "lastLoginDevice": None,
        "deletedAt": None,
        "deletedBy": None,
        "profileCompletionRate": 0,
        "encryptionPreference": "optional",
        "signalIdentityKeyPublic": None,
        "signalIdentityKeyPrivate": None,
        "signalRegistrationId": None,
        "signalPreKeyBundleVersion": None,
        "lastKeyRotation": None,
    }


def _user(
    ctx: Context,
    rng: random.Random,
    *,
    created: datetime,
    username: str,
    email: str,
    first: str,
    last: str,
    password_hash: str,
    system: str,
    regional: str,
    role: str,
    modern: bool,
) -> dict:
    active = random_date(rng, created)
    doc = {
        "_id": ctx.new_id("User", created),
        "username": username,
        "firstName": first,
        "lastName": last,
        "bio": "",
        "email": email,
        "phoneNumber": None,
        "password": password_hash,
        "displayName": f"{first} {last}",
        "avatar": None,
        "isOnline": False,
        "lastSeen": later(rng, active, 86400),
        "lastActiveAt": active,
        "systemLanguage": system,
        "regionalLanguage": regional,
        "customDestinationLanguage": None,
        "autoTranslateEnabled": True,
        "translateToSystemLanguage": True,
        "translateToRegionalLanguage": False,
        "useCustomDestination": False,
        "role": role,
        "isActive": True,
        "createdAt": created,
        "updatedAt": active,
    }
    if modern:
        doc.update(_security_defaults(created))
    return doc


def _seed_users(ctx: Context, rng: random.Random) -> list[dict]:
    users = []
    for i, account in enumerate(SEED_ACCOUNTS):
        created = START + timedelta(minutes=1 + i)
        doc = _user(
            ctx,
            rng,
            created=created,
            username=account.username,
            email=account.email,
            first=account.first_name,
            last=account.last_name,
            password_hash=_password_hash(rng, account.password, SEED_COST),
            system=account.system_language,
            regional=account.regional_language,
            role=account.legacy_role,
            modern=True,
        )
        doc["emailVerifiedAt"] = created + timedelta(minutes=5)
        users.append(doc)
        ctx.case("seed_account", "User", doc["_id"])
    return users


def _regular_users(ctx: Context, rng: random.Random, count: int, taken: set[str]) -> list[dict]:
    n_old = max(1, count * 3 // 10)
    dates = sorted(random_date(rng, START + timedelta(days=1), SECURITY_FIELDS_ADDED) for _ in range(n_old))
    dates += sorted(
        random_date(rng, SECURITY_FIELDS_ADDED, END - timedelta(days=2)) for _ in range(count - n_old)
    )
    users = []
    for i, created in enumerate(dates):
        lang = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        first, last = rng.choice(NAMES[lang][0]), rng.choice(NAMES[lang][1])
        base = f"{ascii_slug(first)}_{ascii_slug(last)}"
        username = base
        while username in taken:
            username = f"{base}{rng.randint(2, 999)}"
        taken.add(username)
        password = "".join(rng.choices(string.ascii_letters + string.digits, k=14))
        doc = _user(
            ctx,
            rng,
            created=created,
            username=username,
            email=f"{username}@{rng.choice(EMAIL_DOMAINS)}",
            first=first,
            last=last,
            password_hash=_password_hash(rng, password, OTHER_COST),
            system=lang,
            regional=rng.choice([x for x in LANGUAGES if x != lang]),
            role="USER",
            modern=i >= n_old,
        )
        _vary_profile(ctx, rng, doc, i)
        users.append(doc)
    return users


def _vary_profile(ctx: Context, rng: random.Random, doc: dict, i: int) -> None:
    """Profile fields as they really vary: bio "", null, missing or text; displayName missing…
    The first two users always carry the rarer shapes, so they exist at any scale."""
    bio = {0: 0.0, 1: 0.2}.get(i) if i < 2 else rng.random()
    if bio < 0.15:
        del doc["bio"]
        ctx.case("bio_missing", "User", doc["_id"])
    elif bio < 0.3:
        doc["bio"] = None
        ctx.case("bio_null", "User", doc["_id"])
    elif bio < 0.55:
        doc["bio"] = rng.choice(BIOS)
    if "emailVerifiedAt" not in doc:
        ctx.case("user_without_security_fields", "User", doc["_id"])
        if i == 0 or rng.random() < 0.5:
            del doc["displayName"]
            ctx.case("missing_display_name", "User", doc["_id"])
    if rng.random() < 0.3:
        doc["avatar"] = f"https://static.meeshy.me/u/i/{doc['_id']}.jpg"
    if rng.random() < 0.2:
        doc["phoneNumber"] = f"+336{rng.randint(10_000_000, 99_999_999)}"
    if rng.random() < 0.1:
        doc["customDestinationLanguage"] = rng.choice(LANGUAGES)
        doc["useCustomDestination"] = True
    if rng.random() < 0.1:
        doc["autoTranslateEnabled"] = False
    if rng.random() < 0.05:
        doc["isOnline"] = True  # stale: nobody is online in a snapshot


def _security_cases(ctx: Context, rng: random.Random, users: list[dict], admin: dict) -> None:
    """Existing security values on the modern users, which a migration must not overwrite."""
    modern = [u for u in users if "emailVerifiedAt" in u]
    for u in modern:
        if rng.random() < 0.5:
            u["emailVerifiedAt"] = later(rng, u["createdAt"], 3600)
            ctx.case("email_verified", "User", u["_id"])
    pool = modern[:]
    rng.shuffle(pool)

    def pick(i: int) -> dict:
        return pool[i % len(pool)]

    for i in range(3):
        u = pick(i)
        u["twoFactorEnabledAt"] = later(rng, u["createdAt"], 30 * 86400)
        u["twoFactorSecret"] = "".join(rng.choices(string.ascii_uppercase + "234567", k=32))
        ctx.case("two_factor_enabled", "User", u["_id"])
    for i in range(3, 6):
        u = pick(i)
        u["failedLoginAttempts"] = rng.randint(1, 4)
        ctx.case("failed_login_attempts", "User", u["_id"])
    u = pick(6)
    u["failedLoginAttempts"], u["lockedReason"] = 5, "too_many_failed_attempts"
    u["lockedUntil"] = END + timedelta(minutes=30)
    ctx.case("locked_account", "User", u["_id"])
    for i in range(7, 11):
        u = pick(i)
        u["lastPasswordChange"] = random_date(rng, u["createdAt"] + timedelta(days=1), END)
        ctx.case("password_changed", "User", u["_id"])
    for i in range(11, 13):
        u = pick(i)
        u["isActive"], u["deactivatedAt"] = False, random_date(rng, u["createdAt"], END)
        ctx.case("deactivated", "User", u["_id"])
    u = pick(13)
    u["isActive"], u["deletedAt"], u["deletedBy"] = False, random_date(rng, u["createdAt"], END), admin["_id"]
    ctx.case("soft_deleted", "User", u["_id"])
    for i in range(14, 16):
        u = pick(i)
        u["signalIdentityKeyPublic"] = "".join(rng.choices(string.ascii_letters + string.digits, k=44))
        u["signalIdentityKeyPrivate"] = "".join(rng.choices(string.ascii_letters + string.digits, k=44))
        u["signalRegistrationId"], u["signalPreKeyBundleVersion"] = rng.randint(1, 16380), 1
        u["lastKeyRotation"] = random_date(rng, u["createdAt"], END)
        u["encryptionPreference"] = "always"
        ctx.case("signal_keys", "User", u["_id"])
    for i in range(16, 26):
        u = pick(i)
        u["lastLoginIp"] = f"203.0.113.{rng.randint(1, 254)}"
        u["lastLoginLocation"], u["lastLoginDevice"] = rng.choice(
            [
                ("Paris, FR", "Chrome on macOS"),
                ("Lisboa, PT", "Safari on iOS"),
                ("Madrid, ES", "Firefox on Linux"),
            ]
        )
    for i in range(26, 28):
        u = pick(i)
        u["phoneNumber"] = u["phoneNumber"] or f"+3516{rng.randint(10_000_000, 99_999_999)}"
        u["phoneVerifiedAt"] = later(rng, u["createdAt"], 86400)
        ctx.case("phone_verified", "User", u["_id"])


def build_people(ctx: Context) -> People:
    rng = ctx.rng("User")
    seeds = _seed_users(ctx, rng)
    taken = {u["username"] for u in seeds}
    n_regular = max(ctx.target("User") - len(seeds) - 1, MIN_REGULAR_USERS)
    regular = _regular_users(ctx, rng, n_regular, taken)
    by_name = {u["username"]: u for u in seeds}
    _security_cases(ctx, rng, regular, by_name["admin"])
    modo = rng.sample(regular, min(2, len(regular)))
    for u in modo:
        u["role"] = "MODO"
    for u in [by_name["carlos_es"], *modo]:
        ctx.case("modo_role", "User", u["_id"])
    for u, role in zip(
        rng.sample(regular, min(3, len(regular))), ("AUDIT", "ANALYST", "ADMIN"), strict=False
    ):
        if u["role"] == "USER":
            u["role"] = role

    original = regular[0]
    created = random_date(rng, original["createdAt"] + timedelta(days=1), END - timedelta(days=1))
    username = f"{original['username']}_bis"
    duplicate = _user(
        ctx,
        rng,
        created=created,
        username=username,
        email=original["email"],
        first=original["firstName"],
        last=original["lastName"],
        password_hash=_password_hash(rng, "not-a-seed-password", OTHER_COST),
        system=original["systemLanguage"],
        regional=original["regionalLanguage"],
        role="USER",
        modern=True,
    )
    ctx.anomaly("duplicate_user_email", "User", duplicate["_id"])
    users = seeds + regular
    ctx.docs["User"] = users + [duplicate]
    return People(users=users, seeds=by_name)
