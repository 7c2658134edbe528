"""Unread is each agent's own (issue #13): one agent reading a ticket leaves it unread for
the others; an agent's own reply is read for them and news for the rest; a bot's message is
never news. A live gevent server on each backend, agents over Socket.IO and HTTP."""

from __future__ import annotations

import pytest
import requests

from support.socket_clients import (  # noqa: F401 (peers, server_app: fixtures)
    WAIT,
    api_token,
    new_ticket,
    peers,
    server_app,
    sign_in,
)

pytestmark = pytest.mark.slow  # each test starts a server process


def test_each_agent_reads_for_themselves(live_server, peers, server_app):
    admin_token = api_token(live_server)
    headers = {"Authorization": f"Bearer {admin_token}"}
    changed = requests.put(
        live_server.url + "/api/admin/settings",
        headers=headers,
        timeout=WAIT,
        json={"behavior": {"autoReply": "Thanks! We will be right with you."}},
    )
    assert changed.status_code == 200, changed.text
    ana = server_app(live_server).add_agent("ana@example.com", "Ana")
    admin = peers.agent(live_server)
    agent = peers.agent(live_server, sign_in(live_server, ana["email"], ana["password"]))
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest, "My parcel arrived damaged")["ticket"]["id"]
    guest.wait_for("chat:message", lambda m: m["sender"]["role"] == "bot")

    def row(peer):
        listed = peer.ok("ticket:list", {})["tickets"]
        return next(ticket for ticket in listed if ticket["id"] == ticket_id)

    def http_unread():
        answer = requests.get(live_server.url + "/api/conversations", headers=headers, timeout=WAIT)
        assert answer.status_code == 200, answer.text
        return next(r for r in answer.json()["conversations"] if r["id"] == ticket_id)["unread"]

    joined = agent.ok("ticket:join", {"ticketId": ticket_id})["ticket"]
    assert joined["unread"] is True and (joined["lastSeq"], joined["previewSeq"]) == (2, 1)
    agent.ok("read", {"ticketId": ticket_id, "seq": 2})
    assert row(agent)["unread"] is False
    assert row(admin)["unread"] is True and http_unread() is True  # the admin has not read it

    guest.send(ticket_id, "Hello? Anyone there?")
    assert row(agent)["unread"] is True  # news since Ana read

    agent.send(ticket_id, "Sorry about that, a new one is on its way.")
    mine, theirs = row(agent), row(admin)
    assert mine["unread"] is False and mine["previewSeq"] == 4  # her own reply: read
    assert theirs["unread"] is True and theirs["lastMessagePreview"].startswith("Sorry about")

    admin.ok("read", {"ticketId": ticket_id, "seq": 4})
    assert row(admin)["unread"] is False and http_unread() is False
    assert row(agent)["unread"] is False


def test_reading_needs_a_ticket_the_reader_may_see(live_server, peers):
    agent = peers.agent(live_server)
    error = agent.error("read", {"ticketId": "nope", "seq": 1})
    assert error["code"] == "not_found"
    error = agent.error("read", {"ticketId": "x", "seq": "one"})
    assert (error["code"], error["details"]["field"]) == ("invalid", "seq")
