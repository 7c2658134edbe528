"""How the dashboard and the widget stay current without a frame per message: the inbox from
``inbox:updated`` digests, and both pages fetching what they missed when the server's link to
Redis comes back (``resync``), on the same connection (PROTOCOL.md §4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, HostSite, Widget, browsers, chromium, host_site  # noqa: F401
from support.ops import own_redis  # noqa: F401 (fixture)
from support.socket_clients import new_ticket, peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Counts the WebSockets a page opens: a client that reconnected would open a second one.
COUNT_SOCKETS = """
window.__sockets = 0;
window.WebSocket = class extends window.WebSocket {
  constructor(...args) { super(...args); window.__sockets += 1; }
};
"""


def test_a_burst_across_tickets_updates_every_inbox_row_from_digests(
    live_server_factory, browsers, peers
):
    server = live_server_factory()
    guests = [peers.guest(server) for _ in range(3)]
    tickets = [
        new_ticket(guest, f"Opening question {n}")["ticket"] for n, guest in enumerate(guests)
    ]
    agent = Dashboard(browsers.tab(), server).sign_in()
    for n in range(3):
        expect(agent.ticket(f"Opening question {n}")).to_be_visible()

    for n, (guest, ticket) in enumerate(zip(guests, tickets, strict=True)):
        guest.ok("chat:message", {"ticketId": ticket["id"], "text": f"Follow-up {n}"})
    for n in range(3):
        row = agent.ticket(f"Follow-up {n}")  # the preview follows the latest message
        expect(row).to_be_visible()
        expect(row.locator(".badge")).to_have_text("New")
    expect(agent.page.locator("#ticket-list li")).to_have_count(3)


@pytest.mark.postgres
def test_after_a_redis_blip_both_pages_show_what_they_missed_once(
    live_server_factory, postgres_url, own_redis, host_site: HostSite, browsers, peers
):
    # The pages on one process; the missed message written through another, whose news can
    # only reach them through Redis.
    server, other = (
        live_server_factory(postgres_url, REDIS_URL=own_redis.url, ALLOWED_ORIGINS=host_site.origin)
        for _ in range(2)
    )
    customer, dashboard = Widget(browsers.tab()), Dashboard(browsers.tab(), server)
    for page in (customer.page, dashboard.page):
        page.add_init_script(COUNT_SOCKETS)
    customer.page.goto(host_site.page_with_widget(server, transport="websocket"))
    customer.open()
    customer.send("Where is my parcel?")
    dashboard.sign_in()
    dashboard.open("Where is my parcel?")
    expect(customer.bubble("Where is my parcel?")).to_be_visible()
    ticket_id = next(t["id"] for t in peers.agent(other).ok("ticket:list")["tickets"])
    opened = [page.evaluate("window.__sockets") for page in (customer.page, dashboard.page)]
    assert opened == [1, 1]

    own_redis.stop()
    # Stored while the fan-out is down: nobody hears it live.
    peers.agent(other).ok("chat:message", {"ticketId": ticket_id, "text": "It left today."})
    own_redis.start()

    expect(customer.bubble("It left today.")).to_be_visible(timeout=40_000)
    expect(dashboard.message("It left today.")).to_be_visible(timeout=40_000)
    assert customer.texts().count("It left today.") == 1
    assert dashboard.texts().count("It left today.") == 1
    # On the same connections: neither page opened another socket.
    assert [page.evaluate("window.__sockets") for page in (customer.page, dashboard.page)] == opened
