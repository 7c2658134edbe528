"""Bugs a new agent met on the dashboard (issue #13, "Tried as a new user would"), in a real
Chromium against a live server; each of these failed before its fix."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401
from support.socket_clients import new_ticket, peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory):
    return live_server_factory()


def test_with_no_ticket_selected_there_is_nothing_to_close_or_reply_to(server, browsers, peers):
    new_ticket(peers.guest(server), "Waiting for someone")
    agent = Dashboard(browsers.tab(), server).sign_in()
    page = agent.page
    expect(page.get_by_text("Select a ticket to read it.")).to_be_visible()
    expect(page.locator("#conversation-body")).to_be_hidden()
    expect(page.get_by_role("button", name="Close ticket")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Reply to the customer")).to_be_hidden()
    empty_buttons = [
        button for button in page.locator("button:visible").all() if not button.inner_text()
    ]
    assert empty_buttons == []


def test_a_closed_ticket_has_no_reply_box_and_says_who_closed_it(server, browsers, peers):
    new_ticket(peers.guest(server), "Please close this when done")
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Please close this when done")
    expect(agent.page.get_by_role("textbox", name="Reply to the customer")).to_be_visible()
    agent.close_ticket()

    expect(agent.page.get_by_role("textbox", name="Reply to the customer")).to_be_hidden()
    expect(agent.page.locator("#messages li.event")).to_have_text(re.compile(r"^Closed by you"))
    agent.page.reload()  # and so when the closed ticket is opened again
    agent.page.get_by_label("Status").select_option("closed")
    agent.open("Please close this when done")
    expect(agent.page.locator("#messages li.event")).to_have_text(re.compile(r"^Closed by you"))
    expect(agent.page.get_by_role("textbox", name="Reply to the customer")).to_be_hidden()


def test_a_ticket_another_agent_closes_loses_its_reply_box_at_once(
    server, browsers, peers, server_app
):
    ticket = new_ticket(peers.guest(server), "Two agents on one ticket")["ticket"]
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Two agents on one ticket")
    accounts = server_app(server)
    ana = accounts.add_agent("ana@example.com", "Ana")
    colleague = peers.agent(server, token=accounts.token(ana, timedelta(minutes=5)))
    colleague.ok("ticket:close", {"ticketId": ticket["id"]})
    expect(agent.page.get_by_role("textbox", name="Reply to the customer")).to_be_hidden()
    expect(agent.page.locator("#messages li.event")).to_have_text(re.compile(r"^Closed by Ana"))


def test_a_reply_to_a_ticket_closed_behind_its_back_says_so_in_agent_words(
    server, browsers, peers, server_app
):
    ticket = new_ticket(peers.guest(server), "Closed quietly")["ticket"]
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Closed quietly")
    app = server_app(server).app
    with app.app_context():  # closed in the database, no event reaches the page
        app.extensions["supportchat.store"].close_ticket(
            ticket["id"], {"id": "x", "role": "agent", "name": "Ana"}
        )
    agent.reply("Are you still there?")
    failed = agent.message("Are you still there?")
    expect(failed.locator(".error")).to_have_text(re.compile(r"this ticket was closed"))
    assert "start a new conversation to write again" not in failed.inner_text()
    expect(failed.get_by_role("button", name="Dismiss")).to_be_visible()
    expect(agent.page.get_by_role("textbox", name="Reply to the customer")).to_be_hidden()


def test_a_failed_history_load_offers_retry_and_clears_once_it_loads(server, browsers, peers):
    new_ticket(peers.guest(server), "Opened while offline")
    agent = Dashboard(browsers.tab(), server).sign_in()
    # "Live" comes before the inbox's first page: stop the server once the row is there.
    expect(agent.ticket("Opened while offline")).to_be_visible()
    server.stop()
    expect(agent.page.locator("#connection")).to_have_text(re.compile("reconnecting", re.I))
    agent.open("Opened while offline")
    error = agent.page.locator("#conversation-error")
    expect(error).to_contain_text("could not be loaded")
    retry = agent.page.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    retry.click()
    expect(retry).to_be_disabled()  # debounced: one load per press, not a burst
    expect(error).to_be_visible()  # still offline

    server.start()
    expect(agent.page.locator("#connection")).to_have_text("Live")
    expect(agent.message("Opened while offline")).to_be_visible()
    expect(error).to_be_hidden()
    expect(retry).to_be_hidden()


def test_a_link_to_a_ticket_opens_that_conversation(server, browsers, peers):
    """The link in an agent's email (services/mail.py) is /agent/dashboard#ticket=<id>."""
    ticket = new_ticket(peers.guest(server), "Linked from an email")["ticket"]
    new_ticket(peers.guest(server), "Some other conversation")
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.page.goto(f"{server.url}/agent/dashboard#ticket={ticket['id']}")
    expect(agent.page.locator("#messages")).to_contain_text("Linked from an email")
    expect(agent.page.get_by_role("textbox", name="Reply to the customer")).to_be_visible()
    agent.page.reload()  # a fresh page from the link opens it too
    expect(agent.page.locator("#messages")).to_contain_text("Linked from an email")
    expect(agent.page.locator("#messages")).not_to_contain_text("Some other conversation")
