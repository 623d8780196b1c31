"""Stacks over the sandbox's own fixture data (both shapes), tokens, and Socket.IO peers."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest
from sandbox_clients import Api, Peer, login

from rehearsal.seed_accounts import SEED_ACCOUNTS
from sandbox import stack
from sandbox.fixture import write_fixture

PASSWORDS = {a.username: a.password for a in SEED_ACCOUNTS}
_names = itertools.count()


class Sandbox:
    """A running stack plus the ids of its fixture data."""

    def __init__(self, info: stack.StackInfo, ids: dict, db_url: str) -> None:
        self.info, self.ids, self.db_url = info, ids, db_url
        self.url = info.gateway_url
        self.prefix = "/api" if info.data == "legacy" else "/api/v1"  # the old production has no /v1
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            r = login(self.url, username, PASSWORDS[username], api=self.prefix)
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["data"]["token"]
        return self._tokens[username]

    def api(self, username: str | None = None) -> Api:
        return Api(self.url, self.token(username) if username else None)

    def db(self):
        return pymongo.MongoClient(self.db_url, serverSelectionTimeoutMS=5000).get_default_database()


@pytest.fixture(scope="session")
def sandbox_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox-state")


@pytest.fixture(scope="session")
def make_sandbox(mongo_server, sandbox_state: Path):
    """Factory: a stack over a fresh fixture database; every stack is stopped at the end."""
    started: list[str] = []
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")

    def make(
        data: str = "prisma",
        faults: tuple[str, ...] = (),
        login_rate: str = "1000/60",
        with_web: bool = False,
        **kw,  # more stack.up options
    ) -> Sandbox:
        kw.setdefault("translator_load_ms", 50)
        # These tests describe the app with its defects fixed and without the global limiter (all
        # their requests come from one address); test_defects.py shows the real behaviour.
        kw.setdefault("defects_off", ("all",))
        kw.setdefault("global_rate", "off")
        n = next(_names)
        db_url = mongo_server.db_url(f"sbx_{worker}_{data}_{n}")
        ids = write_fixture(db_url, data)
        name = f"t{worker}-{n}"
        info = stack.up(
            name,
            db_url,
            data=data,
            faults=faults,
            state_dir=sandbox_state,
            login_rate=login_rate,
            with_web=with_web,
            **kw,
        )
        started.append(name)
        return Sandbox(info, ids, db_url)

    yield make
    for name in started:
        stack.down(name, sandbox_state)


@pytest.fixture
def fresh_sandbox(make_sandbox, sandbox_state: Path):
    """Like make_sandbox, but the stacks stop when the test ends (keeps the machine quiet)."""
    made: list[Sandbox] = []

    def make(*args, **kw) -> Sandbox:
        made.append(make_sandbox(*args, **kw))
        return made[-1]

    yield make
    for sandbox in made:
        stack.down(sandbox.info.name, sandbox_state)


@pytest.fixture(scope="session")
def prisma(make_sandbox) -> Sandbox:
    return make_sandbox("prisma")


@pytest.fixture(scope="session")
def real(make_sandbox) -> Sandbox:
    """The new version with its defects on (the global limiter aside: these tests share one address)."""
    return make_sandbox("prisma", defects_off=())


@pytest.fixture
def peers(prisma: Sandbox) -> Iterator:
    """Factory of Socket.IO peers on the prisma stack, one per account; all closed after the test."""
    opened: list[Peer] = []

    def connect(username: str, sandbox: Sandbox = prisma, how: str = "authToken") -> Peer:
        peer = Peer(sandbox.url, sandbox.token(username), how)
        opened.append(peer)
        return peer

    yield connect
    for peer in opened:
        peer.close()
