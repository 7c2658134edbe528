"""Can a customer and agents chat over Socket.IO from sign-in to a closed ticket?
(PROTOCOL.md §4, live gevent server, SQLite and PostgreSQL.)"""

from __future__ import annotations

import time
import uuid

import pytest

from support.socket_clients import new_ticket, open_peer, peers, sign_in  # noqa: F401 (peers: fixture)
from supportchat.services.inbox import INTERVAL

pytestmark = pytest.mark.slow  # each test starts server processes


def test_guest_and_agent_chat_from_sign_in_to_close_and_the_guest_starts_again(live_server, peers):
    agent = peers.agent(live_server, sign_in(live_server))
    guest = peers.guest(live_server, transports=("polling",))

    created = new_ticket(guest, "My order never arrived")
    ticket_id = created["ticket"]["id"]
    assert created["ticket"]["status"] == "open"
    assert created["message"]["seq"] == 1 and created["message"]["sender"]["role"] == "guest"

    assert [t["id"] for t in agent.ok("ticket:list")["tickets"]] == [ticket_id]
    joined = agent.ok("ticket:join", {"ticketId": ticket_id})
    assert [m["text"] for m in joined["messages"]] == ["My order never arrived"]

    reply = agent.send(ticket_id, "Sorry! Let me check.")
    assert reply["sender"]["role"] == "agent" and reply["sender"]["name"] == "Admin"
    assert guest.wait_for("chat:message", lambda m: m["id"] == reply["id"]) == reply
    follow_up = guest.send(ticket_id, "It is order 1234.")
    assert agent.wait_for("chat:message", lambda m: m["id"] == follow_up["id"])["seq"] == 3

    closed = agent.ok("ticket:close", {"ticketId": ticket_id})["ticket"]
    assert closed["status"] == "closed" and closed["closedAt"]
    assert guest.wait_for("ticket:closed") == {
        "ticketId": ticket_id,
        "closedAt": closed["closedAt"],
        "closedBy": {"id": reply["sender"]["id"], "role": "agent", "name": "Admin"},
    }
    refused = guest.error("chat:message", {"ticketId": ticket_id, "text": "Hello?"})
    assert refused["code"] == "ticket_closed"

    again = new_ticket(guest, "One more question")
    assert again["ticket"]["id"] != ticket_id and again["message"]["seq"] == 1


def test_agents_hear_of_new_tickets_and_of_every_change(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)

    ticket = new_ticket(
        guest, "Hi", userIdentifier={"email": "jane@example.com"}, metadata={"plan": "pro"}
    )["ticket"]
    created = agent.wait_for("ticket:created")
    assert created["id"] == ticket["id"]
    assert created["customer"]["userIdentifier"] == {"email": "jane@example.com"}
    assert created["customer"]["metadata"] == {"plan": "pro"}

    message = guest.send(ticket["id"], "Are you there?")
    digest = agent.wait_for(
        "inbox:updated",
        lambda d: any(
            (row["id"], row["lastSeq"]) == (ticket["id"], message["seq"])
            for row in d["conversations"]
        ),
    )
    (row,) = (row for row in digest["conversations"] if row["id"] == ticket["id"])
    assert row["lastMessagePreview"] == "Are you there?" and row["unread"] is True

    agent.ok("ticket:close", {"ticketId": ticket["id"]})
    assert agent.wait_for("ticket:updated", lambda t: t["status"] == "closed")["id"] == ticket["id"]


def test_a_burst_of_messages_updates_the_inbox_at_most_once_a_second_ending_with_the_latest(
    live_server, peers
):
    agent = peers.agent(live_server)  # looking at the inbox, not at the ticket
    guest = peers.guest(live_server)
    ticket = new_ticket(guest)["ticket"]

    started = time.monotonic()
    sent = [guest.send(ticket["id"], f"Line {n}") for n in range(1, 9)]  # within the rate limit
    latest = agent.wait_for(
        "inbox:updated",
        lambda d: any(row["lastSeq"] == sent[-1]["seq"] for row in d["conversations"]),
    )["conversations"]
    seconds = time.monotonic() - started
    assert [(row["lastMessagePreview"], row["unread"]) for row in latest] == [("Line 8", True)]
    # One digest per INTERVAL, not a frame per message: however slow this machine sent the
    # eight, no more digests than the seconds it took, plus the one that started the first.
    assert 1 <= len(agent.received("inbox:updated")) <= int(seconds / INTERVAL) + 1
    assert agent.received("ticket:updated") == []


