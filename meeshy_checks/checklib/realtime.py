"""A python-socketio client of one account, that records what it receives and waits with deadlines."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio

from meeshy_checks.checklib.http import TlsSession

# Tests that hold a user's socket or web page take turns across xdist workers (a lock in the suites'
# conftest): a second socket of the same user would disconnect the first (api-contract §7.1). The
# load and the data checks join them, so as not to skew the latencies measured.
SOCKET_GROUP = pytest.mark.xdist_group("accounts")


class EventTimeout(AssertionError):
    """An expected event did not arrive before its deadline."""


class RealtimeClient:
    """One authenticated socket. ``wait_for("message:new", lambda p: p["id"] == mid, 5)``."""

    WATCHED = ("message:new", "message:translation", "conversation:joined", "error")

    def join(self, conversation_id: str, deadline_s: float) -> None:
        """Join a conversation's room as the real web app does: conversation:join takes no
        acknowledgement at d5983046 (a socket is in its rooms from authentication on), so the
        check waits for conversation:joined instead."""
        __tracebackhide__ = True
        since = time.monotonic()
        with self._connected("conversation:join"):
            self.sio.emit("conversation:join", {"conversationId": conversation_id})
        self.wait_for("conversation:joined", lambda p: True, deadline_s, since=since)

    def __init__(self, url: str, token: str, username: str, verify_tls: bool = True) -> None:
        self.url = url.rstrip("/")
        self.username = username
        self._token = token
        self._cond = threading.Condition()
        self.events: list[tuple[float, str, Any]] = []
        self.sio = socketio.Client(reconnection=False, ssl_verify=verify_tls, http_session=TlsSession(verify_tls))
        for name in (*self.WATCHED, "authenticated"):
            self.sio.on(name, self._recorder(name))
        self.sio.on("disconnect", self._recorder("disconnect"))  # its payload is the reason

    def _recorder(self, name: str) -> Callable[[Any], None]:
        def record(payload: Any = None) -> None:
            with self._cond:
                self.events.append((time.monotonic(), name, payload))
                self._cond.notify_all()

        return record

    def connect(self, deadline_s: float) -> None:
        __tracebackhide__ = True
        self.sio.connect(
            self.url,
            transports=["websocket"],
            socketio_path="socket.io",
            auth={"authToken": self._token, "tokenType": "jwt"},
            headers={"Authorization": f"Bearer {self._token}"},
            wait_timeout=deadline_s,
        )
        auth = self.wait_for("authenticated", lambda p: True, deadline_s)
        if not (isinstance(auth, dict) and auth.get("success")):
            raise AssertionError(f"socket of {self.username} was not authenticated: {auth}")

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()

    def call(self, event: str, data: Any, deadline_s: float) -> Any:
        """Emit with an acknowledgement; return the ack payload."""
        __tracebackhide__ = True
        try:
            with self._connected(event):
                return self.sio.call(event, data, timeout=deadline_s)
        except socketio.exceptions.TimeoutError:
            with self._cond:
                raise EventTimeout(
                    f"{event} from {self.username}: no acknowledgement within {deadline_s:.0f}s"
                    + self._disconnection()
                ) from None

    @contextlib.contextmanager
    def _connected(self, event: str) -> Iterator[None]:
        """An emit on a socket the server already closed says so, not BadNamespaceError."""
        __tracebackhide__ = True
        try:
            yield
        except socketio.exceptions.BadNamespaceError:
            with self._cond:
                raise AssertionError(f"{event} from {self.username}: not sent" + self._disconnection()) from None

    def wait_for(
        self, event: str, match: Callable[[Any], bool], deadline_s: float, since: float = 0.0
    ) -> Any:
        """The first ``event`` received after ``since`` (monotonic) whose payload matches."""
        __tracebackhide__ = True
        found = self.wait_all(event, match, 1, deadline_s, since)
        return found[0][1]

    def wait_all(
        self, event: str, match: Callable[[Any], bool], count: int, deadline_s: float, since: float = 0.0
    ) -> list[tuple[float, Any]]:
        """``count`` matching events (arrival time, payload), or EventTimeout naming what came."""
        __tracebackhide__ = True
        end = time.monotonic() + deadline_s
        with self._cond:
            while True:
                found = [
                    (t, p) for t, name, p in self.events if name == event and t >= since and _safe(match, p)
                ]
                if len(found) >= count:
                    return found[:count]
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise EventTimeout(
                        f"{self.username}: {len(found)}/{count} {event} within {deadline_s:.0f}s"
                        + self._disconnection()
                    )
                self._cond.wait(remaining)

    def _disconnection(self) -> str:
        """Why nothing more could come: the socket's end, when it ended (a second session of the
        account ends the first, api-contract §7.1)."""
        ends = [(t, reason) for t, name, reason in self.events if name == "disconnect"]
        if not ends:
            return ""
        t, reason = ends[-1]
        return f"; the socket was disconnected {time.monotonic() - t:.1f}s before ({reason})"


def _safe(match: Callable[[Any], bool], payload: Any) -> bool:
    try:
        return bool(match(payload))
    except (KeyError, TypeError, AttributeError):
        return False


def send_message(
    client: RealtimeClient, conversation_id: str, content: str, deadline_s: float, **extra: Any
) -> str:
    """Send by socket (REST sends are not broadcast, api-contract §3.3); return the acknowledged id."""
    __tracebackhide__ = True
    ack = client.call(
        "message:send",
        {
            "conversationId": conversation_id,
            "content": content,
            "originalLanguage": extra.pop("originalLanguage", "fr"),
            **extra,
        },
        deadline_s,
    )
    if not (isinstance(ack, dict) and ack.get("success") and (ack.get("data") or {}).get("messageId")):
        raise AssertionError(f"message:send from {client.username} was refused: {ack}")
    return ack["data"]["messageId"]
