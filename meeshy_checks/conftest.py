"""Fixtures of the verification suites, from the widest scope down.

The suites read only the target (plugin.py, ``CHECK_*`` keys). A check whose key is absent
is skipped with a reason naming the key. Each account logs in once per run (the gateway allows
5 logins per 15 minutes): tokens are shared between xdist workers through a private file.
Every test that writes tags what it writes with ``[meeshy-ops-check <run-id>]`` and removes it
when it ends.
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import allure
import pytest

from meeshy_checks.checklib import defects
from meeshy_checks.checklib.chromium import launch_args
from meeshy_checks.checklib.http import Api
from meeshy_checks.checklib.realtime import RealtimeClient
from meeshy_checks.plugin import target_of
from ops.config import Account, Target

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The load checks last: they spend the rate limiter's budget every other check shares."""
    items.sort(key=lambda item: item.get_closest_marker("load") is not None)


# --- target keys ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    return target_of(pytestconfig)


@pytest.fixture(scope="session")
def need(target: Target) -> Callable[..., None]:
    """``need("CHECK_X", ...)`` skips the test, naming every absent key."""

    def check(*keys: str) -> None:
        missing = target.missing(*keys)
        if missing:
            pytest.skip(f"target key {', '.join(missing)} not set ({target.source})")

    return check


@pytest.fixture(scope="session")
def http_timeout(target: Target) -> float:
    return target.get_float("CHECK_HTTP_TIMEOUT_S")


@pytest.fixture(scope="session")
def verify_tls(target: Target) -> bool:
    return target.get("CHECK_VERIFY_TLS").lower() not in ("0", "false", "no")


@pytest.fixture(scope="session")
def event_deadline(target: Target) -> float:
    return target.get_float("CHECK_EVENT_DEADLINE_S")


@pytest.fixture(scope="session")
def gateway(target: Target, need, http_timeout: float, verify_tls: bool) -> Api:
    need("CHECK_GATEWAY_URL")
    return Api(target.get("CHECK_GATEWAY_URL"), http_timeout, verify_tls)


@pytest.fixture(scope="session")
def accounts(target: Target) -> list[Account]:
    return target.accounts


@pytest.fixture(scope="session")
def two_accounts(accounts: list[Account], need) -> list[Account]:
    need(
        "CHECK_ACCOUNT_1_USERNAME",
        "CHECK_ACCOUNT_1_PASSWORD",
        "CHECK_ACCOUNT_2_USERNAME",
        "CHECK_ACCOUNT_2_PASSWORD",
    )
    return accounts[:2]


