"""Messages and what hangs off them: attachments, mentions, translations, reactions. Text comes
from parallel phrases, so a stored translation is the same sentence in the target language."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from rehearsal.legacy_data.context import Context
from rehearsal.legacy_data.groups import Conv, Groups, weight
from rehearsal.legacy_data.people import SECURITY_FIELDS_ADDED, People
from rehearsal.legacy_data.randomness import END, later, random_date
from rehearsal.legacy_data.texts import EMOJI, LANGUAGES, PHRASES, TRANSLATION_MODELS

# Attachment URLs moved from /api/attachments/ to /api/v1/attachments/ around this date.
API_V1_URLS = datetime(2025, 11, 1, tzinfo=END.tzinfo)
ATTACHMENT_KINDS = {  # messageType → (weight, [(mime type, extension, original name)])
    "image": (
        55,
        [
            ("image/jpeg", "jpg", "IMG_{n}.jpg"),
            ("image/png", "png", "Capture d’écran {n}.png"),
            ("image/webp", "webp", "صورة_{n}.webp"),
        ],
    ),
    "file": (
        20,
        [
            ("application/pdf", "pdf", "rapport final {n}.pdf"),
            ("text/plain", "txt", "notes-{n}.txt"),
            ("application/zip", "zip", "archive_{n}.zip"),
        ],
    ),
    "audio": (15, [("audio/webm", "webm", "voice-message-{n}.webm"), ("audio/mpeg", "mp3", "הקלטה {n}.mp3")]),
    "video": (10, [("video/mp4", "mp4", "VID_{n}.mp4"), ("video/webm", "webm", "clip-{n}.webm")]),
}


@dataclass
class Text:
    """How a message's content was made, so its translations can be made the same way."""

    phrase: int | None  # None: emoji only, nothing to translate
    prefix: str = ""
    suffix: str = ""

    def render(self, language: str, emoji_only: str = "") -> str:
        if self.phrase is None:
            return emoji_only
        return f"{self.prefix}{PHRASES[self.phrase][language]}{self.suffix}"


@dataclass
class Msg:
    doc: dict
    conv: Conv
    text: Text


def _message_doc(
    ctx: Context, conv: Conv, sender: dict | None, created: datetime, content: str, language: str
) -> dict:
    doc = {
        "_id": ctx.new_id("Message", created),
        "conversationId": conv.doc["_id"],
        "senderId": sender["_id"] if sender else None,
        "content": content,
        "originalLanguage": language,
        "messageType": "text",
        "isEdited": False,
        "isDeleted": False,
        "deletedAt": None,
        "createdAt": created,
        "updatedAt": created,
    }
    if created >= SECURITY_FIELDS_ADDED:  # older messages have only the fields of the sample (§1.3)
        doc.update(
            {
                "anonymousSenderId": None,
                "editedAt": None,
                "replyToId": None,
                "validatedMentions": [],
                "isEncrypted": False,
                "encryptedContent": None,
                "encryptionMode": None,
                "encryptionMetadata": None,
            }
        )
    return doc


def _draw_messages(ctx: Context, rng: random.Random, groups: Groups, count: int) -> list[Msg]:
    convs = groups.conversations
    weights = [weight(c) for c in convs]
    drawn = []
    for _ in range(count):
        conv = rng.choices(convs, weights)[0]
        sender, member = rng.choice(conv.senders)
        created = random_date(rng, member["joinedAt"], member["leftAt"] or END)
        language = sender["systemLanguage"] if rng.random() < 0.8 else rng.choice(LANGUAGES)
        roll = rng.random()
        if roll < 0.03:
            text = Text(None)
            content = "".join(rng.choices(EMOJI, k=rng.randint(1, 3)))
        else:
            text = Text(rng.randrange(len(PHRASES)), suffix=f" {rng.choice(EMOJI)}" if roll < 0.25 else "")
            content = text.render(language)
        drawn.append((created, conv, sender, language, content, text))
    drawn.sort(key=lambda d: d[0])
    return [
        Msg(_message_doc(ctx, conv, sender, created, content, language), conv, text)
        for created, conv, sender, language, content, text in drawn
    ]


