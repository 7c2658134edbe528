"""The dashboard's inbox: infinite scroll, the unread filter, the "waiting longest" order and
live rows that stay put under the pointer, in a real Chromium against a live server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import MetaData, Table, create_engine, update

from support.browser import Dashboard, browsers, chromium, serious_violations  # noqa: F401
from support.socket_clients import new_ticket, peers, server_app, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(
        CONNECT_RATE_LIMIT="off", MESSAGE_RATE_LIMIT="off", NEW_CONVERSATION_RATE_LIMIT="off"
    )


def test_scrolling_the_inbox_loads_the_next_page_without_a_click(server, browsers, peers):
    guest = peers.guest(server)
    for number in range(60):
        guest.ok("ticket:create", {"text": f"Question number {number}", "sessionId": f"s{number}"})
    agent = Dashboard(browsers.tab(), server).sign_in()
    rows = agent.page.locator("#ticket-list li")
    expect(rows).to_have_count(25)
    rows.nth(24).scroll_into_view_if_needed()
    expect(rows).to_have_count(50)
    rows.nth(49).scroll_into_view_if_needed()
    expect(rows).to_have_count(60)
    expect(agent.page.get_by_role("button", name="Load more")).to_be_hidden()


def test_unread_only_and_rows_that_do_not_move_under_the_pointer(server, browsers, peers):
    guests = [peers.guest(server) for _ in range(3)]
    tickets = [
        new_ticket(guest, text)["ticket"]
        for guest, text in zip(
            guests, ("Oldest question", "Middle question", "Newest question"), strict=True
        )
    ]
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Middle question")  # read
    agent.open("Newest question")  # read, and open
    agent.page.get_by_role("checkbox", name="Unread").check()
    rows = agent.page.locator("#ticket-list li")
    expect(rows).to_have_count(2)  # the unread one and the open one
    agent.page.get_by_role("checkbox", name="Unread").uncheck()
    expect(rows).to_have_count(3)

    rows.last.hover()  # the pointer rests on the oldest ticket
    guests[0].ok("chat:message", {"ticketId": tickets[0]["id"], "text": "Oldest, now the latest"})
    expect(agent.ticket("Oldest, now the latest")).to_be_visible()
    assert agent.page.locator("#ticket-list .preview").all_inner_texts()[-1] == (
        "Oldest, now the latest"
    )  # updated where it was
    agent.page.mouse.move(900, 20)  # the pointer leaves: newest activity first again
    expect(rows.first).to_contain_text("Oldest, now the latest")


def test_a_new_wait_joins_the_longest_waiting_list_only_once_its_page_is_loaded(
    server, browsers, peers
):
    guest = peers.guest(server)
    tickets = [
        guest.ok("ticket:create", {"text": f"Waiting {n}", "sessionId": f"s{n}"})["ticket"]
        for n in range(30)
    ]
    agent = Dashboard(browsers.tab(), server).sign_in()
    rows = agent.page.locator("#ticket-list li")
    agent.page.get_by_label("Sort").select_option(label="Waiting longest")
    expect(rows).to_have_count(25)
    expect(rows.first.locator(".preview")).to_have_text("Waiting 0")

    guest.ok("ticket:create", {"text": "A wait that began just now", "sessionId": "late"})
    guest.ok("chat:message", {"ticketId": tickets[0]["id"], "text": "Waiting 0, still"})
    expect(rows.first.locator(".preview")).to_have_text("Waiting 0, still")
    assert agent.ticket("A wait that began just now").count() == 0  # its page comes later
    rows.nth(24).scroll_into_view_if_needed()
    expect(rows).to_have_count(31)
    expect(rows.last.locator(".preview")).to_have_text("A wait that began just now")


def test_a_colleague_reading_a_ticket_leaves_it_unread_here(server, browsers, peers, server_app):
    guest = peers.guest(server)
    ticket_id = new_ticket(guest, "Is anyone reading this?")["ticket"]["id"]
    agent = Dashboard(browsers.tab(), server).sign_in()
    badge = agent.ticket("Is anyone reading this?").get_by_label("unread")
    expect(badge).to_be_visible()
    bo = server_app(server).add_agent("bo@example.com", "Bo")
    colleague = peers.agent(server, sign_in(server, bo["email"], bo["password"]))
    colleague.ok("ticket:join", {"ticketId": ticket_id})
    colleague.ok("read", {"ticketId": ticket_id, "seq": 1})  # every agent hears ticket:updated
    guest.send(ticket_id, "Hello again")
    colleague.ok("read", {"ticketId": ticket_id, "seq": 2})
    row = agent.ticket("Hello again")
    expect(row).to_be_visible()
    expect(row.get_by_label("unread")).to_be_visible()  # Bo read it; this agent has not
    agent.page.reload()
    expect(agent.ticket("Hello again").get_by_label("unread")).to_be_visible()
    agent.open("Hello again")
    expect(agent.ticket("Hello again").get_by_label("unread")).to_be_hidden()
    agent.page.reload()
    expect(agent.ticket("Hello again")).to_be_visible()
    expect(agent.ticket("Hello again").get_by_label("unread")).to_be_hidden()


def wait_since(server, ticket_id: str, minutes: int) -> None:
    """Make the ticket's customer wait since ``minutes`` ago (test data, in the server's DB)."""
    engine = create_engine(server.env["DATABASE_URL"])
    tickets = Table("tickets", MetaData(), autoload_with=engine)
    since = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=minutes)
    with engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(waiting_since=since))
    engine.dispose()


def test_waiting_longest_shows_the_waits_and_follows_answers_live(server, browsers, peers):
    helper = peers.agent(server)  # another agent, answering over its own socket
    guests = [peers.guest(server) for _ in range(3)]
    ids = []
    for guest, text in zip(
        guests, ("First to ask", "Answered already", "Last to ask"), strict=True
    ):
        ids.append(new_ticket(guest, text)["ticket"]["id"])
        time.sleep(0.01)
    helper.ok("chat:message", {"ticketId": ids[1], "text": "Here you go"})
    wait_since(server, ids[0], 12)
    tab = browsers.tab()
    tab.page.clock.install()  # the minute ticks on demand
    agent = Dashboard(tab, server).sign_in()
    rows = agent.page.locator("#ticket-list li")
    expect(rows).to_have_count(3)

    agent.page.get_by_label("Sort").select_option(label="Waiting longest")
    expect(rows).to_have_count(2)
    expect(rows.locator(".preview")).to_have_text(["First to ask", "Last to ask"])
    expect(rows.locator("time.waited")).to_have_text(["waiting 12 min", "waiting 0 min"])
    assert serious_violations(agent.page) == []

    # The answered customer writes again: they join, at the end; an answer takes a ticket off.
    guests[1].ok("chat:message", {"ticketId": ids[1], "text": "One more question"})
    expect(rows.locator(".preview")).to_have_text(
        ["First to ask", "Last to ask", "One more question"]
    )
    helper.ok("chat:message", {"ticketId": ids[2], "text": "Sorted"})
    expect(rows.locator(".preview")).to_have_text(["First to ask", "One more question"])

    # Under the pointer rows keep their places: the first customer, answered and writing
    # again, now waits least, yet stays where the pointer rests until it leaves.
    rows.first.hover()
    helper.ok("chat:message", {"ticketId": ids[0], "text": "Answered at last"})
    guests[0].ok("chat:message", {"ticketId": ids[0], "text": "Still there?"})
    expect(rows.locator(".preview")).to_have_text(["Still there?", "One more question"])
    agent.page.mouse.move(900, 20)
    expect(rows.locator(".preview")).to_have_text(["One more question", "Still there?"])

    agent.page.clock.fast_forward("01:00")
    expect(rows.first.locator("time.waited")).to_have_text("waiting 1 min")
    agent.page.get_by_label("Sort").select_option(label="Newest activity")
    expect(rows).to_have_count(3)
    expect(rows.locator("time.waited")).to_have_count(0)
