"""Do agents' inboxes follow messages through ``inbox:updated`` digests (PROTOCOL.md §4, v1.1):
every changed row with its ``lastSeq``, no frame per message, at most INBOX_DIGEST_ROWS rows a
frame, across processes, on SQLite, PostgreSQL and MongoDB?"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from support.ops import shared_redis  # noqa: F401 (fixture)
from support.socket_clients import ADMIN, WAIT, Peer, new_ticket, peers  # noqa: F401 (peers: fixture)

pytestmark = pytest.mark.slow  # each test starts server processes

ROW_FIELDS = {
    "id",
    "title",
    "participantLabel",
    "lastMessageAt",
    "lastMessagePreview",
    "unread",
    "status",
    "assignee",
    "labels",
    "waitingSince",
    "previewSeq",
    "lastSeq",
}


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mongo", marks=pytest.mark.mongo),
    ]
)
def start_server(request, live_server_factory):
    """``start(**overrides)``: a live server keeping tickets in SQLite, PostgreSQL or MongoDB."""

    def start(**overrides):
        if request.param == "postgres":
            return live_server_factory(request.getfixturevalue("postgres_url"), **overrides)
        if request.param == "mongo":
            return live_server_factory(MONGO_URI=request.getfixturevalue("mongo_uri"), **overrides)
        return live_server_factory(**overrides)

    return start


def admin_headers(server) -> dict[str, str]:
    token = requests.post(server.url + "/api/admin/auth/token", json=ADMIN, timeout=WAIT).json()[
        "accessToken"
    ]
    return {"Authorization": f"Bearer {token}"}


def rows(agent: Peer) -> list[dict[str, Any]]:
    """Every inbox row the agent received, oldest first."""
    return [row for digest in agent.received("inbox:updated") for row in digest["conversations"]]


def wait_for_rows(agent: Peer, last_seqs: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Wait until a digest has brought each ticket's row at its ``lastSeq``; those rows."""

    def arrived(_digest: Any) -> bool:
        seen = {(row["id"], row["lastSeq"]) for row in rows(agent)}
        return all(item in seen for item in last_seqs.items())

    agent.wait_for("inbox:updated", arrived)
    return {row["id"]: row for row in rows(agent) if row["lastSeq"] == last_seqs.get(row["id"])}


def test_an_agent_gets_every_changed_row_of_a_burst_in_digests_not_per_message(start_server, peers):
    server = start_server(MESSAGE_RATE_LIMIT="off")
    agent = peers.agent(server)  # looking at the inbox, in no ticket's room
    guest = peers.guest(server)
    tickets = [new_ticket(guest, f"Ticket {n}")["ticket"]["id"] for n in range(4)]
    sent = [
        guest.send(ticket_id, f"Ticket {n} line {line}")
        for line in (2, 3)
        for n, ticket_id in enumerate(tickets)
    ]

    latest = wait_for_rows(agent, {ticket_id: 3 for ticket_id in tickets})
    assert {
        ticket_id: (row["lastMessagePreview"], row["unread"]) for ticket_id, row in latest.items()
    } == {ticket_id: (f"Ticket {n} line 3", True) for n, ticket_id in enumerate(tickets)}
    # The same row as the inbox page shows, with the ticket's lastSeq.
    page = requests.get(
        server.url + "/api/conversations", headers=admin_headers(server), timeout=WAIT
    ).json()["conversations"]
    assert {row["id"]: {**row, "lastSeq": 3} for row in page} == latest
    assert all(set(row) == ROW_FIELDS for row in rows(agent))
    digests = agent.received("inbox:updated")
    assert all(
        len({row["id"] for row in d["conversations"]}) == len(d["conversations"]) for d in digests
    )  # a ticket at most once a frame, at its latest
    assert len(digests) < len(sent)
    assert agent.received("ticket:updated") == []


