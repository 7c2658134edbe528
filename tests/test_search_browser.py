"""The agent workspace's search, labels, canned picker and assign-to picker in a real
Chromium against a live server; customers are python-socketio guests."""

from __future__ import annotations

import hashlib
import hmac

import pytest
import requests
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401 (fixtures)
from support.socket_clients import (  # noqa: F401 (peers, server_app: fixtures)
    WAIT,
    api_token,
    new_ticket,
    peers,
    server_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECRET = "identity-secret"
JANE_HASH = hmac.new(SECRET.encode(), b"jane@example.com", hashlib.sha256).hexdigest()


def test_search_opens_a_ticket_labels_filter_and_the_canned_picker_inserts(
    live_server_factory, peers, browsers, server_app
):
    server = live_server_factory(IDENTITY_HMAC_SECRET=SECRET)
    token = api_token(server)
    response = requests.post(
        server.url + "/api/admin/canned",
        headers={"Authorization": f"Bearer {token}"},
        json={"shortcut": "thanks", "title": "Thank you", "text": "Thanks <b>for</b> waiting!"},
        timeout=WAIT,
    )
    assert response.status_code == 201, response.text
    server_app(server).add_agent("ana@example.com", "Ana")
    jane = {"userIdentifier": {"email": "jane@example.com"}, "identifierHash": JANE_HASH}
    new_ticket(peers.guest(server), "Earlier question about shipping", **jane)
    new_ticket(peers.guest(server), "Cannot log in to my account")
    new_ticket(
        peers.guest(server), "My invoice total is wrong", metadata={"page": "/pricing"}, **jane
    )

    agent = Dashboard(browsers.tab(), server).sign_in()
    page = agent.page
    expect(page.locator("#ticket-list li")).to_have_count(3)

    page.get_by_label("Search conversations").fill("INVOICE")
    expect(page.locator("#ticket-list li")).to_have_count(1)
    row = agent.ticket("My invoice total is wrong")
    expect(row.locator(".match mark")).to_have_text("invoice")
    row.click()
    expect(agent.message("My invoice total is wrong")).to_be_visible()
    page.get_by_text("Customer details").click()
    panel = page.locator("#contact-panel")
    expect(panel.locator(".contact-fields")).to_contain_text("/pricing")
    expect(panel.locator(".contact-previous")).to_contain_text("Earlier question about shipping")
    expect(panel.locator(".contact-files")).to_have_text("None.")

    page.get_by_label("Add a label").fill("Billing")
    page.get_by_label("Add a label").press("Enter")
    expect(page.locator(".labels-editor .chip")).to_have_count(1)
    expect(page.locator(".labels-editor .chip-filter")).to_have_text("billing")
    page.get_by_label("Search conversations").fill("")
    expect(page.locator("#ticket-list li")).to_have_count(3)
    page.get_by_label("Filter by label").fill("billing")
    expect(page.locator("#ticket-list li")).to_have_count(1)
    expect(row.locator(".labels .chip")).to_have_text("billing")

    box = page.get_by_role("textbox", name="Reply to the customer")
    box.fill("")
    box.press_sequentially("Hello! /than")
    picker = page.locator("#canned-picker")
    expect(picker).to_be_visible()
    expect(picker.locator("li")).to_have_text("/thanks Thank you")
    box.press("Tab")
    expect(picker).to_be_hidden()
    expect(box).to_have_value("Hello! Thanks <b>for</b> waiting!")
    box.press("Enter")
    expect(agent.message("Hello! Thanks <b>for</b> waiting!")).to_be_visible()

    page.get_by_label("Assign to an agent").select_option(label="Ana")
    expect(page.locator("#messages")).to_contain_text("Assigned to Ana by Admin")
    expect(page.locator("#ticket-meta")).to_contain_text("assigned to Ana")


def test_admins_keep_canned_responses_on_their_page(live_server_factory, browsers):
    server = live_server_factory()
    admin = Dashboard(browsers.tab(), server).sign_in()
    page = admin.page
    page.goto(server.url + "/admin/canned")
    expect(page.get_by_text("No canned responses yet")).to_be_visible()
    page.get_by_label("Shortcut").fill("refund-policy")
    page.get_by_label("Title").fill("Refund policy")
    page.get_by_label("Text").fill("Refunds take <5 days>.")
    page.get_by_role("button", name="Save").click()
    row = page.locator("#canned-rows tr")
    expect(row).to_have_count(1)
    expect(row.locator(".canned-text")).to_have_text("Refunds take <5 days>.")
    expect(page.get_by_text("No canned responses yet")).to_be_hidden()

    page.get_by_label("Shortcut").fill("refund-policy")
    page.get_by_label("Title").fill("Again")
    page.get_by_label("Text").fill("x")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#canned-error")).to_contain_text("taken")
    page.get_by_role("button", name="Clear").click()

    page.get_by_role("button", name="Change /refund-policy").click()
    page.get_by_label("Title").fill("Refunds")
    page.get_by_role("button", name="Save").click()
    expect(row.locator("td").nth(1)).to_have_text("Refunds")
    page.get_by_role("button", name="Delete /refund-policy").click()
    expect(row).to_have_count(1)
    page.get_by_role("button", name="Confirm delete /refund-policy").click()
    expect(row).to_have_count(0)


def test_a_search_opens_a_long_ticket_at_the_matching_message(
    live_server_factory, peers, browsers, server_app
):
    from test_browser_dashboard_history import seed

    server = live_server_factory(MESSAGE_RATE_LIMIT="off")
    guest = peers.guest(server)
    ticket_id = new_ticket(guest, "Hello, a question about my order")["ticket"]["id"]
    guest.send(ticket_id, "The parcel came with a broken xylophone inside")  # seq 2
    seed(server_app, server, ticket_id, 600, first=3)  # seq 3..602: the match is long gone

    agent = Dashboard(browsers.tab(), server).sign_in()
    page = agent.page
    page.get_by_label("Search conversations").fill("xylophone")
    expect(page.locator("#ticket-list li .match")).to_have_count(1)
    page.locator("#ticket-list li").first.click()
    found = page.locator("#messages li.found")
    expect(found).to_contain_text("broken xylophone")
    expect(found).to_contain_text("Search match")
    expect(found).to_be_in_viewport()
    assert page.locator('#messages li[data-seq="602"]').count() == 0  # not loaded yet
    expect(page.get_by_role("button", name="Load newer messages")).to_be_visible()

    # Scrolling down reads on to the latest message; the match stays marked.
    page.wait_for_function(
        """() => {
          const list = document.getElementById("messages");
          list.scrollTop = list.scrollHeight;
          return Boolean(list.querySelector('li[data-seq="602"]'));
        }""",
        polling=200,
        timeout=60_000,
    )
    expect(page.get_by_role("button", name="Load newer messages")).to_be_hidden()
    guest.send(ticket_id, "Any news?")
    expect(agent.message("Any news?")).to_be_visible()

    # Opened again from the search while a live message arrives: the gap is read to the end.
    page.locator("#ticket-list li").first.click()
    expect(found).to_be_in_viewport()
    guest.send(ticket_id, "Still there?")
    expect(page.get_by_role("button", name="Load newer messages")).to_be_hidden()
    page.evaluate("document.getElementById('messages').scrollTop = 1e9")
    expect(agent.message("Still there?")).to_be_visible()
