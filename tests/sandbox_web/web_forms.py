"""Filling the web app's forms as a user does (helpers of the sandbox_web tests)."""

from __future__ import annotations

from playwright.sync_api import Page

from rehearsal.seed_accounts import SeedAccount

# The form refuses submits for 1.5 s after it mounts, and it mounts by the load event at the latest.
# Counting from load (not from navigation start) holds on a busy machine too.
GUARD_PASSED = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return nav !== undefined && nav.loadEventEnd > 0 && performance.now() > nav.loadEventEnd + 1600;
}"""


def submit_login(page: Page, account: SeedAccount, password: str | None = None) -> None:
    """Fill the login form already on screen, wait out the guard, and submit."""
    page.fill("#login-form-username", account.username)
    page.fill("#login-form-password", account.password if password is None else password)
    page.wait_for_function(GUARD_PASSED)
    page.click("button[type=submit]")
