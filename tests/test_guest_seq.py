"""The guest-visible sequence (PROTOCOL.md §2, v1.1): in a ticket with private notes, a guest
sees 1, 2, 3, 4 without gaps on every door — live ``chat:message``, acks, ``ticket:join``
replay, the ticket's ``lastSeq``, ``read``, and the HTTP poll — while agents keep numbering
every message. Real python-socketio clients and HTTP against a live gevent server, on
SQLite, PostgreSQL and MongoDB."""

from __future__ import annotations

import uuid

import pytest
import requests

from support.ops import FailoverProxy, eventually, shared_redis  # noqa: F401 (fixture)
from support.socket_clients import WAIT, new_ticket, peers  # noqa: F401 (peers: fixture)

pytestmark = pytest.mark.slow  # each test starts a server process


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mongo", marks=pytest.mark.mongo),
    ]
)
def server(request, live_server_factory, tmp_path):
    """A live server with its tickets in SQLite, PostgreSQL or MongoDB."""
    if request.param == "mongo":
        return live_server_factory(MONGO_URI=request.getfixturevalue("mongo_uri"))
    if request.param == "postgres":
        return live_server_factory(request.getfixturevalue("postgres_url"))
    return live_server_factory(f"sqlite:///{tmp_path / 'seq.db'}")


