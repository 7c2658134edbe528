"""Typing, read receipts, assignment and token expiry over Socket.IO (PROTOCOL.md §4)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from support.socket_clients import new_ticket, peers, refusal, server_app, sign_in, sign_out  # noqa: F401

pytestmark = pytest.mark.slow  # each test starts server processes


def test_typing_reaches_the_other_side_only_and_is_not_stored(live_server, peers):
    agent = peers.agent(live_server)
    colleague = peers.agent(live_server)
    guest = peers.guest(live_server)
    created = new_ticket(guest, "Hi")
    ticket_id = created["ticket"]["id"]
    for watcher in (agent, colleague):
        watcher.ok("ticket:join", {"ticketId": ticket_id})

    guest.ok("typing", {"ticketId": ticket_id, "typing": True})
    assert agent.wait_for("typing") == {
        "ticketId": ticket_id,
        "typing": True,
        "sender": {"role": "guest", "name": created["message"]["sender"]["name"]},
    }
    agent.ok("typing", {"ticketId": ticket_id, "typing": True})
    assert guest.wait_for("typing") == {
        "ticketId": ticket_id,
        "typing": True,
        "sender": {"role": "agent", "name": "Admin"},
    }

    # A message sent afterwards arrives after any typing relay would have: none came back.
    fence = agent.send(ticket_id, "fence")
    for peer in (guest, agent, colleague):
        peer.wait_for("chat:message", lambda m: m["id"] == fence["id"])
    assert [t["sender"]["role"] for t in guest.received("typing")] == ["agent"]
    assert [t["sender"]["role"] for t in agent.received("typing")] == ["guest"]
    assert [t["sender"]["role"] for t in colleague.received("typing")] == ["guest"]
    history = agent.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": 0})["messages"]
    assert [m["text"] for m in history] == ["Hi", "fence"]


def test_a_burst_of_typing_is_throttled_but_stopping_always_goes_through(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})

    started = time.monotonic()
    for _ in range(10):
        guest.ok("typing", {"ticketId": ticket_id, "typing": True})
    burst_seconds = time.monotonic() - started
    guest.ok("typing", {"ticketId": ticket_id, "typing": False})

    agent.wait_for("typing", lambda t: t["typing"] is False)
    relayed = [t["typing"] for t in agent.received("typing")]
    # At most one "typing" per 2 seconds: 1 for a burst under 2 s, 2 if the machine was slow.
    assert relayed[:-1] == [True] * len(relayed[:-1]) and relayed[-1] is False
    assert 1 <= len(relayed) - 1 <= 1 + int(burst_seconds // 2)


def test_typing_in_a_closed_ticket_is_refused(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    agent.ok("ticket:close", {"ticketId": ticket_id})
    error = guest.error("typing", {"ticketId": ticket_id, "typing": True})
    assert error["code"] == "ticket_closed"


def test_read_receipts_are_stored_and_announced(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest, "Hi")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    question = guest.send(ticket_id, "Is anyone there?")

    def inbox_entry() -> dict:
        return next(t for t in agent.ok("ticket:list")["tickets"] if t["id"] == ticket_id)

    assert inbox_entry()["unread"] is True
    agent.ok("read", {"ticketId": ticket_id, "seq": question["seq"]})
    receipt = {"ticketId": ticket_id, "role": "agent", "seq": question["seq"]}
    assert guest.wait_for("read") == receipt
    assert agent.wait_for("read", lambda r: r["role"] == "agent") == receipt
    assert agent.wait_for("ticket:updated", lambda t: t["unread"] is False)["id"] == ticket_id
    assert inbox_entry()["unread"] is False

    reply = agent.send(ticket_id, "Yes!")
    guest.ok("read", {"ticketId": ticket_id, "seq": reply["seq"]})
    assert agent.wait_for("read", lambda r: r["role"] == "guest" and r["seq"] > 1) == {
        "ticketId": ticket_id,
        "role": "guest",
        "seq": reply["seq"],
    }
    assert guest.ok("ticket:join", {"ticketId": ticket_id})["ticket"]["unread"] is False

    # An agent opening the ticket later (a reload) hears at once how far the customer has read.
    later = peers.agent(live_server)
    later.ok("ticket:join", {"ticketId": ticket_id})
    assert later.received("read") == [{"ticketId": ticket_id, "role": "guest", "seq": reply["seq"]}]


def test_a_customer_joining_again_hears_how_far_the_agents_have_read(live_server, peers):
    client_id = str(uuid.uuid4())
    guest = peers.guest(live_server, client_id)
    ticket_id = new_ticket(guest, "Hi")["ticket"]["id"]
    agent = peers.agent(live_server)
    agent.ok("ticket:join", {"ticketId": ticket_id})
    assert guest.ok("ticket:join", {"ticketId": ticket_id}) and guest.received("read") == []
    agent.send(ticket_id, "VIP customer", kind="note")  # agents' seq 2, never the customer's
    question = guest.send(ticket_id, "Are you there?")  # the customer's seq 2, the agents' 3
    agent.ok("read", {"ticketId": ticket_id, "seq": 3})

    again = peers.guest(live_server, client_id)  # the customer reloads the page
    again.ok("ticket:join", {"ticketId": ticket_id})
    told = {"ticketId": ticket_id, "role": "agent", "seq": question["seq"]}
    assert question["seq"] == 2 and again.received("read") == [told]


def test_a_read_receipt_never_goes_beyond_the_last_message(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest, "Hi")["ticket"]["id"]
    guest_message = guest.send(ticket_id, "Second")
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.ok("read", {"ticketId": ticket_id, "seq": 999})
    assert guest.wait_for("read")["seq"] == guest_message["seq"]
    later = guest.send(ticket_id, "Third")
    entry = next(t for t in agent.ok("ticket:list")["tickets"] if t["id"] == ticket_id)
    assert entry["lastSeq"] == later["seq"] and entry["unread"] is True


def test_agents_take_and_release_tickets_and_everyone_sees_the_assignee(live_server, peers):
    ana = peers.agent(live_server)
    colleague = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]

    taken = ana.ok("ticket:assign", {"ticketId": ticket_id, "agentId": ana.user["id"]})["ticket"]
    me = {"id": ana.user["id"], "name": "Admin"}
    assert taken["assignee"] == me
    assert colleague.wait_for("ticket:updated", lambda t: t["assignee"] == me)["id"] == ticket_id
    assert guest.wait_for("ticket:updated")["assignee"] == me
    mine = ana.ok("ticket:list", {"assigned": "me"})["tickets"]
    assert [(t["id"], t["assignee"]) for t in mine] == [(ticket_id, me)]

    released = ana.ok("ticket:assign", {"ticketId": ticket_id, "agentId": None})["ticket"]
    assert released["assignee"] is None
    assert colleague.wait_for("ticket:updated", lambda t: t["assignee"] is None)
    assert [t["id"] for t in ana.ok("ticket:list", {"assigned": "none"})["tickets"]] == [ticket_id]


def test_only_admins_assign_tickets_to_someone_else(live_server, peers, server_app):
    accounts = server_app(live_server)
    ana = accounts.add_agent("ana@example.com", "Ana")
    bob = accounts.add_agent("bob@example.com", "Bob")
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    as_ana = peers.agent(live_server, sign_in(live_server, ana["email"], ana["password"]))

    error = as_ana.error("ticket:assign", {"ticketId": ticket_id, "agentId": bob["id"]})
    assert error["code"] == "forbidden"
    admin = peers.agent(live_server)
    given = admin.ok("ticket:assign", {"ticketId": ticket_id, "agentId": bob["id"]})["ticket"]
    assert given["assignee"] == {"id": bob["id"], "name": "Bob"}
    assert as_ana.wait_for("ticket:updated")["assignee"] == {"id": bob["id"], "name": "Bob"}
    unknown = admin.error("ticket:assign", {"ticketId": ticket_id, "agentId": "nobody"})
    assert unknown["code"] == "not_found"


def test_the_server_disconnects_an_agent_whose_token_expires(live_server, peers, server_app):
    accounts = server_app(live_server)
    ana = accounts.add_agent("ana@example.com", "Ana")
    short_lived = accounts.token(ana, timedelta(seconds=3))
    agent = peers.agent(live_server, token=short_lived)
    assert agent.ok("ticket:list")["tickets"] == []

    agent.wait_for("disconnect", timeout=20)
    assert not agent.connected
    # Reconnecting with the expired token is refused; a fresh token gets back in.
    assert refusal(live_server.url, "/agent", auth={"token": short_lived})["code"] == "unauthorized"
    fresh = peers.agent(live_server, token=accounts.token(ana, timedelta(minutes=5)))
    assert fresh.ok("ticket:list")["ok"]


def test_signing_out_disconnects_the_agents_open_sockets(live_server, peers):
    session = sign_in(live_server)
    agent = peers.agent(live_server, session)
    assert agent.ok("ticket:list")["ok"]

    sign_out(live_server, session)
    agent.wait_for("disconnect", timeout=25)  # revocation is checked every 10 s
    assert not agent.connected
