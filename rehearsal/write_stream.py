"""The rehearsal's recorded stream of user writes through a gateway, and the check that every recorded
write reached the new production in the Prisma shape.

A record is ``{"op", "collection", "_id", "kind", ...expected values}``; ``op`` is ``insert`` or
``update`` (a message delete is a soft delete: the document stays, with ``isDeleted``). The suites'
production check reads the same records as JSON lines (CHECK_RECORDED_WRITES).
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from pathlib import Path

import requests
from bson import ObjectId

from ops.config import Secret
from ops.steps.probe import Writer
from rehearsal.seed_accounts import by_username

# A user's app waits for its write longer than the switch's probe does (5 s): on this 2-core machine
# the old production's stand-in answers slowly while the staging suite's load runs beside it, and a
# write that timed out is not recorded, though it may have landed.
USER_TIMEOUT_S = 30.0


class StreamWriter(Writer):
    """A seed account's session, with the writes a user makes besides sending."""

    def react(self, message_id: str, emoji: str) -> str:
        return str(self.call("POST", "/reactions", json={"messageId": message_id, "emoji": emoji})["id"])

    def edit(self, message_id: str, content: str) -> None:
        self.call("PUT", f"/messages/{message_id}", json={"content": content})

    def delete(self, message_id: str) -> None:
        self.call("DELETE", f"/messages/{message_id}")


def register(gateway_url: str, password: str, api: str) -> tuple[str, str]:
    """A new user through POST <api>/auth/register; returns (id, username)."""
    name = f"u{uuid.uuid4().hex[:10]}"
    r = requests.post(f"{gateway_url}{api}/auth/register", timeout=USER_TIMEOUT_S,
                      json={"username": name, "password": password, "firstName": "New", "lastName": "User",
                            "email": f"{name}@meeshy.local"})
    r.raise_for_status()
    return str(r.json()["data"]["user"]["id"]), name


EMOJIS = ("👍", "❤️", "😂")


class WriteStream:
    """A bounded, recorded stream of user writes through a gateway (messages, replies, reactions, edits,
    deletes, new users), run in a thread until ``stop`` or ``limit``; records go to ``path`` (JSON)."""

    def __init__(self, gateway_url: str, api: str, conversation: str, usernames: tuple[str, ...],
                 limit: int = 60, interval_s: float = 0.2, seed: int = 0) -> None:
        self.gateway_url, self.api, self.conversation = gateway_url, api, conversation
        self.writers = [StreamWriter(gateway_url, u, Secret(by_username(u).password), api, timeout=USER_TIMEOUT_S)
                        for u in usernames]
        self.limit, self.interval_s = limit, interval_s
        self.random = random.Random(seed)
        self.records: list[dict] = []
        self.errors: list[str] = []
        self._own: list[tuple[StreamWriter, str]] = []  # (author, message id) not yet deleted
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="write-stream", daemon=True)

    def start(self) -> WriteStream:
        for writer in self.writers:
            writer.login()
        self._thread.start()
        return self

    def _one(self, n: int) -> None:
        kind = ("message", "reply", "reaction", "edit", "message", "delete", "user")[n % 7]
        writer = self.random.choice(self.writers)
        if kind in ("reply", "reaction", "edit", "delete") and not self._own:
            kind = "message"
        if kind == "user":
            _id, name = register(self.gateway_url, f"Pw-{uuid.uuid4().hex}", self.api)
            self.records.append({"op": "insert", "collection": "User", "_id": _id, "kind": kind, "username": name})
            return
        if kind in ("message", "reply"):
            reply_to = self.random.choice(self._own)[1] if kind == "reply" else None
            content = f"[rehearsal write {n}] {kind} {uuid.uuid4().hex[:6]}"
            _id = writer.send(self.conversation, content, reply_to)
            self._own.append((writer, _id))
            self.records.append({"op": "insert", "collection": "Message", "_id": _id, "kind": kind,
                                 "content": content, **({"replyToId": reply_to} if reply_to else {})})
            return
        author, message = self.random.choice(self._own)
        if kind == "reaction":
            emoji = EMOJIS[n % len(EMOJIS)]
            _id = writer.react(message, emoji)
            self.records.append({"op": "insert", "collection": "Reaction", "_id": _id, "kind": kind,
                                 "messageId": message, "emoji": emoji})
        elif kind == "edit":
            content = f"[rehearsal write {n}] edited {uuid.uuid4().hex[:6]}"
            author.edit(message, content)
            self._supersede(message)
            self.records.append({"op": "update", "collection": "Message", "_id": message, "kind": kind,
                                 "content": content})
        else:
            author.delete(message)
            self._own.remove((author, message))
            self._supersede(message)
            self.records.append({"op": "update", "collection": "Message", "_id": message, "kind": kind,
                                 "isDeleted": True})

    def _supersede(self, message: str) -> None:
        """The latest write to a message is the one its final state must show."""
        for rec in self.records:
            if rec["collection"] == "Message" and rec["_id"] == message:
                rec["superseded"] = True

    def _run(self) -> None:
        for n in range(self.limit):
            if self._stop.is_set():
                return
            try:
                self._one(n)
            except (requests.RequestException, KeyError, ValueError) as exc:
                self.errors.append(f"write {n}: {type(exc).__name__}: {exc}"[:200])
            self._stop.wait(self.interval_s)

    def join(self, timeout_s: float = 60.0) -> None:
        """Wait until the stream has made its ``limit`` writes."""
        self._thread.join(timeout_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.records, indent=2))


