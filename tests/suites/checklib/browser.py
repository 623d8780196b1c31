"""The web app as a user sees it: log in through the real form (selectors of api-contract §8)."""

from __future__ import annotations

from ops.config import Account

LOGIN_GUARD_MS = 1500  # the form refuses a submit earlier than this after mount (bot protection)


def login(page, account: Account, deadline_s: float) -> None:
    __tracebackhide__ = True
    page.goto("/login")
    page.fill("#login-form-username", account.username)
    page.fill("#login-form-password", account.password.reveal())
    # Wait on the page's own clock for the guard to pass: a condition, not a fixed sleep.
    page.wait_for_function(f"performance.now() > {LOGIN_GUARD_MS + 200}", timeout=deadline_s * 1000)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url, timeout=deadline_s * 1000)


def logged_in_username(page) -> str | None:
    """The username the web app keeps in localStorage `meeshy-auth` (zustand persist or flat)."""
    return page.evaluate("""() => {
        const raw = localStorage.getItem('meeshy-auth');
        if (!raw) return null;
        const value = JSON.parse(raw);
        const state = value.state ?? value;
        return state.user?.username ?? null;
    }""")
