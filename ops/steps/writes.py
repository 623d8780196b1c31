"""Writes through a gateway's REST API: the switch's downtime probe and the rehearsal's recorded stream."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import pymongo
import requests

from ops.backup import db_name_of
from ops.seed_accounts import TEST_CONVERSATION_IDENTIFIER, by_username

TIMEOUT_S = 5.0


def conversation_id(database_url: str, identifier: str = TEST_CONVERSATION_IDENTIFIER) -> str:
    with pymongo.MongoClient(database_url, serverSelectionTimeoutMS=10_000) as client:
        doc = client[db_name_of(database_url)]["Conversation"].find_one(
            {"identifier": identifier}, {"_id": 1}
        )
    if doc is None:
        raise LookupError(f"conversation {identifier!r} not found")
    return str(doc["_id"])


@dataclass
class Writer:
    """One user's session on a gateway; every write returns the created id or raises."""

    gateway_url: str
    username: str = "alice_fr"
    token: str = field(default="", repr=False)

    def login(self) -> None:
        account = by_username(self.username)
        r = requests.post(
            f"{self.gateway_url}/api/v1/auth/login",
            timeout=TIMEOUT_S,
            json={"username": account.username, "password": account.password},
        )
        r.raise_for_status()
        self.token = r.json()["data"]["token"]

    def _call(self, method: str, path: str, **kwargs) -> dict:
        if not self.token:
            self.login()
        r = requests.request(
            method,
            f"{self.gateway_url}/api/v1{path}",
            timeout=TIMEOUT_S,
            headers={"Authorization": f"Bearer {self.token}"},
            **kwargs,
        )
        r.raise_for_status()
        return r.json().get("data") or {}

    def send(self, conversation: str, content: str, reply_to: str | None = None) -> str:
        body = {"content": content, "originalLanguage": "fr", **({"replyToId": reply_to} if reply_to else {})}
        return str(self._call("POST", f"/conversations/{conversation}/messages", json=body)["id"])

    def react(self, message_id: str, emoji: str) -> str:
        return str(
            self._call("POST", "/reactions", json={"messageId": message_id, "emoji": emoji}).get("id", "")
        )

    def edit(self, message_id: str, content: str) -> None:
        self._call("PUT", f"/messages/{message_id}", json={"content": content})

    def delete(self, message_id: str) -> None:
        self._call("DELETE", f"/messages/{message_id}")


def register(gateway_url: str, password: str) -> tuple[str, str]:
    """A new user; returns (id, username)."""
    name = f"u{uuid.uuid4().hex[:10]}"
    r = requests.post(
        f"{gateway_url}/api/v1/auth/register",
        timeout=TIMEOUT_S,
        json={
            "username": name,
            "password": password,
            "firstName": "New",
            "lastName": "User",
            "email": f"{name}@meeshy.local",
        },
    )
    r.raise_for_status()
    return str(r.json()["data"]["user"]["id"]), name


def try_write(gateway_url: str, conversation: str) -> bool:
    """One probe write; True when accepted, False when refused or unanswered."""
    try:
        Writer(gateway_url).send(conversation, f"switch probe {uuid.uuid4().hex[:8]}")
        return True
    except (requests.RequestException, KeyError, ValueError):
        return False


def wait_for_accepted_write(gateway_url: str, conversation: str, deadline_s: float) -> float:
    """Poll until a write is accepted; return the monotonic time it was; raise at the deadline."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if try_write(gateway_url, conversation):
            return time.monotonic()
        time.sleep(0.1)  # poll interval
    raise TimeoutError(f"no write accepted by {gateway_url} within {deadline_s:.0f}s")
