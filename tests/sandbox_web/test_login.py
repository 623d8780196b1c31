"""The login page (contract §8.1), the session in localStorage, the auth guard and logout."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import requests
from playwright.sync_api import Page, expect
from web_forms import submit_login

from rehearsal.seed_accounts import TEST_CONVERSATION_IDENTIFIER, by_username


def _login_posts(page: Page) -> list[str]:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith(
        "/auth/login") else None)
    return posts


def _stored_session(page: Page) -> dict | None:
    raw = page.evaluate("localStorage.getItem('meeshy-auth')")
    return json.loads(raw)["state"] if raw else None


def test_health_answers_like_the_real_web_app(web_stack) -> None:
    response = requests.get(f"{web_stack.web_url}/api/health", timeout=10)
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["service"]) == ("healthy", "meeshy-web")
    assert body["api_url"] == web_stack.gateway_url
    assert body["ws_url"] == "ws" + web_stack.gateway_url.removeprefix("http")


def test_early_submit_is_refused_then_login_lands_on_the_dashboard(visitor_page: Page, web_stack) -> None:
    page, account = visitor_page, by_username("maria_pt")
    posts = _login_posts(page)
    # The page's clock stands still from load, so "too early" does not depend on this machine's speed.
    start = datetime(2026, 1, 31, 12, 0, 0)
    page.clock.install(time=start)
    page.clock.pause_at(start + timedelta(seconds=1))
    page.goto("/login")
    page.fill("#login-form-username", account.username)
    page.fill("#login-form-password", account.password)
    page.click("button[type=submit]")
    expect(page.locator("#login-form [role=alert]")).to_have_text(re.compile(r"\S"))
    assert posts == [] and _stored_session(page) is None

    page.clock.run_for(1400)  # still inside the guard
    page.evaluate("document.querySelector('#login-form [role=alert]').remove()")
    page.click("button[type=submit]")
    expect(page.locator("#login-form [role=alert]")).to_have_text(re.compile(r"\S"))
    assert posts == []

    page.clock.run_for(200)
    page.clock.resume()
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    session = _stored_session(page)
    me = web_stack.api("GET", "/auth/me", session["authToken"]).json()
    assert me["data"]["user"]["username"] == account.username
    assert len(posts) == 1
    link = page.locator(f".conversation-list a[data-identifier='{TEST_CONVERSATION_IDENTIFIER}']")
    expect(link).to_be_visible()


def test_a_wrong_password_shows_the_gateway_error_and_stores_nothing(visitor_page: Page) -> None:
    page = visitor_page
    page.goto("/login")
    submit_login(page, by_username("bob_en"), password="not-the-password")
    expect(page.locator("#login-form [role=alert]")).to_have_text("Identifiants invalides")
    assert page.url.endswith("/login") and _stored_session(page) is None


def test_a_visitor_is_sent_to_login_and_back_after_it(visitor_page: Page) -> None:
    page = visitor_page
    page.goto(f"/conversations/{TEST_CONVERSATION_IDENTIFIER}")
    page.wait_for_url(re.compile(r"/login\?returnUrl=%2Fconversations%2F" + TEST_CONVERSATION_IDENTIFIER))
    submit_login(page, by_username("carlos_es"))
    page.wait_for_url(f"**/conversations/{TEST_CONVERSATION_IDENTIFIER}")
    expect(page.locator("body[data-realtime=joined]")).to_have_count(1)

    page.click("#logout-button")
    page.wait_for_url("**/login")
    assert _stored_session(page) is None
    page.goto("/dashboard")
    page.wait_for_url(re.compile(r"/login\?returnUrl=%2Fdashboard"))
