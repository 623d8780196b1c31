"""The web app as a user sees it: log in through the real form (selectors of api-contract §8)."""

from __future__ import annotations

import fcntl
import re
import time
from pathlib import Path

import allure
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ops.config import Account

LOGIN_GUARD_MS = 1500  # the form refuses a submit earlier than this after mount (bot protection)
LEFT_LOGIN_OR_ALERT = (
    "() => !location.pathname.startsWith('/login') || !!document.querySelector('#login-form [role=alert]')"
)


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


# --- the runbook's manual checklist in the browser (meeshy_checks/test_browser_checklist.py) ---------
# Selectors are the deployed version's (d5983046, apps/web): see sandbox/web/README.md for file:line.
COMPOSER = "textarea.expandable-textarea"  # message-composer.tsx:417-436, no aria-label
FILE_INPUT = "input[type=file][aria-label^='Sélectionner des fichiers']"  # message-composer.tsx:535-544
BUBBLE_ID = re.compile(r"^message-([0-9a-f]{24})$")  # only bubbles carry it (BubbleMessageNormalView.tsx:160)
# Interface labels in English or French (locales/{en,fr}/bubbleStream.json), as the browser's language says.
REPLY = re.compile(r"^(Reply to message|Répondre au message)$")
ADD_REACTION = re.compile(r"^(Add reaction|Ajouter une réaction)$")
SELECT_LANGUAGE = re.compile(r"^(Select language|Sélectionner la langue)$")
QUICK_REACTIONS = re.compile(r"^(Quick reactions|Réactions rapides)$")


class BrowserSessions:
    """One login through the form per account per run, shared by the xdist workers: the browser's
    storage (localStorage `meeshy-auth`) is kept in a private file beside the suites' token cache, and
    every later page of that account starts from it. The login limit (5 per 15 minutes per username
    prefix) is spent once here, whatever the number of browser checks."""

    def __init__(self, browser, base_url: str, ignore_https_errors: bool, directory: Path, deadline_s: float):
        self.browser, self.base_url, self.ignore_https_errors = browser, base_url, ignore_https_errors
        self.directory, self.deadline_s = directory, deadline_s

    def context_options(self) -> dict:
        return {"base_url": self.base_url, "ignore_https_errors": self.ignore_https_errors}

    def storage_state(self, account: Account) -> str:
        path = self.directory / f"meeshy-ops-browser-{account.username}.json"
        with (self.directory / "meeshy-ops-browser.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                context = self.browser.new_context(**self.context_options())
                try:
                    page = context.new_page()
                    login(page, account, self.deadline_s)
                    path.touch(mode=0o600)
                    context.storage_state(path=str(path))
                finally:
                    context.close()
        return str(path)


class SignedInPages:
    """Pages signed in as accounts, one context each, traced. ``close(failed)`` keeps the final state of
    every page as a screenshot in the Allure report, and on failure each context's trace as well."""

    def __init__(self, sessions: BrowserSessions, deadline_s: float, trace_dir: Path) -> None:
        self.sessions, self.deadline_s, self.trace_dir = sessions, deadline_s, trace_dir
        self.contexts: list[tuple[Account, object]] = []

    def open(self, account: Account):
        context = self.sessions.browser.new_context(
            **self.sessions.context_options(), storage_state=self.sessions.storage_state(account)
        )
        context.set_default_timeout(self.deadline_s * 1000)
        context.tracing.start(screenshots=True, snapshots=True)
        self.contexts.append((account, context))
        return context.new_page()

    def close(self, failed: bool) -> None:
        for n, (account, context) in enumerate(self.contexts):
            for page in context.pages:
                screenshot = page.screenshot(full_page=True)
                allure.attach(screenshot, f"final state ({account.username})", allure.attachment_type.PNG)
            if failed:
                trace = self.trace_dir / f"trace-{n}.zip"
                context.tracing.stop(path=str(trace))
                allure.attach.file(str(trace), f"playwright trace ({account.username})", extension="zip")
            else:
                context.tracing.stop()
            context.close()


def open_conversation(page, conversation_id: str) -> None:
    """The conversation's page, once its composer is there and (where the page says so) its socket joined."""
    page.goto(f"/conversations/{conversation_id}")
    page.wait_for_selector(COMPOSER)
    page.wait_for_function("['joined', undefined].includes(document.body.dataset.realtime)")


def message_id_shown(page, text: str) -> str:
    """The id of the bubble holding ``text``, once it is shown: the element id="message-<ObjectId>", not
    any element whose id merely starts with message-."""
    __tracebackhide__ = True
    candidates = page.locator("[id^='message-']", has_text=text)
    candidates.first.wait_for()
    ids = [BUBBLE_ID.match(i) for i in candidates.evaluate_all("els => els.map(e => e.id)")]
    found = [m.group(1) for m in ids if m]
    assert found, f"no bubble id=message-<ObjectId> holds {text!r} ({candidates.count()} elements do)"
    return found[-1]


def send_from_composer(page, text: str) -> str:
    """Type into the composer and press Enter (it sends, as on the real desktop composer); the id of
    the bubble that shows the message."""
    page.fill(COMPOSER, text)
    page.press(COMPOSER, "Enter")
    return message_id_shown(page, text)
