"""The admin's webhooks page in a real Chromium against a live server and a real receiver."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401
from support.receivers import WebhookReceiver

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_admin_adds_tests_and_turns_off_a_webhook(live_server_factory, browsers):
    receiver = WebhookReceiver()
    try:
        server = live_server_factory(WEBHOOK_ALLOW_PRIVATE="true")
        admin = Dashboard(browsers.tab(), server).sign_in()
        page = admin.page
        page.goto(server.url + "/admin/webhooks")
        url = receiver.url + "?tag=<img src=x onerror=alert(1)>"
        page.get_by_label("URL").fill(url)
        page.get_by_label("Secret").fill("a-receiver-secret-0123456789")
        page.get_by_label("agent.created").uncheck()
        page.get_by_role("button", name="Add").click()
        row = page.locator("#webhook-rows tr")
        expect(row).to_have_count(1)
        expect(row.locator("td").first).to_have_text(url)  # shown as text, never as markup
        expect(row).not_to_contain_text("agent.created")
        row.get_by_role("button", name="Send test").click()
        expect(page.locator("#delivery-rows tr")).to_contain_text("webhook.test")
        expect(page.locator("#delivery-rows tr")).to_contain_text("delivered")
        [received] = receiver.events()
        assert received.verified("a-receiver-secret-0123456789")
        row.get_by_role("button", name="Turn off").click()
        expect(row.locator("td").nth(2)).to_have_text("off")
        page.get_by_label("URL").fill("file:///etc/passwd")
        page.get_by_label("Secret").fill("a-receiver-secret-0123456789")
        page.get_by_role("button", name="Add").click()
        expect(page.locator("#webhook-error")).to_contain_text("http:// or https://")
        expect(row).to_have_count(1)
        row.get_by_role("button", name="Delete").click()  # cannot be undone: asks first
        row.get_by_role("button", name="Confirm delete").click()
        expect(row).to_have_count(0)
        assert admin.tab.dialogs == [] and admin.tab.errors == []
    finally:
        receiver.close()