def save_jsonl(records: list[dict], path: Path) -> None:
    """The records as the suites' production check reads them (CHECK_RECORDED_WRITES)."""
    path.write_text("".join(json.dumps({k: r[k] for k in ("op", "collection", "_id")}) + "\n" for r in records))


def missing_writes(records: list[dict], db, prisma: bool = True) -> list[str]:
    """Every record checked in the database (in the Prisma shape unless ``prisma`` is False, for an old
    production brought back); returns what is missing or wrong."""
    problems: list[str] = []
    for rec in records:
        doc = db[rec["collection"]].find_one({"_id": ObjectId(rec["_id"])})
        label = f"{rec['kind']} {rec['collection']} {rec['_id']}"
        if doc is None:
            problems.append(f"{label}: missing")
            continue
        if prisma:
            problems += [f"{label}: {p}" for p in _shape_problems(rec, doc, db)]
        elif not rec.get("superseded") and any(doc.get(k) != rec[k] for k in ("content", "isDeleted") if k in rec):
            problems.append(f"{label}: not its last written value")
    return problems


def _shape_problems(rec: dict, doc: dict, db) -> list[str]:
    out = []
    if rec["collection"] == "Message":
        if "reactionCount" not in doc:
            out.append("not in the Prisma shape (no reactionCount)")
        if not rec.get("superseded"):
            for key in ("content", "isDeleted"):
                if key in rec and doc.get(key) != rec[key]:
                    out.append(f"{key} is {doc.get(key)!r}, expected {rec[key]!r}")
        if rec.get("replyToId") and str(doc.get("replyToId")) != rec["replyToId"]:
            out.append("replyToId lost")
    elif rec["collection"] == "Reaction":
        if "anonymousUserId" in doc or doc.get("emoji") != rec["emoji"]:
            out.append("not the Prisma shape of the reaction written")
        message = db["Message"].find_one({"_id": ObjectId(rec["messageId"])}, {"reactionSummary": 1}) or {}
        if rec["emoji"] not in (message.get("reactionSummary") or {}):
            out.append("its message's reactionSummary does not count it")
    elif rec["collection"] == "User":
        if doc.get("username") != rec["username"] or "lastPasswordChange" not in doc:
            out.append("not the Prisma shape of the user registered")
    return out
