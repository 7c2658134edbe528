"""Two-factor enrolment in Chromium: an admin who must enrol scans a QR code drawn by the
server, confirms a code and reaches the dashboard; nothing is fetched from elsewhere."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from support.browser import browsers, chromium  # noqa: F401


def test_an_admin_enrols_in_two_factor_sign_in_from_the_browser(live_server_factory, browsers):
    server = live_server_factory(REQUIRE_2FA_FOR_ADMINS="true")
    tab = browsers.tab()
    page = tab.page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server.url + "/agent/login")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill("admin-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/agent/2fa/setup")
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 100
    secret = page.locator("code.totp-secret").inner_text()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url("**/agent/dashboard")
    expect(page.locator("#connection")).to_have_text("Live")
    assert all(url.startswith(server.url) for url in requested), requested
    assert tab.errors == []