# --- one login per account per run --------------------------------------------------------------
@pytest.fixture(scope="session")
def token_cache(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base  # xdist workers share the parent
    return shared / "meeshy-ops-tokens.json"


@pytest.fixture(autouse=True)
def one_user_session_at_a_time(request: pytest.FixtureRequest, token_cache: Path) -> Iterator[None]:
    """Tests of the sockets' group (checklib.realtime.SOCKET_GROUP) take turns across xdist workers.

    A file lock rather than `--dist loadgroup`, whose grouping this pytest/xdist pair ignores.
    """
    if request.node.get_closest_marker("xdist_group") is None:
        yield
        return
    with (token_cache.parent / "meeshy-ops-accounts.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def token_for(gateway: Api, token_cache: Path) -> Callable[[Account], str]:
    """The JWT of an account, logging in at most once per run across workers."""

    def get(account: Account) -> str:
        token_cache.touch(mode=0o600)
        with token_cache.open("r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            text = handle.read()
            tokens = json.loads(text) if text else {}
            if account.username not in tokens:
                tokens[account.username] = gateway.login(account)
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(tokens))
            return tokens[account.username]

    return get


@pytest.fixture(scope="session")
def api_of(gateway: Api, token_for) -> Callable[[Account], Api]:
    return lambda account: gateway.with_token(token_for(account))


@pytest.fixture(scope="session")
def sender(api_of, two_accounts: list[Account]) -> Api:
    return api_of(two_accounts[0])


@pytest.fixture(scope="session")
def receiver(api_of, two_accounts: list[Account]) -> Api:
    return api_of(two_accounts[1])


# --- the dedicated conversation and community ------------------------------------------------
@pytest.fixture(scope="session")
def conversation_id(target: Target, need, sender: Api) -> str:
    """The ObjectId of CHECK_TEST_CONVERSATION (given as an id or an identifier)."""
    need("CHECK_TEST_CONVERSATION")
    ref = target.get("CHECK_TEST_CONVERSATION")
    if OBJECT_ID.match(ref):
        return ref
    offset = 0
    while True:
        page = sender.request("GET", f"/api/v1/conversations?limit=50&offset={offset}", expect=200).json()
        for conversation in page.get("data") or []:
            if conversation.get("identifier") == ref:
                return conversation["id"]
        if not (page.get("pagination") or {}).get("hasMore"):
            raise AssertionError(
                f"test conversation {ref} is not among the first test account's conversations"
            )
        offset += 50


# --- writes: tagged, removed after each test ---------------------------------------------------
@pytest.fixture(scope="session")
def run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


@pytest.fixture(scope="session")
def tag(run_id: str) -> Callable[[str], str]:
    return lambda text: f"{text} [meeshy-ops-check {run_id}]"


class Writes:
    """What a test wrote, removed in reverse order when it ends (messages are soft-deleted).

    Only ObjectIds are accepted, and a message or attachment delete must succeed: a 404 means the
    test registered something that is not what it wrote (e.g. the id of a page element), and its
    write is still there.
    """

    def __init__(self) -> None:
        self._undo: list[tuple[str, Api, str]] = []

    def _add(self, kind: str, api: Api, object_id: str, path: str) -> None:
        __tracebackhide__ = True
        assert OBJECT_ID.match(str(object_id)), f"{kind} to remove has no ObjectId: {object_id!r}"
        self._undo.append((kind, api, path))

    def message(self, api: Api, message_id: str) -> None:
        self._add("message", api, message_id, f"/api/v1/messages/{message_id}")

    def attachment(self, api: Api, attachment_id: str) -> None:
        self._add("attachment", api, attachment_id, f"/api/v1/attachments/{attachment_id}")

    def reaction(self, api: Api, message_id: str, emoji: str) -> None:
        from urllib.parse import quote

        # 404: the reaction is gone already (its message was deleted with it): nothing is left.
        self._add("reaction", api, message_id, f"/api/v1/reactions/{message_id}/{quote(emoji)}")

    def undo(self) -> list[str]:
        failures = []
        for kind, api, path in reversed(self._undo):
            try:
                response = api.delete(path)
                allowed = (200, 204, 404) if kind == "reaction" else (200, 204)
                if response.status_code not in allowed:
                    failures.append(f"{kind} {path}: {response.status_code}")
            except Exception as exc:  # noqa: BLE001 - every cleanup is attempted, failures reported together
                failures.append(f"{kind} {path}: {type(exc).__name__}")
        self._undo.clear()
        return failures


@pytest.fixture
def writes() -> Iterator[Writes]:
    registry = Writes()
    yield registry
    failures = registry.undo()
    if failures:
        pytest.fail("cleanup left traces in the test conversation: " + "; ".join(failures))


# --- known defects ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def listed_defects() -> dict[str, defects.KnownDefect]:
    return defects.load()


@pytest.fixture
def known_defects(request: pytest.FixtureRequest, target: Target, listed_defects) -> Iterator[defects.Meeting]:
    """``known_defects.meet(id, seen)`` then ``known_defects.conclude()`` (see checklib/defects.py)."""
    meeting = defects.Meeting(target.get("CHECK_APP_VERSION"), listed_defects)
    yield meeting
    call = getattr(request.node, "rep_call", None)
    if meeting.met and not meeting.concluded and call is not None and call.passed:
        pytest.fail("a check met known defects but never concluded: " + ", ".join(d.id for d, _ in meeting.met))


# --- sockets ------------------------------------------------------------------------------------
@pytest.fixture
def connect_socket(
    target: Target, token_for, verify_tls: bool, event_deadline: float
) -> Iterator[Callable[[Account], RealtimeClient]]:
    """A factory of authenticated sockets, one per account, all closed at the end of the test."""
    opened: list[RealtimeClient] = []

    def connect(account: Account) -> RealtimeClient:
        client = RealtimeClient(
            target.get("CHECK_GATEWAY_URL"), token_for(account), account.username, verify_tls
        )
        opened.append(client)
        client.connect(event_deadline)
        return client

    yield connect
    for client in opened:
        client.close()


# --- browser ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium when Playwright's own build is absent (see checklib/chromium.py)."""
    return {**browser_type_launch_args, **launch_args()}


@pytest.fixture
def open_page(browser, request: pytest.FixtureRequest, target: Target, tmp_path: Path):
    """A factory of pages, one browser context each, traced; screenshot and trace attached on failure."""
    contexts = []

    def open_() -> object:
        context = browser.new_context(
            base_url=target.get("CHECK_FRONTEND_URL"),
            ignore_https_errors=target.get("CHECK_VERIFY_TLS") == "false",
        )
        context.set_default_timeout(target.get_float("CHECK_EVENT_DEADLINE_S") * 1000)
        context.tracing.start(screenshots=True, snapshots=True)
        contexts.append(context)
        return context.new_page()

    yield open_
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for n, context in enumerate(contexts):
        if failed:
            for m, page in enumerate(context.pages):
                allure.attach(
                    page.screenshot(full_page=True), f"screenshot page {n}.{m}", allure.attachment_type.PNG
                )
            trace = tmp_path / f"trace-{n}.zip"
            context.tracing.stop(path=str(trace))
            allure.attach.file(str(trace), f"playwright trace {n}", extension="zip")
        else:
            context.tracing.stop()
        context.close()