def test_guests_hear_ticket_changes_without_customer_details(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    created = new_ticket(
        guest, "Hi", userIdentifier={"email": "jane@example.com"}, metadata={"plan": "pro"}
    )
    ticket_id = created["ticket"]["id"]
    assert created["ticket"]["customer"] == {"label": "jane@example.com", "verified": False}

    agent.ok("ticket:assign", {"ticketId": ticket_id, "agentId": agent.user["id"]})
    update = guest.wait_for("ticket:updated")
    assert update["assignee"] == {"id": agent.user["id"], "name": "Admin"}
    assert update["customer"] == {"label": "jane@example.com", "verified": False}
    agent.ok("ticket:close", {"ticketId": ticket_id})
    closed = guest.wait_for("ticket:updated", lambda t: t["status"] == "closed")
    assert closed["customer"] == {"label": "jane@example.com", "verified": False}


def test_a_returning_guest_gets_its_open_ticket_back_by_session_and_hears_replies(
    live_server, peers
):
    client_id = str(uuid.uuid4())
    agent = peers.agent(live_server)
    first = peers.guest(live_server, client_id)
    ticket = new_ticket(first, "Hi", sessionId="chat-42")["ticket"]
    first.close()

    back = peers.guest(live_server, client_id)
    again = back.ok("ticket:create", {"sessionId": "chat-42", "text": "Me again"})
    assert again["ticket"]["id"] == ticket["id"] and again["message"]["seq"] == 2
    reply = agent.send(ticket["id"], "Welcome back")
    assert back.wait_for("chat:message", lambda m: m["id"] == reply["id"])["text"] == "Welcome back"
    assert [t["id"] for t in agent.received("ticket:created")] == [ticket["id"]]


def test_a_guest_without_a_client_id_is_given_one_that_owns_its_tickets(live_server, peers):
    anonymous = peers.guest(live_server, client_id="")
    client_id = anonymous.wait_for("session")["clientId"]
    assert uuid.UUID(client_id).version == 4
    ticket = new_ticket(anonymous)["ticket"]

    returning = peers.guest(live_server, client_id)
    assert returning.ok("ticket:join", {"ticketId": ticket["id"]})["ticket"]["id"] == ticket["id"]
    assert returning.received("session") == []


def test_a_guest_is_known_by_auth_header_cookie_or_query_alike(live_server, peers):
    client_id = str(uuid.uuid4())
    ticket = new_ticket(peers.guest(live_server, client_id))["ticket"]
    carriers = [
        {"headers": {"X-Client-Id": client_id}},
        {"headers": {"Cookie": f"cs_client_id={client_id}"}},
    ]
    for options in carriers:
        guest = peers.guest(live_server, client_id="", **options)
        assert guest.ok("ticket:join", {"ticketId": ticket["id"]})["ticket"]["id"] == ticket["id"]
    by_query = open_peer(f"{live_server.url}?clientId={client_id}", "/guest")
    try:
        assert by_query.ok("ticket:join", {"ticketId": ticket["id"]})["ok"]
    finally:
        by_query.close()


def test_an_agent_who_leaves_the_room_stops_hearing_its_messages(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket = new_ticket(guest)["ticket"]
    agent.ok("ticket:join", {"ticketId": ticket["id"]})
    agent.ok("room:leave", {"ticketId": ticket["id"]})

    message = guest.send(ticket["id"], "Anyone?")
    # The inbox digest goes out after the room's chat:message: once it is here, so would that be.
    agent.wait_for(
        "inbox:updated",
        lambda d: any(row["lastSeq"] == message["seq"] for row in d["conversations"]),
    )
    assert agent.received("chat:message") == []


def test_the_inbox_lists_open_tickets_newest_activity_first(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    first, second, third = (new_ticket(guest, f"ticket {n}")["ticket"]["id"] for n in range(3))
    guest.send(first, "bump")
    agent.ok("ticket:close", {"ticketId": second})

    assert [t["id"] for t in agent.ok("ticket:list")["tickets"]] == [first, third]
    page = agent.ok("ticket:list", {"status": "all", "limit": 2})
    assert [t["id"] for t in page["tickets"]] == [first, third]
    rest = agent.ok("ticket:list", {"status": "all", "limit": 2, "cursor": page["nextCursor"]})
    assert [t["id"] for t in rest["tickets"]] == [second] and rest["nextCursor"] is None
    closed = agent.ok("ticket:list", {"status": "closed"})["tickets"]
    assert [t["id"] for t in closed] == [second]
