"""Filling the web app's forms as a user does (helpers of the sandbox_web tests)."""

from __future__ import annotations

from playwright.sync_api import Page

from rehearsal.seed_accounts import SeedAccount

# The form refuses submits for 1.5 s after it mounts. It mounts after a fetch that a busy machine can
# finish well after the load event, and before the fields can be filled: counting from the fill holds.
GUARD_MS = 1600


def submit_login(page: Page, account: SeedAccount, password: str | None = None) -> None:
    """Fill the login form already on screen, wait out the guard, and submit."""
    page.fill("#login-form-username", account.username)
    page.fill("#login-form-password", account.password if password is None else password)
    filled_at = page.evaluate("performance.now()")
    page.wait_for_function(f"() => performance.now() > {filled_at} + {GUARD_MS}")
    page.click("button[type=submit]")