def _ensure(ctx: Context, rng: random.Random, case: str, msgs: list[Msg], eligible, apply) -> None:
    """Apply ``apply`` to the messages it draws for, and to one at least (any scale)."""
    pool = [m for m in msgs if eligible(m)]
    hits = [m for m in pool if rng.random() < CASE_RATES[case]] or pool[:1]
    for m in hits:
        apply(m)
        ctx.case(case, "Message", m.doc["_id"])


CASE_RATES = {
    "reply": 0.1,
    "edited_message": 0.05,
    "deleted_message": 0.03,
    "encrypted_message": 0.5,
    "anonymous_message": 0.02,
    "rtl_message": 0.0,
}


def _shape_messages(ctx: Context, rng: random.Random, msgs: list[Msg], anonymous_ids: list) -> None:
    by_conv: dict[int, list[Msg]] = {}
    for m in msgs:
        by_conv.setdefault(id(m.conv), []).append(m)

    def reply(m: Msg) -> None:
        earlier = [o for o in by_conv[id(m.conv)] if o.doc["createdAt"] < m.doc["createdAt"]]
        m.doc["replyToId"] = rng.choice(earlier[-20:]).doc["_id"]

    def edit(m: Msg) -> None:
        m.doc["isEdited"] = True
        edited = later(rng, m.doc["createdAt"], 3600)
        if "editedAt" in m.doc:
            m.doc["editedAt"] = edited
        m.doc["updatedAt"] = edited

    def delete(m: Msg) -> None:
        m.doc["isDeleted"], m.doc["deletedAt"] = True, later(rng, m.doc["createdAt"], 7 * 86400)
        m.doc["updatedAt"] = m.doc["deletedAt"]

    def encrypt(m: Msg) -> None:
        conv = m.conv.doc
        m.doc.update(
            {
                "isEncrypted": True,
                "encryptionMode": conv["encryptionMode"],
                "content": "[encrypted]",
                "encryptedContent": base64.b64encode(rng.randbytes(48)).decode(),
                "encryptionMetadata": {
                    "iv": base64.b64encode(rng.randbytes(12)).decode(),
                    "authTag": base64.b64encode(rng.randbytes(16)).decode(),
                    "keyId": conv["serverEncryptionKeyId"] or f"e2ee_{conv['_id']}",
                    "algorithm": "aes-256-gcm",
                },
            }
        )
        m.text = Text(None)

    def anonymous(m: Msg) -> None:
        m.doc["senderId"], m.doc["anonymousSenderId"] = None, rng.choice(anonymous_ids)

    def modern(m: Msg) -> bool:
        return "validatedMentions" in m.doc

    _ensure(
        ctx,
        rng,
        "encrypted_message",
        msgs,
        lambda m: modern(m) and m.conv.doc.get("encryptionMode") and m.text.phrase is not None,
        encrypt,
    )
    _ensure(
        ctx,
        rng,
        "reply",
        msgs,
        lambda m: m.doc["createdAt"] > by_conv[id(m.conv)][0].doc["createdAt"] and "replyToId" in m.doc,
        reply,
    )
    _ensure(
        ctx,
        rng,
        "anonymous_message",
        msgs,
        lambda m: modern(m) and m.conv.doc["type"] in ("global", "public") and not m.doc["isEncrypted"],
        anonymous,
    )
    _ensure(ctx, rng, "edited_message", msgs, lambda m: not m.doc.get("isEncrypted"), edit)
    _ensure(ctx, rng, "deleted_message", msgs, lambda m: not m.doc["isEdited"], delete)
    for lang in ("ar", "he"):
        plain = [m for m in msgs if m.text.phrase is not None and not m.doc.get("isEncrypted")]
        others = [m for m in plain if m.doc["originalLanguage"] not in ("ar", "he")]
        rtl = [m for m in plain if m.doc["originalLanguage"] == lang] or others[:1]
        for m in rtl:
            m.doc["originalLanguage"], m.doc["content"] = lang, m.text.render(lang)
            ctx.case("rtl_message", "Message", m.doc["_id"])
    emoji = [m for m in msgs if any(e in m.doc["content"] for e in EMOJI)]
    for m in emoji:
        ctx.case("emoji_message", "Message", m.doc["_id"])
    for m in msgs:
        if not modern(m):
            ctx.case("message_without_newer_fields", "Message", m.doc["_id"])


