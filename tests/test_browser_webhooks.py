"""The admin's webhooks page in a real Chromium against a live server and a real receiver."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401
from support.receivers import WebhookReceiver

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def receiver():
    """A real receiver on a loopback port, closed at the end."""
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def admin(live_server_factory, browsers) -> Dashboard:
    """An admin on the webhooks page of a server that may deliver to loopback."""
    server = live_server_factory(WEBHOOK_ALLOW_PRIVATE="true")
    admin = Dashboard(browsers.tab(), server).sign_in()
    admin.page.goto(server.url + "/admin/webhooks")
    return admin


def test_an_admin_adds_tests_and_turns_off_a_webhook(admin, receiver):
    page = admin.page
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


def test_an_admin_edits_a_webhook_keeping_or_changing_its_secret(admin, receiver):
    page = admin.page
    expect(page.get_by_text("No webhooks yet")).to_be_visible()
    expect(page.get_by_text("retried for 24 hours")).to_be_visible()  # not "24.0"
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Secret").fill("the-first-secret-0123456789")
    page.get_by_role("button", name="Add").click()
    row = page.locator("#webhook-rows tr")
    expect(row).to_have_count(1)
    expect(page.get_by_text("No webhooks yet")).to_be_hidden()

    row.get_by_role("button", name="Edit").click()  # the secret is kept when left empty
    expect(page.get_by_label("URL")).to_be_focused()
    expect(page.get_by_label("URL")).to_have_value(receiver.url)
    expect(page.get_by_label("Secret")).to_have_value("")
    page.get_by_label("agent.created").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(row).not_to_contain_text("agent.created")
    expect(page.get_by_role("heading", name="Add a webhook")).to_be_visible()
    row.get_by_role("button", name="Send test").click()
    assert receiver.wait_for(1)[0].verified("the-first-secret-0123456789")

    row.get_by_role("button", name="Edit").click()
    page.get_by_label("URL").fill(receiver.url + "?v=2")
    page.get_by_label("Secret").fill("the-second-secret-0123456789")
    page.get_by_role("button", name="Save changes").click()
    expect(row.locator("td").first).to_have_text(receiver.url + "?v=2")
    expect(row).not_to_contain_text("agent.created")  # the events stay as they were
    row.get_by_role("button", name="Send test").click()
    assert receiver.wait_for(2)[1].verified("the-second-secret-0123456789")

    row.get_by_role("button", name="Edit").click()  # and changing one's mind
    page.get_by_label("URL").fill("https://elsewhere.example/")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_label("URL")).to_have_value("")
    expect(row.locator("td").first).to_have_text(receiver.url + "?v=2")
    assert admin.tab.dialogs == [] and admin.tab.errors == []
