"""Browser tests of the sandbox web app: a real stack (translator, gateway, web) over a seeded database,
driven by Playwright on Debian's Chromium."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pymongo
import pytest
import requests
from bson import ObjectId
from playwright.sync_api import BrowserContext, Page, expect

from meeshy_checks.checklib.chromium import launch_args
from rehearsal.embedded_db import Server
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER, by_username
from sandbox import stack as stack_runner
from sandbox.fixture import write_fixture

HTTP_TIMEOUT = 10
# Each expectation polls until this deadline: generous, as CI shares two cores among many processes.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options plus ours (Debian's Chromium when Playwright's is absent)."""
    return {**launch_args(), **browser_type_launch_args}


@dataclass(frozen=True)
class WebStack:
    web_url: str
    gateway_url: str
    fixture: dict
    data: str = "prisma"

    @property
    def conversation_id(self) -> ObjectId:
        return self.fixture["conversations"][TEST_CONVERSATION_IDENTIFIER]

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        api = "/api" if self.data == "legacy" else "/api/v1"  # the old production has no /v1
        return requests.request(method, f"{self.gateway_url}{api}{path}", headers=headers,
                                timeout=HTTP_TIMEOUT, **kwargs)


# Every test runs over both shapes: the migrated data, and the legacy data of the rehearsal's old
# production, whose users go through the same pages.
@pytest.fixture(scope="session", params=["prisma", "legacy"])
def web_stack(request: pytest.FixtureRequest, mongo_server: Server,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    data = request.param
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")
    name = f"web-tests-{data}-{worker}"
    db_url = mongo_server.db_url(f"sandbox_web_{data}_{worker}")
    fixture = write_fixture(db_url, data)
    state_dir = tmp_path_factory.mktemp("stack")
    # The real behaviour (defects on), but no global limiter: every page shares 127.0.0.1.
    info = stack_runner.up(name, db_url, data=data, faults=(), state_dir=state_dir, global_rate="off")
    try:
        yield WebStack(info.web_url.rstrip("/"), info.gateway_url.rstrip("/"), fixture, data)
    finally:
        stack_runner.down(name, state_dir)
        with pymongo.MongoClient(mongo_server.url) as client:
            client.drop_database(db_url.rsplit("/", 1)[-1])


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # The page picks its interface language from the browser's: pin it (labels below are English).
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture
def visitor_page(new_context: Callable[..., BrowserContext], web_stack: WebStack) -> Page:
    """A page of a fresh browser context with no session, on the web app."""
    return new_context(base_url=web_stack.web_url).new_page()


@pytest.fixture(scope="session")
def login_tokens(web_stack: WebStack) -> Callable[[str], dict]:
    """Log in once per account over REST (the real login limit allows 5 per 15 min) and keep the answer."""
    answers: dict[str, dict] = {}

    def get(username: str) -> dict:
        if username not in answers:
            account = by_username(username)
            response = web_stack.api("POST", "/auth/login",
                                     json={"username": account.username, "password": account.password})
            assert response.status_code == 200, response.text
            answers[username] = response.json()["data"]
        return answers[username]

    return get


@pytest.fixture
def signed_in(new_context: Callable[..., BrowserContext], web_stack: WebStack,
              login_tokens: Callable[[str], dict]) -> Callable[[str], Page]:
    """A page of a fresh browser context whose localStorage holds the account's session, as after login."""

    def open_page(username: str) -> Page:
        data = login_tokens(username)
        state = {"state": {"user": data["user"], "authToken": data["token"], "refreshToken": None,
                           "sessionToken": data.get("sessionToken"), "sessionExpiry": None}, "version": 0}
        local_storage = [{"name": "meeshy-auth", "value": json.dumps(state)}]
        context = new_context(base_url=web_stack.web_url, storage_state={
            "cookies": [], "origins": [{"origin": web_stack.web_url, "localStorage": local_storage}]})
        return context.new_page()

    return open_page


@pytest.fixture
def conversation_page(signed_in: Callable[[str], Page], web_stack: WebStack) -> Callable[[str], Page]:
    """The test conversation open for an account, its socket authenticated and in the room."""

    def open_conversation(username: str) -> Page:
        page = signed_in(username)
        page.goto(f"/conversations/{TEST_CONVERSATION_IDENTIFIER}")
        page.locator("body[data-realtime=joined]").wait_for(timeout=10_000)
        return page

    return open_conversation
