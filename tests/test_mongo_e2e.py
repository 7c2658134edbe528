"""Does the whole product work with tickets in MongoDB? (a live ``supportchat serve`` with
MONGO_URI set; agents and settings stay in SQL)."""

from __future__ import annotations

import uuid

import pytest
import requests
from pymongo import MongoClient

from support.socket_clients import ADMIN, WAIT, new_ticket, peers, sign_in  # noqa: F401 (peers: fixture)

pytestmark = [pytest.mark.mongo, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory, mongo_uri):
    """A live server keeping tickets in a fresh MongoDB database."""
    return live_server_factory(MONGO_URI=mongo_uri)


def stored_ticket(mongo_uri: str, ticket_id: str) -> dict | None:
    """The ticket's document, read straight from MongoDB."""
    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        return client.get_default_database().tickets.find_one({"_id": ticket_id})
    finally:
        client.close()


def test_guest_and_agent_chat_from_first_message_to_close_with_tickets_in_mongodb(
    server, peers, mongo_uri
):
    agent = peers.agent(server, sign_in(server))
    guest = peers.guest(server)

    created = new_ticket(guest, "My order never arrived")
    ticket_id = created["ticket"]["id"]
    assert created["message"]["seq"] == 1

    assert [t["id"] for t in agent.ok("ticket:list")["tickets"]] == [ticket_id]
    joined = agent.ok("ticket:join", {"ticketId": ticket_id})
    assert [m["text"] for m in joined["messages"]] == ["My order never arrived"]

    reply = agent.send(ticket_id, "Sorry! Let me check.")
    assert reply["seq"] == 2
    assert guest.wait_for("chat:message", lambda m: m["id"] == reply["id"]) == reply

    closed = agent.ok("ticket:close", {"ticketId": ticket_id})["ticket"]
    assert guest.wait_for("ticket:closed")["closedAt"] == closed["closedAt"]
    assert (
        guest.error("chat:message", {"ticketId": ticket_id, "text": "Hello?"})["code"]
        == "ticket_closed"
    )

    document = stored_ticket(mongo_uri, ticket_id)
    assert (document["status"], document["lastSeq"]) == ("closed", 2)


def test_a_guest_that_rejoins_since_a_seq_gets_exactly_what_it_missed(server, peers):
    client_id = str(uuid.uuid4())
    guest = peers.guest(server, client_id)
    agent = peers.agent(server)
    ticket_id = new_ticket(guest, "Hello")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    first = agent.send(ticket_id, "reply 2")
    guest.wait_for("chat:message", lambda m: m["id"] == first["id"])
    guest.close()

    missed = [agent.send(ticket_id, f"reply {n}") for n in (3, 4, 5)]
    back = peers.guest(server, client_id)
    joined = back.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": 2})
    assert joined["messages"] == missed
    assert [m["seq"] for m in joined["messages"]] == [3, 4, 5]


def test_a_retried_send_returns_the_stored_message_and_is_broadcast_once(server, peers):
    guest = peers.guest(server)
    agent = peers.agent(server)
    ticket_id = new_ticket(guest, "Hello")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})

    first = guest.send(ticket_id, "Where is my parcel?", clientMsgId="retry-1")
    again = guest.send(ticket_id, "Where is my parcel?", clientMsgId="retry-1")
    assert (again["id"], again["seq"]) == (first["id"], first["seq"])

    # Broadcasts to one room arrive in order: once the next message is in, a second
    # broadcast of the retried one would have arrived before it.
    after = guest.send(ticket_id, "Order 1234")
    agent.wait_for("chat:message", lambda m: m["id"] == after["id"])
    assert [m["id"] for m in agent.received("chat:message")].count(first["id"]) == 1
    assert after["seq"] == first["seq"] + 1


def test_the_widgets_http_api_and_agent_history_work_with_tickets_in_mongodb(server, mongo_uri):
    client_id, http = str(uuid.uuid4()), requests.Session()
    uploaded = http.post(
        server.url + "/api/chat/upload",
        timeout=WAIT,
        data={"sessionId": "s-1", "clientId": client_id},
        files={"file": ("order.txt", b"order 1234", "text/plain")},
    )
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["file"]["id"]

    def say(text: str, **fields) -> dict:
        response = http.post(
            server.url + "/api/chat",
            timeout=WAIT,
            json={"clientId": client_id, "sessionId": "s-1", "message": text, **fields},
        )
        assert response.status_code == 200, response.text
        return response.json()

    first = say("Here is my order", clientMsgId="h-1", attachments=[file_id])
    retried = say("Here is my order", clientMsgId="h-1", attachments=[file_id])
    assert (retried["message"]["id"], retried["message"]["seq"]) == (first["message"]["id"], 1)
    assert [item["name"] for item in first["message"]["attachments"]] == ["order.txt"]
    polled = http.get(
        server.url + "/api/chat",
        timeout=WAIT,
        headers={"X-Client-Id": client_id},
        params={"sessionId": "s-1", "since": 0},
    ).json()
    assert [m["id"] for m in polled["messages"]] == [first["message"]["id"]]

    token = http.post(server.url + "/api/admin/auth/token", json=ADMIN, timeout=WAIT).json()[
        "accessToken"
    ]
    bearer = {"Authorization": f"Bearer {token}"}
    inbox = http.get(server.url + "/api/conversations", headers=bearer, timeout=WAIT).json()
    assert [c["id"] for c in inbox["conversations"]] == [first["ticketId"]]
    history = http.get(
        server.url + "/api/admin/messages",
        headers=bearer,
        timeout=WAIT,
        params={"conversationId": first["ticketId"]},
    ).json()
    assert [m["id"] for m in history["messages"]] == [first["message"]["id"]]

    client = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        assert client.get_default_database().files.find_one({"_id": file_id})["name"] == "order.txt"
    finally:
        client.close()


def test_readiness_reports_mongodb_over_http(server):
    response = requests.get(server.url + "/readyz", timeout=WAIT)
    assert response.status_code == 200
    assert response.json()["checks"]["mongo"] == "ok"


def test_agent_pages_work_with_tickets_in_mongodb(server):
    session = sign_in(server)
    assert session.get(server.url + "/agent/dashboard", timeout=WAIT).status_code == 200
