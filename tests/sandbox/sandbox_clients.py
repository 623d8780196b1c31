"""Clients of the sandbox tests: HTTP with a token, and a Socket.IO peer that records every event."""

from __future__ import annotations

import queue
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import requests
import socketio

TIMEOUT = 5.0


class Api:
    """`requests` against one gateway, with one account's token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base, self.token = base, token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kw: Any) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers(), timeout=TIMEOUT, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return requests.post(self.base + path, headers=self.headers(), timeout=TIMEOUT, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return requests.put(self.base + path, headers=self.headers(), timeout=TIMEOUT, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return requests.delete(self.base + path, headers=self.headers(), timeout=TIMEOUT, **kw)


def login(base: str, username: str, password: str, api: str = "/api/v1") -> requests.Response:
    """The new version serves /api/v1, the old production /api."""
    return requests.post(f"{base}{api}/auth/login", json={"username": username, "password": password}, timeout=TIMEOUT)


class Peer:
    """A python-socketio client that queues every server event by name."""

    def __init__(self, base: str, token: str | None, how: str = "authToken", wait_auth: bool = True) -> None:
        self.events: dict[str, queue.Queue] = defaultdict(queue.Queue)
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.disconnected = False
        self.client.on("disconnect", self._on_disconnect)
        auth: dict[str, str] = {}
        headers: dict[str, str] = {}
        if how == "header":
            headers["Authorization"] = f"Bearer {token}"
        elif token is not None:
            auth = {how: token, "tokenType": "jwt"}
        self.client.connect(
            base,
            socketio_path="socket.io",
            auth=auth,
            headers=headers,
            transports=["websocket"],
            wait_timeout=TIMEOUT,
        )
        self.auth = self.wait("authenticated", 2 * TIMEOUT) if wait_auth else None

    def _record(self, event: str, data: Any = None) -> None:
        self.events[event].put(data)

    def _on_disconnect(self, *_: Any) -> None:
        self.disconnected = True

    def wait(self, event: str, timeout: float = TIMEOUT, where: Callable[[Any], bool] | None = None) -> Any:
        """The next `event` (matching `where`), or AssertionError at the deadline."""
        __tracebackhide__ = True
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event!r} event within {timeout}s")
            try:
                data = self.events[event].get(timeout=left)
            except queue.Empty:
                continue
            if where is None or where(data):
                return data

    def collect(self, event: str, within: float, where: Callable[[Any], bool] | None = None) -> list[Any]:
        """Every `event` (matching `where`) that arrives within `within` seconds."""
        got, end = [], time.monotonic() + within
        while (left := end - time.monotonic()) > 0:
            try:
                data = self.events[event].get(timeout=left)
            except queue.Empty:
                break
            if where is None or where(data):
                got.append(data)
        return got

    def call(self, event: str, data: Any, timeout: float = TIMEOUT) -> Any:
        return self.client.call(event, data, timeout=timeout)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()