def _translatable(m: Msg) -> bool:
    d = m.doc
    return (
        m.text.phrase is not None
        and d["messageType"] == "text"
        and not d.get("isEncrypted")
        and not d["isDeleted"]
    )


def _attachments(ctx: Context, rng: random.Random, msgs: list[Msg], count: int) -> list[dict]:
    pool = [m for m in msgs if m.doc["senderId"] and _translatable(m)]
    rng.shuffle(pool)
    kinds = list(ATTACHMENT_KINDS)
    kind_weights = [ATTACHMENT_KINDS[k][0] for k in kinds]
    docs: list[dict] = []
    while len(docs) < count and pool:
        m = pool.pop()
        kind = rng.choices(kinds, kind_weights)[0]
        m.doc["messageType"] = kind
        if rng.random() < 0.6:
            m.doc["content"], m.text = "", Text(None)
        n_files = 1 if kind != "image" or rng.random() < 0.75 else rng.randint(2, 3)
        for _ in range(min(n_files, count - len(docs))):
            doc = _attachment(ctx, rng, m, kind)
            ctx.case(
                "attachment_v1_url" if "/v1/" in doc["fileUrl"] else "attachment_legacy_url",
                "MessageAttachment",
                doc["_id"],
            )
            if doc.get("width") == 0 or doc.get("duration") == 0:
                ctx.case("attachment_zero_dimension", "MessageAttachment", doc["_id"])
            docs.append(doc)
    return docs


def _attachment(ctx: Context, rng: random.Random, m: Msg, kind: str) -> dict:
    mime, ext, original = rng.choice(ATTACHMENT_KINDS[kind][1])
    created = m.doc["createdAt"]
    uploader = m.doc["senderId"]
    name = f"{rng.getrandbits(64):016x}.{ext}"
    path = f"{created:%Y/%m}/{uploader}/{name}"
    v1 = created >= API_V1_URLS if rng.random() < 0.9 else created < API_V1_URLS
    doc = {
        "_id": ctx.new_id("MessageAttachment", created),
        "messageId": m.doc["_id"],
        "fileName": name,
        "originalName": original.format(n=rng.randint(1000, 9999)),
        "mimeType": mime,
        "fileSize": rng.randint(2_000, 25_000_000),
        "filePath": path,
        "fileUrl": f"/api/{'v1/' if v1 else ''}attachments/file/{path}",
        "width": None,
        "height": None,
        "thumbnailPath": None,
        "thumbnailUrl": None,
        "duration": None,
        "uploadedBy": uploader,
        "isAnonymous": False,
        "createdAt": created,
    }
    zero = rng.random() < 0.05
    if kind in ("image", "video"):
        doc["width"], doc["height"] = (0, 0) if zero else rng.choice([(1080, 1920), (1920, 1080), (800, 600)])
        doc["thumbnailPath"] = path.rsplit(".", 1)[0] + "_thumb.jpg"
        doc["thumbnailUrl"] = doc["fileUrl"].rsplit(".", 1)[0] + "_thumb.jpg"
    if kind in ("audio", "video"):
        doc["duration"] = 0 if zero else rng.randint(1, 600)
        doc.update(
            {
                "bitrate": 128_000,
                "sampleRate": 48_000,
                "codec": "opus" if ext == "webm" else "aac",
                "channels": 1,
            }
        )
    if kind == "video":
        doc.update({"fps": 30.0, "videoCodec": "h264" if ext == "mp4" else "vp9"})
    if mime == "application/pdf":
        doc["pageCount"] = rng.randint(1, 40)
    if mime == "text/plain":
        doc["lineCount"] = rng.randint(1, 500)
    if rng.random() < 0.2:
        doc["metadata"] = {"source": rng.choice(["camera", "gallery", "recorder"]), "compressed": True}
    return doc


