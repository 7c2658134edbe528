"""The dashboard's inbox: infinite scroll, the unread filter and live rows that stay put under
the pointer, in a real Chromium against a live server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401
from support.socket_clients import new_ticket, peers  # noqa: F401

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