def test_more_changed_rows_than_a_frame_holds_come_in_several_frames(start_server, peers):
    server = start_server(MESSAGE_RATE_LIMIT="off", INBOX_DIGEST_ROWS="2")
    agent = peers.agent(server)
    guest = peers.guest(server)
    # Opened without a message: no inbox change yet. Then one message each, in one burst.
    tickets = [guest.ok("ticket:create", {})["ticket"]["id"] for _ in range(7)]
    for ticket_id in tickets:
        guest.send(ticket_id, "Hello")

    wait_for_rows(agent, {ticket_id: 1 for ticket_id in tickets})
    sizes = [len(digest["conversations"]) for digest in agent.received("inbox:updated")]
    assert sum(sizes) == 7 and max(sizes) == 2


def test_a_bot_acknowledgement_leaves_the_customers_question_unread_in_the_inbox(
    start_server, peers
):
    server = start_server()
    headers = admin_headers(server)
    changed = requests.put(
        server.url + "/api/admin/settings",
        headers=headers,
        timeout=WAIT,
        json={"behavior": {"autoReply": "Thanks! We will be right with you."}},
    )
    assert changed.status_code == 200, changed.text
    agent = peers.agent(server)
    guest = peers.guest(server)

    created = new_ticket(guest, "My parcel arrived damaged")
    ticket_id = created["ticket"]["id"]
    ack = guest.wait_for("chat:message", lambda m: m["sender"]["role"] == "bot")
    assert ack["text"] == "Thanks! We will be right with you." and ack["seq"] == 2

    row = wait_for_rows(agent, {ticket_id: 2})[ticket_id]
    assert (row["lastMessagePreview"], row["unread"]) == ("My parcel arrived damaged", True)
    (listed,) = requests.get(
        server.url + "/api/conversations", headers=headers, timeout=WAIT
    ).json()["conversations"]
    assert (listed["lastMessagePreview"], listed["unread"]) == ("My parcel arrived damaged", True)
    assert listed["lastMessageAt"] == ack["createdAt"]  # the bot's reply is still activity


def test_closing_assigning_and_reading_still_announce_at_once(start_server, peers):
    server = start_server()
    agent = peers.agent(server)
    ticket_id = new_ticket(peers.guest(server), "Hi")["ticket"]["id"]
    wait_for_rows(agent, {ticket_id: 1})

    agent.ok("read", {"ticketId": ticket_id, "seq": 1})
    assert agent.wait_for("ticket:updated", lambda t: t["unread"] is False)["id"] == ticket_id
    agent.ok("ticket:assign", {"ticketId": ticket_id, "agentId": agent.user["id"]})
    agent.wait_for("ticket:updated", lambda t: t["assignee"] is not None)
    agent.ok("ticket:close", {"ticketId": ticket_id})
    agent.wait_for("ticket:updated", lambda t: t["status"] == "closed")
    assert len(agent.received("inbox:updated")) == 1  # none of these is a message


@pytest.mark.postgres
@pytest.mark.redis
def test_each_process_sends_digests_of_its_own_messages_to_agents_on_every_process(
    live_server_factory, postgres_url, shared_redis, peers
):  # noqa: F811
    a, b = (
        live_server_factory(postgres_url, MESSAGE_RATE_LIMIT="off", **shared_redis)
        for _ in range(2)
    )
    on_a, on_b = peers.agent(a), peers.agent(b)
    from_a = new_ticket(peers.guest(a), "Written through A")["ticket"]["id"]
    from_b = new_ticket(peers.guest(b), "Written through B")["ticket"]["id"]

    for agent in (on_a, on_b):
        latest = wait_for_rows(agent, {from_a: 1, from_b: 1})
        assert {row["lastMessagePreview"] for row in latest.values()} == {
            "Written through A",
            "Written through B",
        }
        # Each process sends only the rows of its own messages: never both in one frame.
        assert all(len(digest["conversations"]) == 1 for digest in agent.received("inbox:updated"))