def _mentions(ctx: Context, rng: random.Random, msgs: list[Msg], count: int) -> list[dict]:
    pool = [
        m
        for m in msgs
        if m.doc["senderId"] and _translatable(m) and "validatedMentions" in m.doc and len(m.conv.members) > 1
    ]
    rng.shuffle(pool)
    docs: list[dict] = []
    while len(docs) < count and pool:
        m = pool.pop()
        others = [u for u, _ in m.conv.members if u["_id"] != m.doc["senderId"]]
        chosen = rng.sample(others, min(len(others), 2 if rng.random() < 0.15 else 1, count - len(docs)))
        names = [u["username"] for u in chosen]
        m.text.prefix = "".join(f"@{n} " for n in names)
        m.doc["content"] = m.text.render(m.doc["originalLanguage"])
        m.doc["validatedMentions"] = names
        for u in chosen:
            docs.append(
                {
                    "_id": ctx.new_id("Mention", m.doc["createdAt"]),
                    "messageId": m.doc["_id"],
                    "mentionedUserId": u["_id"],
                    "mentionedAt": m.doc["createdAt"],
                }
            )
    return docs


def _translations(ctx: Context, rng: random.Random, msgs: list[Msg], count: int) -> list[dict]:
    pool = [m for m in msgs if _translatable(m)]
    rng.shuffle(pool)
    languages = {
        id(c): sorted({u["systemLanguage"] for u, _ in c.members})
        for c in {id(m.conv): m.conv for m in pool}.values()
    }
    done: dict[int, set[str]] = {}
    docs: list[dict] = []
    rounds = 0
    while len(docs) < count and pool and rounds < len(LANGUAGES):
        rounds += 1
        for m in pool:
            if len(docs) >= count:
                break
            source = m.doc["originalLanguage"]
            seen = done.setdefault(id(m), {source})
            wanted = [x for x in languages[id(m.conv)] if x not in seen]
            wanted = wanted or ([] if rounds == 1 else [x for x in LANGUAGES if x not in seen])
            if not wanted:
                continue
            target = rng.choice(wanted)
            seen.add(target)
            model = rng.choice(TRANSLATION_MODELS)
            created = later(rng, m.doc["createdAt"], 30)
            doc = {
                "_id": ctx.new_id("MessageTranslation", created),
                "messageId": m.doc["_id"],
                "sourceLanguage": source,
                "targetLanguage": target,
                "translatedContent": m.text.render(target),
                "translationModel": model,
                "cacheKey": f"{m.doc['_id']}_{source}_{target}",
                "confidenceScore": round(rng.uniform(0.62, 0.99), 3),
                "createdAt": created,
                "updatedAt": created,
            }
            if rng.random() < 0.1:
                del doc["confidenceScore"]
            docs.append(doc)
    return docs


def _reactions(
    ctx: Context, rng: random.Random, msgs: list[Msg], count: int, anonymous_ids: list
) -> list[dict]:
    pool = [m for m in msgs if not m.doc["isDeleted"]]
    keys: set[tuple] = set()
    docs: list[dict] = []

    def add(m: Msg, owner: str, who, emoji: str) -> dict | None:
        key = (m.doc["_id"], owner, who, emoji)
        if key in keys or len(docs) >= count:
            return None
        keys.add(key)
        created = later(rng, m.doc["createdAt"], 86400)
        doc = {
            "_id": ctx.new_id("Reaction", created),
            "messageId": m.doc["_id"],
            owner: who,
            "emoji": emoji,
            "createdAt": created,
            "updatedAt": created,
        }
        docs.append(doc)
        return doc

    # Two users with the same emoji on the same message (collides on a nullable unique index, W17).
    m = next((m for m in pool if len(m.conv.members) > 1), None)
    if m is not None:
        for u, _ in m.conv.members[:2]:
            ctx.case("same_emoji_two_users", "Reaction", add(m, "userId", u["_id"], "👍")["_id"])
    attempts = 0
    while len(docs) < count and pool and attempts < count * 20:
        attempts += 1
        m = rng.choice(pool)
        emoji = rng.choice(EMOJI[:9])
        if rng.random() < 0.015 or not any(k[1] == "anonymousUserId" for k in keys):
            doc = add(m, "anonymousUserId", rng.choice(anonymous_ids), emoji)
            if doc:
                ctx.case("anonymous_reaction", "Reaction", doc["_id"])
        else:
            add(m, "userId", rng.choice(m.conv.members)[0]["_id"], emoji)
    return docs