def conversation_with_notes(server, peers):
    """A guest (socket, session ``s-seq``) and an agent in one ticket: guest, note, agent
    reply, note, note, guest, agent reply — agent seq 1..7, guest seq 1..4."""
    client_id = str(uuid.uuid4())
    guest = peers.guest(server, client_id)
    agent = peers.agent(server)
    first = new_ticket(guest, "Where is my order?", sessionId="s-seq")
    ticket_id = first["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.send(ticket_id, "VIP customer, be quick", kind="note")
    reply = agent.send(ticket_id, "Let me check.")
    agent.send(ticket_id, "Order 1234 is late", kind="note")
    agent.send(ticket_id, "Carrier says Monday", kind="note")
    follow_up = guest.send(ticket_id, "Thanks, any news?", clientMsgId="c-2")
    last = agent.send(ticket_id, "It arrives Monday.")
    guest.wait_for("chat:message", lambda m: m["id"] == last["id"])
    return guest, agent, client_id, ticket_id, [first["message"], reply, follow_up, last]


def test_a_guest_sees_1_2_3_4_on_every_door_and_agents_keep_every_number(server, peers):
    guest, agent, client_id, ticket_id, sent = conversation_with_notes(server, peers)
    ids = [m["id"] for m in sent]

    # Acks of the guest's own sends, in the guest sequence.
    assert (sent[0]["seq"], sent[2]["seq"]) == (1, 3)
    # Live: every message the guest may see, numbered without gaps; never a note.
    live = guest.received("chat:message")
    assert [(m["id"], m["seq"]) for m in live] == list(zip(ids, [1, 2, 3, 4], strict=True))
    assert {m["kind"] for m in live} == {"message"}

    # Replay: the latest page, everything after 0, and what follows guest seq 2.
    for since, expected in ((None, [1, 2, 3, 4]), (0, [1, 2, 3, 4]), (2, [3, 4]), (4, [])):
        joined = guest.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": since})
        assert [m["seq"] for m in joined["messages"]] == expected
        assert [m["id"] for m in joined["messages"]] == ids[4 - len(expected) :]
        assert joined["ticket"]["lastSeq"] == 4

    # HTTP: the poll speaks the same sequence, with ``lastSeq`` to continue from.
    poll = requests.get(
        f"{server.url}/api/chat",
        params={"sessionId": "s-seq", "since": 1},
        headers={"X-Client-Id": client_id},
        timeout=WAIT,
    ).json()
    assert [(m["id"], m["seq"]) for m in poll["messages"]] == list(
        zip(ids[1:], [2, 3, 4], strict=True)
    )
    assert poll["lastSeq"] == 4
    caught_up = requests.get(
        f"{server.url}/api/chat",
        params={"sessionId": "s-seq", "since": 4},
        headers={"X-Client-Id": client_id},
        timeout=WAIT,
    ).json()
    assert caught_up["messages"] == [] and caught_up["lastSeq"] == 4

    # Agents: all seven, notes included, in their own numbering.
    joined = agent.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": 0})
    assert [m["seq"] for m in joined["messages"]] == [1, 2, 3, 4, 5, 6, 7]
    assert [m["seq"] for m in joined["messages"] if m["id"] in ids] == [1, 3, 6, 7]
    assert joined["ticket"]["lastSeq"] == 7


def test_a_resent_message_comes_back_with_the_same_guest_seq(server, peers):
    guest, _agent, client_id, ticket_id, sent = conversation_with_notes(server, peers)
    again = guest.send(ticket_id, "Thanks, any news?", clientMsgId="c-2")
    assert (again["id"], again["seq"]) == (sent[2]["id"], 3)
    over_http = requests.post(
        f"{server.url}/api/chat",
        json={"clientId": client_id, "sessionId": "s-seq", "message": "x", "clientMsgId": "c-2"},
        timeout=WAIT,
    ).json()
    assert (over_http["message"]["id"], over_http["message"]["seq"]) == (sent[2]["id"], 3)
    # Nothing new was stored or broadcast: the next message is guest seq 5.
    assert guest.send(ticket_id, "One more thing")["seq"] == 5


def test_a_guest_who_reconnects_gets_exactly_what_it_missed(server, peers):
    guest, agent, client_id, ticket_id, _sent = conversation_with_notes(server, peers)
    guest.close()
    agent.send(ticket_id, "Still there?")
    agent.send(ticket_id, "Escalated to billing", kind="note")
    agent.send(ticket_id, "I will close this now.")
    back = peers.guest(server, client_id)
    replay = back.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": 4})
    assert [(m["seq"], m["text"]) for m in replay["messages"]] == [
        (5, "Still there?"),
        (6, "I will close this now."),
    ]


def test_reads_are_told_to_each_side_in_its_own_sequence(server, peers):
    guest, agent = peers.guest(server), peers.agent(server)
    ticket_id = new_ticket(guest, "Hello")["ticket"]["id"]  # seq 1, guest seq 1
    agent.ok("ticket:join", {"ticketId": ticket_id})  # with where the guest has read: 1
    agent.send(ticket_id, "Hi!")  # seq 2, guest seq 2
    agent.send(ticket_id, "Sounds like a refund", kind="note")  # seq 3
    answer = agent.send(ticket_id, "How can I help?")  # seq 4, guest seq 3
    guest.wait_for("chat:message", lambda m: m["id"] == answer["id"])

    # The guest reads in its sequence; agents hear where that is in theirs.
    guest.ok("read", {"ticketId": ticket_id, "seq": 2})
    assert agent.wait_for("read", lambda r: r["seq"] > 1) == {
        "ticketId": ticket_id,
        "role": "guest",
        "seq": 2,
    }
    guest.ok("read", {"ticketId": ticket_id, "seq": 3})
    assert agent.wait_for("read", lambda r: r["seq"] > 2)["seq"] == 4
    guest.wait_for("read", lambda r: r["seq"] == 3)
    assert [r["seq"] for r in guest.received("read")] == [2, 3]
    # Past its last message: read up to the last, which it already has — no news.
    guest.ok("read", {"ticketId": ticket_id, "seq": 99})

    question = guest.send(ticket_id, "I want a refund")  # seq 5, guest seq 4
    assert question["seq"] == 4
    agent.ok("read", {"ticketId": ticket_id, "seq": question["seq"] + 1})  # agent seq 5
    assert guest.wait_for("read", lambda r: r["role"] == "agent") == {
        "ticketId": ticket_id,
        "role": "agent",
        "seq": 4,
    }
    agent.wait_for("read", lambda r: r["role"] == "agent")
    assert [(r["role"], r["seq"]) for r in agent.received("read")] == [
        ("guest", 1),
        ("guest", 2),
        ("guest", 4),
        ("agent", 5),
    ]
    assert [(r["role"], r["seq"]) for r in guest.received("read")] == [
        ("guest", 2),
        ("guest", 3),
        ("agent", 4),
    ]


@pytest.mark.postgres
@pytest.mark.redis
def test_across_two_processes_and_a_sigkill_the_guest_sequence_holds(
    live_server_factory, postgres_url, shared_redis, peers
):
    a, b = (live_server_factory(postgres_url, **shared_redis) for _ in range(2))
    proxy = FailoverProxy([a.port, b.port])
    guest = peers.guest(proxy, reconnection=True)  # lands on A
    agent = peers.agent(b)
    ticket_id = new_ticket(guest, "Question")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.send(ticket_id, "Checking the account", kind="note")
    answer = agent.send(ticket_id, "Answer 1")  # seq 3, stored and broadcast by B
    assert guest.wait_for("chat:message", lambda m: m["id"] == answer["id"])["seq"] == 2
    assert answer["seq"] == 3

    a.kill()  # SIGKILL
    guest.wait_for("disconnect")
    agent.send(ticket_id, "Refund approved", kind="note")
    missed = agent.send(ticket_id, "Answer 2")  # seq 5
    eventually(lambda: len(guest.received("connect")) == 2, what="the guest reconnecting")
    resync = guest.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": 2})
    assert [(m["id"], m["seq"]) for m in resync["messages"]] == [(missed["id"], 3)]
    thanks = guest.send(ticket_id, "Thanks")
    assert thanks["seq"] == 4
    guest.wait_for("chat:message", lambda m: m["id"] == thanks["id"])
    assert [m["seq"] for m in guest.received("chat:message")] == [1, 2, 4]
    proxy.close()


def test_the_http_doors_answer_in_the_guest_sequence(client):
    """POST /api/chat answers and GET /api/chat polls (Flask's test client, SQLite and
    PostgreSQL), with agents writing notes in between."""
    from supportchat.context import current
    from supportchat.services import actors, messages

    guest = {"X-Client-Id": str(uuid.uuid4())}

    def say(text, **fields):
        body = {"sessionId": "s-http", "message": text, **fields}
        response = client.post("/api/chat", json=body, headers=guest)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def poll(since):
        return client.get(f"/api/chat?sessionId=s-http&since={since}", headers=guest).get_json()

    first = say("Hello")
    assert first["message"]["seq"] == 1
    with client.application.app_context():
        agent = actors.agent("a-1", "agent", "Ana")
        ctx = current()
        messages.write(ctx, agent, "Looks like fraud", ticket_id=first["ticketId"], kind="note")
        messages.write(ctx, agent, "Hi, one moment", ticket_id=first["ticketId"])
        messages.write(ctx, agent, "Card blocked", ticket_id=first["ticketId"], kind="note")
    second = say("OK", clientMsgId="ok-1")
    assert second["message"]["seq"] == 3  # the fifth message of the ticket
    assert say("OK", clientMsgId="ok-1")["message"] == second["message"]

    everything = poll(0)
    assert [(m["seq"], m["text"]) for m in everything["messages"]] == [
        (1, "Hello"),
        (2, "Hi, one moment"),
        (3, "OK"),
    ]
    assert everything["lastSeq"] == 3
    assert [m["seq"] for m in poll(1)["messages"]] == [2, 3]
    for since in (3, 7):  # 7: beyond the guest's last, never beyond what it was given
        assert poll(since)["messages"] == [] and poll(since)["lastSeq"] == 3
