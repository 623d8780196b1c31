"""Authentication: log in, read the profile, log out, log in again; over the API and in the browser."""

from __future__ import annotations

import allure
import pytest

from meeshy_checks.checklib.browser import logged_in_username, login
from meeshy_checks.checklib.realtime import SOCKET_GROUP

pytestmark = [pytest.mark.staging, pytest.mark.production, allure.feature("Authentication")]


def test_api_login_profile_logout_login(gateway, two_accounts):
    account = two_accounts[0]
    for attempt in ("first login", "login after logout"):
        with allure.step(attempt):
            api = gateway.with_token(gateway.login(account))
            user = api.data("GET", "/api/v1/auth/me")["user"]
            assert user["username"].lower() == account.username.lower(), f"/auth/me is {user['username']}"
            if attempt == "first login":
                with allure.step("logout"):
                    api.data("POST", "/api/v1/auth/logout")


@SOCKET_GROUP
@allure.story("Se connecter avec un compte utilisateur ; tester logout/login")
def test_browser_login_profile_logout_login(open_page, accounts, two_accounts, need, event_deadline):
    need("CHECK_FRONTEND_URL")
    account = accounts[2] if len(accounts) > 2 else two_accounts[0]
    page = open_page()
    with allure.step("log in through the form"):
        login(page, account, event_deadline)
        assert logged_in_username(page) == account.username
    with allure.step("the conversations page loads the user's conversations"):
        # The real app has no stable selector for its list; its request for it is what is certain.
        with page.expect_response(
            lambda r: "/api/" in r.url and "/conversations" in r.url and r.request.method == "GET" and r.status == 200,
            timeout=event_deadline * 1000,
        ):
            page.goto("/conversations")
        assert logged_in_username(page) == account.username
    with allure.step("log out"):
        logout = page.locator("[data-testid=logout-button]")
        if logout.count():
            logout.click()
            page.wait_for_url(lambda url: "/login" in url)
        else:  # the real app at 30c9002 has no stable logout selector; leave as its store does
            page.evaluate("localStorage.removeItem('meeshy-auth')")
        assert logged_in_username(page) is None
    with allure.step("a protected page now sends to the login form"):
        page.goto("/conversations")
        page.wait_for_url(lambda url: "/login" in url)
    with allure.step("log in again"):
        login(page, account, event_deadline)
        assert logged_in_username(page) == account.username