def build_messages(ctx: Context, people: People, groups: Groups) -> list[Msg]:
    rng = ctx.rng("Message")
    # Participants of since-deleted anonymous sessions: AnonymousParticipant is empty in the snapshot.
    anonymous_ids = [ctx.ids.dangling(rng, random_date(rng, SECURITY_FIELDS_ADDED)) for _ in range(3)]
    n_reactions, n_mentions = max(ctx.target("Reaction"), 4), max(ctx.target("Mention"), 2)
    msgs = _draw_messages(ctx, rng, groups, max(ctx.target("Message"), 40) - 1)
    _shape_messages(ctx, rng, msgs, anonymous_ids)
    valid_ids = {m.doc["_id"] for m in msgs}

    attachments = _attachments(ctx, rng, msgs, max(ctx.target("MessageAttachment"), 2) - 1)
    carrier = next(m for m in msgs if m.doc["_id"] == attachments[0]["messageId"])
    bad = _attachment(ctx, rng, carrier, carrier.doc["messageType"])
    bad["fileSize"] = "12 kB"
    ctx.anomaly("wrong_type", "MessageAttachment", bad["_id"])

    mentions = _mentions(ctx, rng, msgs, n_mentions - 1)
    target = rng.choice([m for m in msgs if m.doc["senderId"]])
    ghost = {
        "_id": ctx.new_id("Mention", target.doc["createdAt"]),
        "messageId": target.doc["_id"],
        "mentionedUserId": ctx.ids.dangling(rng, target.doc["createdAt"]),
        "mentionedAt": target.doc["createdAt"],
    }
    ctx.anomaly("mention_of_missing_user", "Mention", ghost["_id"])

    translations = _translations(ctx, rng, msgs, max(ctx.target("MessageTranslation"), 3))

    reactions = _reactions(ctx, rng, msgs, n_reactions - 1, anonymous_ids)
    author = rng.choice(people.users)
    when = random_date(rng, author["createdAt"])
    lost = {
        "_id": ctx.new_id("Reaction", when),
        "messageId": ctx.ids.dangling(rng, when),
        "userId": author["_id"],
        "emoji": "❤️",
        "createdAt": when,
        "updatedAt": when,
    }
    ctx.anomaly("reaction_on_missing_message", "Reaction", lost["_id"])

    sender = rng.choice(people.users)
    when = random_date(rng, sender["createdAt"])
    orphan = _message_doc(
        ctx, groups.conversations[0], sender, when, "Message d'une conversation disparue", "fr"
    )
    orphan["conversationId"] = ctx.ids.dangling(rng, when - timedelta(days=1))
    ctx.anomaly("orphan_message", "Message", orphan["_id"])
    assert orphan["_id"] not in valid_ids

    for m in msgs:
        conv = m.conv.doc
        if m.doc["createdAt"] > conv["lastMessageAt"]:
            conv["lastMessageAt"] = conv["updatedAt"] = m.doc["createdAt"]
    ctx.docs["Message"] = [m.doc for m in msgs] + [orphan]
    ctx.docs["MessageAttachment"] = attachments + [bad]
    ctx.docs["Mention"] = sorted(mentions + [ghost], key=lambda d: d["mentionedAt"])
    ctx.docs["MessageTranslation"] = sorted(translations, key=lambda d: d["createdAt"])
    ctx.docs["Reaction"] = sorted(reactions + [lost], key=lambda d: d["createdAt"])
    return msgs
