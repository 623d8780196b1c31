"""Writes through a gateway's REST API during the switch: the downtime probe and the smoke check.

Both log in with the account the operator names in the site settings (never a synthetic one) and
write into the conversation the operator names. The API prefix is the version's own: the old
production serves ``/api/...``, the new version ``/api/v1/...``; a probe that crosses the switch tries
the next prefix when a route answers 404.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import requests

from ops.config import Secret
from ops.errors import OpsError

TIMEOUT_S = 5.0
PROBE_TIMEOUT_S = 2.0
# 4 writes a second: the gateway limits each client address to 300 requests a minute and, behind the
# proxy, every user shares one address, so the probe stays well under the limit (the real users' share).
PROBE_INTERVAL_S = 0.25


@dataclass
class Writer:
    """One user's session on a gateway: logs in once (the gateway allows 5 logins per 15 minutes) and
    keeps its token; every write returns the created id or raises ``requests.HTTPError``."""

    gateway_url: str
    username: str
    password: Secret
    api: str = "/api/v1"
    token: str = field(default="", repr=False)
    timeout: float = TIMEOUT_S
    verify: bool | str = True  # TLS: True, a CA file, or False when the operator opted out

    def login(self) -> None:
        r = requests.post(f"{self.gateway_url}{self.api}/auth/login", timeout=self.timeout, verify=self.verify,
                          json={"username": self.username, "password": self.password.reveal()})
        r.raise_for_status()
        self.token = r.json()["data"]["token"]

    def call(self, method: str, path: str, **kwargs) -> dict | list:
        if not self.token:
            self.login()
        r = requests.request(method, f"{self.gateway_url}{self.api}{path}", timeout=self.timeout,
                             verify=self.verify, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        r.raise_for_status()
        return r.json().get("data") or {}

    def send(self, conversation: str, content: str, reply_to: str | None = None) -> str:
        body = {"content": content, "originalLanguage": "fr", **({"replyToId": reply_to} if reply_to else {})}
        return str(self.call("POST", f"/conversations/{conversation}/messages", json=body)["id"])

    def messages(self, conversation: str, limit: int = 20) -> list[dict]:
        data = self.call("GET", f"/conversations/{conversation}/messages", params={"limit": limit})
        return data if isinstance(data, list) else data.get("messages", [])


class Probe:
    """Writes a message every 0.25 s to the production address and records each attempt, so that the
    downtime is measured as users see it: from the first write refused to the first write accepted.
    An answer of the rate limiter (429) shows the app up and is neither: it is counted apart."""

    def __init__(self, writer: Writer, conversation: str, prefixes: tuple[str, ...]) -> None:
        self.writer, self.conversation, self.prefixes = writer, conversation, prefixes
        self.attempts: list[tuple[float, bool]] = []
        self.accepted: list[dict] = []
        self.throttled = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="switch-probe", daemon=True)

    def start(self) -> Probe:
        self.writer.timeout = PROBE_TIMEOUT_S
        try:  # before the freeze: a probe that cannot write at all must stop the switch
            self.writer.login()
            self.writer.send(self.conversation, f"switch probe start {uuid.uuid4().hex[:8]}")
        except (requests.RequestException, KeyError, ValueError) as exc:
            raise OpsError(f"refused: the probe account {self.writer.username!r} cannot write to conversation "
                           f"{self.conversation} on {self.writer.gateway_url}{self.writer.api} "
                           f"({type(exc).__name__}: {exc})") from None
        self._thread.start()
        return self

    def _attempt(self) -> bool | None:
        content = f"switch probe {uuid.uuid4().hex[:8]}"
        try:
            _id = self.writer.send(self.conversation, content)
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status == 429:
                self.throttled += 1
                return None
            if status == 401:
                self.writer.token = ""  # a new production with another secret: log in again
            elif status == 404:
                self._next_prefix()
            return False
        except (requests.RequestException, KeyError, ValueError):
            return False
        self.accepted.append({"op": "insert", "collection": "Message", "_id": _id, "kind": "probe",
                              "content": content})
        return True

    def _next_prefix(self) -> None:
        position = self.prefixes.index(self.writer.api) if self.writer.api in self.prefixes else -1
        self.writer.api = self.prefixes[(position + 1) % len(self.prefixes)]
        self.writer.token = ""

    def _run(self) -> None:
        while not self._stop.is_set():
            ok = self._attempt()
            if ok is not None:
                self.attempts.append((time.monotonic(), ok))
            self._stop.wait(PROBE_INTERVAL_S)

    def first_refused(self) -> float | None:
        return next((t for t, ok in self.attempts if not ok), None)

    def downtime(self) -> float | None:
        """Seconds from the first refused write to the first accepted one after it (None: not yet)."""
        refused = self.first_refused()
        if refused is None:
            return None
        accepted = next((t for t, ok in self.attempts if ok and t > refused), None)
        return None if accepted is None else accepted - refused

    def wait(self, condition, deadline_s: float) -> bool:
        """Poll ``condition`` until it holds (True) or the deadline passes (False)."""
        end = time.monotonic() + deadline_s
        while not condition():
            if time.monotonic() > end:
                return False
            time.sleep(0.05)  # poll interval
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(PROBE_TIMEOUT_S + 1)


def smoke(writer: Writer, conversation: str) -> None:
    """The production smoke check: log in, send a message, read it back in the conversation."""
    try:
        writer.login()
        content = f"[meeshy-ops smoke] {uuid.uuid4().hex[:8]}"
        _id = writer.send(conversation, content)
        served = any(str(m.get("id")) == _id for m in writer.messages(conversation))
    except (requests.RequestException, KeyError, ValueError, TypeError) as exc:
        raise OpsError(f"smoke check on {writer.gateway_url}{writer.api} failed: {type(exc).__name__}: {exc}") \
            from None
    if not served:
        raise OpsError(f"the smoke message {_id} is not served back by {writer.gateway_url}{writer.api}")
