"""Tags, search and assignment over Socket.IO (PROTOCOL.md §4 ``ticket:label``,
``ticket:list`` filters, ``ticket:assign``): a live gevent server, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from support.socket_clients import (  # noqa: F401 (peers, server_app: fixtures)
    new_ticket,
    peers,
    server_app,
    sign_in,
)

pytestmark = pytest.mark.slow  # each test starts a server process


def test_agents_label_tickets_filter_and_search_and_hear_the_change(live_server, peers):
    admin = peers.agent(live_server)
    watcher = peers.agent(live_server)
    guest = peers.guest(live_server)
    billing = new_ticket(guest, "The invoice total is wrong")["ticket"]["id"]
    other = new_ticket(peers.guest(live_server), "Cannot log in")["ticket"]["id"]

    ack = admin.ok("ticket:label", {"ticketId": billing, "labels": ["Billing", "vip", "vip"]})
    assert ack["ticket"]["labels"] == ["billing", "vip"]
    heard = watcher.wait_for("ticket:updated", lambda t: t["id"] == billing and t["labels"])
    assert heard["labels"] == ["billing", "vip"]
    guest_view = guest.wait_for("ticket:updated", lambda t: t["id"] == billing)
    assert guest_view["labels"] == []  # tags are the agents' own

    listed = admin.ok("ticket:list", {"label": "billing"})["tickets"]
    assert [t["id"] for t in listed] == [billing]
    found = admin.ok("ticket:list", {"q": "invoice", "status": "all"})["tickets"]
    assert [t["id"] for t in found] == [billing]
    assert found[0]["match"] == {"seq": 1, "snippet": "The invoice total is wrong"}
    assert admin.ok("ticket:list", {"q": "log"})["tickets"][0]["id"] == other
    admin.ok("ticket:label", {"ticketId": billing, "labels": []})
    assert admin.ok("ticket:list", {"label": "billing"})["tickets"] == []


def test_bad_labels_and_searches_are_refused_and_change_nothing(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest, "hello")["ticket"]["id"]
    agent.ok("ticket:label", {"ticketId": ticket_id, "labels": ["kept"]})
    for payload, field in (
        ({"ticketId": ticket_id, "labels": ["has space"]}, "labels.0"),
        ({"ticketId": ticket_id, "labels": ["x" * 33]}, "labels.0"),
        ({"ticketId": ticket_id, "labels": [f"l{n}" for n in range(21)]}, "labels"),
        ({"ticketId": ticket_id, "labels": "billing"}, "labels"),
        ({"ticketId": ticket_id, "labels": [7]}, "labels.0"),
        ({"ticketId": ticket_id}, "labels"),
    ):
        error = agent.error("ticket:label", payload)
        assert (error["code"], error["details"]["field"]) == ("invalid", field), payload
    assert agent.error("ticket:label", {"ticketId": "nope", "labels": []})["code"] == "not_found"
    assert guest.error("ticket:label", {"ticketId": ticket_id, "labels": ["x"]})["code"] == (
        "forbidden"
    )
    for q in ("", "x" * 201, "!!"):
        error = agent.error("ticket:list", {"q": q})
        assert (error["code"], error["details"]["field"]) == ("invalid", "q"), q
    assert agent.ok("ticket:list", {"label": "kept"})["tickets"][0]["labels"] == ["kept"]


def test_assignment_writes_an_event_line_and_agents_only_take_or_release(
    live_server, peers, server_app
):
    ana = server_app(live_server).add_agent("ana@example.com", "Ana")
    bo = server_app(live_server).add_agent("bo@example.com", "Bo")
    admin = peers.agent(live_server)
    agent = peers.agent(live_server, sign_in(live_server, ana["email"], ana["password"]))
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest, "help")["ticket"]["id"]
    admin.ok("ticket:join", {"ticketId": ticket_id})
    guest_heard = len(guest.received("chat:message"))

    assigned = admin.ok("ticket:assign", {"ticketId": ticket_id, "agentId": ana["id"]})["ticket"]
    assert assigned["assignee"] == {"id": ana["id"], "name": "Ana"}
    line = admin.wait_for("chat:message", lambda m: m["kind"] == "event")
    assert line["text"] == "Assigned to Ana by Admin" and line["sender"]["role"] == "system"

    refused = agent.error("ticket:assign", {"ticketId": ticket_id, "agentId": bo["id"]})
    assert refused["code"] == "forbidden"
    agent.ok("ticket:assign", {"ticketId": ticket_id, "agentId": None})
    agent.ok("ticket:assign", {"ticketId": ticket_id, "agentId": ana["id"]})
    agent.ok("ticket:assign", {"ticketId": ticket_id, "agentId": ana["id"]})  # no change, no line
    history = admin.ok("ticket:join", {"ticketId": ticket_id})["messages"]
    assert [m["text"] for m in history if m["kind"] == "event"] == [
        "Assigned to Ana by Admin",
        "Unassigned by Ana",
        "Ana took this conversation",
    ]
    row = admin.ok("ticket:list")["tickets"][0]
    assert row["lastMessagePreview"] == "help" and row["unread"] is True
    guest.wait_for("chat:message", lambda m: m["text"] == "Ana took this conversation")
    assert len(guest.received("chat:message")) == guest_heard + 3


@pytest.mark.mongo
def test_labels_and_search_on_mongodb(live_server_factory, mongo_uri, peers):
    server = live_server_factory(MONGO_URI=mongo_uri)
    agent = peers.agent(server)
    guest = peers.guest(server)
    parcel = new_ticket(guest, "Where is my parcel?")["ticket"]["id"]
    new_ticket(peers.guest(server), "Reset my password")
    agent.send(parcel, "Checking the parcel now", kind="note")
    agent.ok("ticket:label", {"ticketId": parcel, "labels": ["shipping"]})
    found = agent.ok("ticket:list", {"q": "parcel", "label": "shipping"})["tickets"]
    assert [t["id"] for t in found] == [parcel]
    assert found[0]["match"] == {"seq": 2, "snippet": "Checking the parcel now"}
    assert agent.ok("ticket:list", {"q": "parcel password"})["tickets"] == []
