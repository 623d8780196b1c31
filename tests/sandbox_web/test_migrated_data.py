"""The pages over data made by the real chain: `legacy-data` (a small scale) migrated by the engine.

A seed account logs in through the form with its documented password (a bcrypt hash written by the
generator and carried by the migration), opens the suites' test conversation, and posts in it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pymongo
import pytest
from playwright.sync_api import expect
from web_forms import submit_login

from ops.migration.engine import migrate
from rehearsal.embedded_db import Server
from rehearsal.legacy_data import generate
from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER, by_username
from sandbox import stack as stack_runner


@pytest.fixture(scope="module")
def migrated_web_url(mongo_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    legacy_url, prisma_url = mongo_server.db_url("web_chain_legacy"), mongo_server.db_url("web_chain_prisma")
    with pymongo.MongoClient(mongo_server.url) as client:
        generate(client["web_chain_legacy"], scale=0.01, seed=7)
    migrate(legacy_url, prisma_url, report_path=tmp_path_factory.mktemp("report") / "migration.json")
    state_dir = tmp_path_factory.mktemp("stack")
    info = stack_runner.up("web-tests-migrated", prisma_url, data="prisma", state_dir=state_dir)
    try:
        yield info.web_url.rstrip("/")
    finally:
        stack_runner.down("web-tests-migrated", state_dir)
        with pymongo.MongoClient(mongo_server.url) as client:
            client.drop_database("web_chain_legacy")
            client.drop_database("web_chain_prisma")


def test_a_seed_account_logs_in_and_posts_over_migrated_data(new_context, migrated_web_url: str) -> None:
    page = new_context(base_url=migrated_web_url).new_page()
    page.goto("/login")
    submit_login(page, by_username("alice_fr"))
    page.wait_for_url("**/dashboard")
    page.click(f".conversation-list a[data-identifier='{TEST_CONVERSATION_IDENTIFIER}']")
    expect(page.locator("body[data-realtime=joined]")).to_have_count(1)
    expect(page.locator(".message-bubble").first).to_be_visible()  # the generated history

    text = "posted over migrated data"
    page.fill("textarea.expandable-textarea", text)
    page.click("button[aria-label='Envoyer le message']")
    expect(page.locator(".message-bubble", has_text=text)).to_have_count(1)
