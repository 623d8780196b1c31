"""The gateway's REST API as the suites use it: every call has a timeout, no call logs a secret."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests

from ops.config import Account

USER_AGENT = "meeshy-ops-check"
# The gateway's global limiter (300 per minute per client address, one bucket behind the proxy)
# answers 429 with Retry-After up to its window; a check waits that out once rather than fail for a
# neighbour's load. The login limiter's 429 (error RATE_LIMIT_EXCEEDED, 15 min) is never waited out.
GLOBAL_WINDOW_S = 61.0


class TlsSession(requests.Session):
    """A session whose ``verify`` holds: requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (set on many
    operators' machines, and on this one) replace a session's ``verify=False`` by that bundle."""

    def __init__(self, verify: bool | str = True) -> None:
        super().__init__()
        self.verify = verify
        self.headers["User-Agent"] = USER_AGENT

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None:  # not set on the request: the session's choice, not the environment's
            settings["verify"] = self.verify
        return settings


class ApiFailure(AssertionError):
    """A REST call answered something other than expected; the message has the route and the body."""


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class Api:
    base_url: str
    timeout_s: float
    verify_tls: bool = True
    token: str | None = field(default=None, repr=False)  # a JWT: never in a failure's repr

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session = TlsSession(self.verify_tls)

    def with_token(self, token: str) -> Api:
        return Api(self.base_url, self.timeout_s, self.verify_tls, token)

    def request(
        self, method: str, path: str, *, expect: int | tuple[int, ...] | None = None, **kwargs: Any
    ) -> requests.Response:
        __tracebackhide__ = True
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        timeout = kwargs.pop("timeout", self.timeout_s)
        response = self.session.request(method, url, headers=headers, timeout=timeout, **kwargs)
        wait = throttled_for(response)
        if wait is not None and wait <= GLOBAL_WINDOW_S:
            time.sleep(wait)
            response = self.session.request(method, url, headers=headers, timeout=timeout, **kwargs)
        if expect is not None:
            allowed = (expect,) if isinstance(expect, int) else expect
            if response.status_code not in allowed:
                raise ApiFailure(
                    f"{method} {path} answered {response.status_code}, expected "
                    f"{' or '.join(map(str, allowed))}: {_short(response.text)}"
                )
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def data(self, method: str, path: str, expect: int | tuple[int, ...] = 200, **kwargs: Any) -> Any:
        """The ``data`` of a ``{success:true, data}`` answer."""
        __tracebackhide__ = True
        body = self.request(method, path, expect=expect, **kwargs).json()
        if not body.get("success"):
            raise ApiFailure(f"{method} {path}: success is not true: {_short(str(body))}")
        return body.get("data")

    def login(self, account: Account) -> str:
        """The JWT of ``account``. The password is sent in the body only and never echoed."""
        __tracebackhide__ = True
        response = self.post(
            "/api/v1/auth/login", json={"username": account.username, "password": account.password.reveal()}
        )
        if response.status_code != 200:
            raise ApiFailure(
                f"login of {account.username} answered {response.status_code}: {_short(response.text)}"
            )
        data = response.json().get("data") or {}
        if not data.get("token"):
            raise ApiFailure(f"login of {account.username} returned no token")
        return data["token"]


def throttled_for(response: requests.Response) -> float | None:
    """Seconds the global limiter asks to wait, when this answer is its 429; else None."""
    if response.status_code != 429:
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and body.get("error") == "RATE_LIMIT_EXCEEDED":
        return None  # the login limiter
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def poll(fetch, accept, deadline_s: float, interval_s: float = 0.5):
    """Call ``fetch()`` until ``accept(value)`` is true; return the value, or the last one at the deadline.

    Exceptions of ``fetch`` count as a not-yet (the last one is re-raised at the deadline).
    """
    end = time.monotonic() + deadline_s
    last_exc: Exception | None = None
    value = None
    while True:
        try:
            value = fetch()
            last_exc = None
            if accept(value):
                return value
        except (requests.RequestException, ApiFailure, ValueError) as exc:
            last_exc = exc
        if time.monotonic() >= end:
            if last_exc is not None:
                raise last_exc
            return value
        time.sleep(interval_s)
