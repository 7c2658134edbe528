"""The agent dashboard's live inbox in a real Chromium against a live server (PROTOCOL.md §4):
customers are python-socketio guests, or the real widget where its side matters."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from support.browser import (  # noqa: F401
    Dashboard,
    HostSite,
    Widget,
    agent_and_customer,
    browsers,
    chromium,
    host_site,
    luminance,
    screenshot,
)
from support.socket_clients import new_ticket, peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory, host_site: HostSite):
    """A live server that lets the host site embed the widget."""
    return live_server_factory(ALLOWED_ORIGINS=host_site.origin)


def test_private_notes_look_different_and_never_reach_the_customer(server, host_site, browsers):
    agent, customer = agent_and_customer(server, host_site, browsers, transport="websocket")
    customer.send("Can I pay by invoice?")
    agent.open("Can I pay by invoice?")

    agent.reply("Check their credit limit first", note=True)
    agent.reply("Yes, invoices are fine.")
    note = agent.message("Check their credit limit first")
    expect(note).to_have_class(re.compile(r"\bnote\b"))
    expect(note.locator(".sender")).to_have_text(re.compile("^Private note"))
    expect(agent.message("Yes, invoices are fine.")).not_to_have_class(re.compile(r"\bnote\b"))
    assert note.evaluate("e => getComputedStyle(e).borderStyle") == "dashed"

    expect(customer.bubble("Yes, invoices are fine.")).to_be_visible()
    assert "Check their credit limit first" not in customer.texts()
    customer.page.reload()  # nor in the history the widget loads
    customer.open()
    expect(customer.bubble("Yes, invoices are fine.")).to_be_visible()
    assert customer.texts() == ["Can I pay by invoice?", "Yes, invoices are fine."]


def test_an_agent_assigns_a_ticket_to_themselves_and_lets_it_go(server, browsers, peers):
    new_ticket(peers.guest(server), "My parcel never arrived")
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("My parcel never arrived")

    agent.page.get_by_role("button", name="Assign to me").click()
    expect(agent.page.locator("#ticket-meta")).to_contain_text("assigned to you")
    expect(agent.ticket("My parcel never arrived")).to_contain_text("Assigned to you")
    agent.page.locator("#filter-assigned").select_option("none")
    expect(agent.page.locator("#ticket-list li")).to_have_count(0)
    agent.page.locator("#filter-assigned").select_option("me")
    expect(agent.page.locator("#ticket-list li")).to_have_count(1)

    agent.page.get_by_role("button", name="Unassign").click()
    expect(agent.page.locator("#ticket-meta")).to_contain_text("unassigned")
    expect(agent.page.locator("#ticket-list li")).to_have_count(0)  # no longer "mine"
    assert agent.tab.errors == []


def test_the_inbox_loads_more_tickets_on_request(live_server_factory, browsers, peers):
    server = live_server_factory(CONNECT_RATE_LIMIT="off", MESSAGE_RATE_LIMIT="off")
    guest = peers.guest(server)
    for number in range(30):
        guest.ok("ticket:create", {"text": f"Question number {number}", "sessionId": f"s{number}"})
    agent = Dashboard(browsers.tab(), server).sign_in()

    rows = agent.page.locator("#ticket-list li")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Question number 29")  # newest activity first
    # The button stays as the fallback to infinite scroll (test_browser_dashboard_inbox.py):
    # pressed where it is, without scrolling it into view first.
    agent.page.get_by_role("button", name="Load more").dispatch_event("click")
    expect(rows).to_have_count(30)
    expect(agent.page.get_by_role("button", name="Load more")).to_be_hidden()
    previews = agent.page.locator("#ticket-list .preview").all_inner_texts()
    assert previews == [f"Question number {number}" for number in range(29, -1, -1)]


def test_a_new_message_marks_its_ticket_unread_until_the_agent_opens_it(server, browsers, peers):
    guest = peers.guest(server)
    first = new_ticket(guest, "First customer question")["ticket"]
    new_ticket(peers.guest(server), "Second customer question")
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("First customer question")
    expect(agent.ticket("First customer question").locator(".badge")).to_have_count(0)
    agent.open("Second customer question")

    guest.ok("chat:message", {"ticketId": first["id"], "text": "Hello? Anyone there?"})
    row = agent.ticket("Hello? Anyone there?")  # the preview follows the latest message
    expect(row.locator(".badge")).to_have_text("New")
    expect(agent.page).to_have_title(re.compile(r"^\(1\) Inbox"))
    agent.open("Hello? Anyone there?")
    expect(row.locator(".badge")).to_have_count(0)
    expect(agent.page).to_have_title(re.compile(r"^Inbox"))
    watcher = peers.agent(server)  # the server remembers it as read, for every agent
    listed = {ticket["id"]: ticket for ticket in watcher.ok("ticket:list")["tickets"]}
    assert listed[first["id"]]["unread"] is False


def test_each_side_sees_the_other_typing(server, host_site, browsers):
    agent, customer = agent_and_customer(server, host_site, browsers, transport="websocket")
    customer.send("Quick question")
    agent.open("Quick question")

    customer.page.get_by_role("textbox", name="Message").press_sequentially("about shipping")
    expect(agent.page.locator("#typing")).to_have_text(re.compile(r"^Visitor \w+ is typing…$"))
    agent.page.get_by_role("textbox", name="Reply to the customer").press_sequentially("Sure")
    expect(customer.page.locator(".typing")).to_have_text("Admin is typing…")
    expect(customer.page.locator(".typing")).to_be_visible()


def test_the_agent_sees_when_the_customer_has_read_the_reply(server, host_site, browsers):
    agent, customer = agent_and_customer(server, host_site, browsers, transport="websocket")
    customer.send("Is the store open on Sunday?")
    agent.open("Is the store open on Sunday?")
    agent.reply("Yes, from 10 to 4.")

    expect(customer.bubble("Yes, from 10 to 4.")).to_be_visible()
    expect(agent.message("Yes, from 10 to 4.").locator(".meta")).to_contain_text("Seen")
    agent.page.reload()  # the receipt is the customer's stored position, not only a live event
    agent.open("Yes, from 10 to 4.")
    expect(agent.message("Yes, from 10 to 4.").locator(".meta")).to_contain_text("Seen")


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_the_customer_still_sees_seen_after_reloading_the_page(
    server, host_site, browsers, transport
):
    agent, customer = agent_and_customer(server, host_site, browsers, transport=transport)
    customer.send("Did my refund go through?")
    agent.open("Did my refund go through?")
    mine = customer.page.locator(".log .msg.mine", has_text="Did my refund go through?")
    expect(mine.locator(".meta")).to_contain_text("Seen")
    customer.page.reload()
    customer.open()
    expect(mine.locator(".meta")).to_contain_text("Seen")  # told again on joining, not kept
    assert customer.tab.errors == []


def test_an_expired_session_is_renewed_and_the_inbox_stays_live(
    server, browsers, peers, server_app
):
    agent = Dashboard(browsers.tab(), server).sign_in()
    # Swap the access cookie for one that expires in three seconds: the server then ends the
    # socket and the dashboard must renew the session with its refresh cookie.
    accounts = server_app(server)
    admin = {
        "id": agent.page.locator("#workspace").get_attribute("data-agent-id"),
        "role": "admin",
        "name": "Admin",
    }
    short = accounts.token(admin, timedelta(seconds=3))
    agent.page.context.add_cookies([{"name": "token", "value": short, "url": server.url}])
    agent.page.reload()
    expect(agent.page.locator("#connection")).to_have_text("Live")
    refreshed = agent.page.wait_for_event(
        "response",
        predicate=lambda response: response.url.endswith("/api/admin/auth/refresh"),
        timeout=20_000,
    )
    assert refreshed.status == 200
    expect(agent.page.locator("#connection")).to_have_text("Live")

    new_ticket(peers.guest(server), "Asked after the token expired")
    expect(agent.ticket("Asked after the token expired")).to_be_visible()
    assert agent.page.url.endswith("/agent/dashboard")  # never sent back to the login page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_dashboard_fits_the_window_and_follows_the_color_scheme(
    server, browsers, peers, scheme
):
    for text in ("Where is my order #881?", "Can I change my password?", "Refund for a broken mug"):
        new_ticket(peers.guest(server), text)
    agent = Dashboard(browsers.tab(color_scheme=scheme), server).sign_in()
    agent.open("Refund for a broken mug")
    agent.reply("Sent a replacement, tracking 12345", note=True)
    agent.reply("Sorry about the mug! A new one is on its way.")
    expect(agent.message("Sorry about the mug! A new one is on its way.")).not_to_have_class(
        re.compile("pending")
    )
    screenshot(agent.page, f"dashboard-{scheme}")

    page = agent.page
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    workspace = page.locator("#workspace").bounding_box()
    assert workspace["y"] + workspace["height"] <= 800  # composer on screen without scrolling
    expect(page.locator("#reply")).to_be_in_viewport()
    inbox, search = (page.locator(name).bounding_box() for name in (".inbox", "#inbox-search"))
    assert inbox["x"] + 8 <= search["x"]  # inset like the filters, not on the panel's edge
    assert search["x"] + search["width"] + 8 <= inbox["x"] + inbox["width"]
    title, add_label = (
        page.locator(name).bounding_box() for name in ("#ticket-title", "#add-label")
    )
    assert abs(add_label["x"] - title["x"]) <= 1  # in line with the title while there are none
    background = luminance(
        page.locator(".conversation").evaluate("e => getComputedStyle(e).backgroundColor")
    )
    text = luminance(page.locator("#ticket-title").evaluate("e => getComputedStyle(e).color"))
    assert (
        (background < 0.2 and text > 0.8) if scheme == "dark" else (background > 0.9 and text < 0.2)
    )


def test_the_dashboard_catches_up_after_the_server_restarts(server, browsers, peers):
    client_id = str(uuid.uuid4())
    guest = peers.guest(server, client_id)
    ticket = new_ticket(guest, "Before the restart")["ticket"]
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Before the restart")
    expect(agent.message("Before the restart")).to_be_visible()

    server.stop()
    expect(agent.page.locator("#connection")).to_have_text(re.compile("reconnecting", re.I))
    server.start()  # same port, same database
    guest = peers.guest(server, client_id)  # the same customer, on a new connection
    for number in (1, 2, 3):
        guest.ok("chat:message", {"ticketId": ticket["id"], "text": f"Customer follow-up {number}"})
    expect(agent.page.locator("#connection")).to_have_text("Live")
    expect(agent.message("Customer follow-up 3")).to_be_visible()
    guest.ok("chat:message", {"ticketId": ticket["id"], "text": "Customer follow-up 4"})
    expect(agent.message("Customer follow-up 4")).to_be_visible()
    assert agent.texts() == ["Before the restart"] + [
        f"Customer follow-up {n}" for n in (1, 2, 3, 4)
    ]
    expect(agent.page.locator("#ticket-list li")).to_have_count(1)
    assert agent.tab.errors == []


def test_an_identified_customer_appears_under_their_email(server, host_site, browsers):
    agent = Dashboard(browsers.tab(), server).sign_in()
    customer = Widget(browsers.tab())
    customer.page.goto(
        host_site.page_with_widget(server, userIdentifier={"email": "jane@example.com"})
    )  # default transport: polling
    customer.open()
    customer.send("Hi, it's Jane")
    expect(agent.ticket("jane@example.com")).to_contain_text("Hi, it's Jane")
    agent.open("jane@example.com")
    expect(agent.page.locator("#ticket-title")).to_have_text("jane@example.com")
    expect(agent.page.locator("#ticket-meta")).to_contain_text("unverified")


def test_signing_in_and_opening_the_inbox_asks_for_nothing_missing(server, browsers):
    tab = browsers.tab()
    missing: list[str] = []
    tab.page.on(
        "response",
        lambda response: missing.append(response.url) if response.status == 404 else None,
    )
    Dashboard(tab, server).sign_in()
    tab.page.goto(server.url + "/favicon.ico")
    assert missing == []


def test_over_long_polling_too_each_side_sees_typing_and_read_receipts(server, host_site, browsers):
    agent, customer = agent_and_customer(server, host_site, browsers, transport="polling")
    customer.send("Do you ship to Norway?")
    agent.open("Do you ship to Norway?")
    mine = customer.page.locator(".log .msg.mine", has_text="Do you ship to Norway?")
    expect(mine.locator(".meta")).to_contain_text("Seen")  # the agent opened it

    customer.page.get_by_role("textbox", name="Message").press_sequentially("and Iceland")
    expect(agent.page.locator("#typing")).to_have_text(re.compile(r"^Visitor \w+ is typing…$"))
    agent.page.get_by_role("textbox", name="Reply to the customer").press_sequentially("Yes")
    expect(customer.page.locator(".typing")).to_have_text("Support is typing…")

    agent.reply("Yes, to both.")
    expect(customer.bubble("Yes, to both.")).to_be_visible()
    expect(agent.message("Yes, to both.").locator(".meta")).to_contain_text("Seen")
