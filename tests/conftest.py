"""Fixtures of the project's own tests: one database server per session (per xdist worker).

``MEESHY_TEST_MONGODB_URL`` points the tests at a real MongoDB; otherwise the embedded ladder
starts the most faithful server this machine offers (FerretDB here).
"""

from __future__ import annotations

import itertools
import os

import pymongo
import pytest

from rehearsal.embedded_db import Server, start_server

_counter = itertools.count()


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    server = start_server(tmp_path_factory.mktemp("mongo"), env_var="MEESHY_TEST_MONGODB_URL")
    yield server
    server.stop()


@pytest.fixture
def db_url(mongo_server: Server, request: pytest.FixtureRequest):
    """A factory of URLs of fresh, uniquely named databases, dropped after the test."""
    created: list[str] = []
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")

    def make(label: str = "db") -> str:
        name = f"t_{worker}_{label}_{next(_counter)}"[:60]
        created.append(name)
        return mongo_server.db_url(name)

    yield make
    with pymongo.MongoClient(mongo_server.url) as client:
        for name in created:
            client.drop_database(name)
