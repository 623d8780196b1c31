"""The web app as a user sees it: log in through the real form (selectors of api-contract §8)."""

from __future__ import annotations

import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ops.config import Account

LOGIN_GUARD_MS = 1500  # the form refuses a submit earlier than this after mount (bot protection)
LEFT_LOGIN_OR_ALERT = ("() => !location.pathname.startsWith('/login') "
                       "|| !!document.querySelector('#login-form [role=alert]')")


def login(page, account: Account, deadline_s: float) -> None:
    """Fill the form and submit until it leaves /login: the form refuses submits in its first 1.5 s
    after its script starts, which a loaded machine can delay well past page load."""
    __tracebackhide__ = True
    page.goto("/login")
    # /login is rendered on the client (the server sends a spinner): wait for the form to mount.
    page.wait_for_selector("#login-form-username", timeout=deadline_s * 1000)
    page.fill("#login-form-username", account.username)
    page.fill("#login-form-password", account.password.reveal())
    page.wait_for_function(f"performance.now() > {LOGIN_GUARD_MS}", timeout=deadline_s * 1000)
    posted: list[str] = []  # login requests sent: each counts against the login limit (5 per 15 minutes)
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" and "/auth/login" in r.url else None)
    end = time.monotonic() + deadline_s
    while True:
        # One submit, then wait for the page to leave /login or to show an error: a slow login is
        # waited for, never submitted again.
        page.click("button[type=submit]")
        try:
            page.wait_for_function(LEFT_LOGIN_OR_ALERT, timeout=max(end - time.monotonic(), 1) * 1000)
        except PlaywrightTimeout:
            pass
        if "/login" not in page.url:
            return
        if posted or time.monotonic() > end:
            # The real form shows its error as div[role=alert], without id (login-form.tsx:210-214).
            alert = page.locator("form:has(#login-form-username) [role=alert]")
            error = (alert.first.text_content() if alert.count() else None) or "no error shown"
            raise AssertionError(f"the login form of {account.username} stayed on /login: {error}") from None
        time.sleep(0.5)  # the bot guard refused the submit (an alert, no request sent): submit again


def logged_in_username(page) -> str | None:
    """The username the web app keeps in localStorage `meeshy-auth` (zustand persist or flat)."""
    return page.evaluate("""() => {
        const raw = localStorage.getItem('meeshy-auth');
        if (!raw) return null;
        const value = JSON.parse(raw);
        const state = value.state ?? value;
        return state.user?.username ?? null;
    }""")
