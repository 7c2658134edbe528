"""The inbox's "waiting longest" order (``sort=waiting``, PROTOCOL.md §3.6): only tickets
whose customer waits for an agent, the oldest wait first, in keyset pages that hold still while
customers write in; over HTTP on SQLite, PostgreSQL and MongoDB, and over Socket.IO, where a
customer handed over by the AI bot waits from their first unanswered message."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import pytest
from test_ai_replies import ai_server, is_handoff, provider  # noqa: F401 (fixtures)

from support.apps import base_config, make_app
from support.http import sign_in
from support.socket_clients import new_ticket, peers  # noqa: F401 (peers: a fixture)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mongo", marks=pytest.mark.mongo),
    ]
)
def client(request, tmp_path):
    """Flask's test client of an app on SQLite, PostgreSQL and MongoDB."""
    database_url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'test.db'}"
    )
    mongo = {"MONGO_URI": request.getfixturevalue("mongo_uri")} if request.param == "mongo" else {}
    app = make_app(base_config(tmp_path / "instance", database_url, **mongo))
    yield app.test_client()
    from supportchat.extensions import db

    with app.app_context():
        db.engine.dispose()
        if mongo:
            app.extensions["supportchat.store"].close()


@pytest.fixture
def agent(client):
    return sign_in(client, "agent")


@dataclass
class Customer:
    client: object
    client_id: str
    session_id: str
    ticket_id: str = ""

    def write(self, text: str) -> str:
        response = self.client.post(
            "/api/chat",
            json={"clientId": self.client_id, "sessionId": self.session_id, "message": text},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        self.ticket_id = response.get_json()["ticketId"]
        time.sleep(0.003)  # the stores keep milliseconds: each wait starts at its own moment
        return self.ticket_id


def customer(client, text: str = "Hello, I need help") -> Customer:
    """A new customer who has written ``text``."""
    who = Customer(client, str(uuid.uuid4()), uuid.uuid4().hex)
    who.write(text)
    return who


def as_agent(client, agent, action, *args, **kwargs):
    """Run a service as the signed-in agent, inside the app."""
    from supportchat.context import current
    from supportchat.services import actors

    with client.application.app_context():
        return action(current(), actors.agent(agent.id, "agent", "Ana"), *args, **kwargs)


def answer(client, agent, ticket_id: str, text: str = "On it", kind: str = "message") -> None:
    from supportchat.services import messages

    as_agent(client, agent, messages.write, text, ticket_id=ticket_id, kind=kind)


def page(client, agent, **params) -> dict:
    response = client.get("/api/conversations", headers=agent.headers, query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def waiting(client, agent, **params) -> list[str]:
    return [row["id"] for row in page(client, agent, sort="waiting", **params)["conversations"]]


def test_waiting_longest_lists_the_waiting_tickets_oldest_wait_first(client, agent):
    first, second, third = (customer(client, f"question {n}") for n in range(3))
    first.write("anyone there?")  # still waiting since the first question
    answer(client, agent, second.ticket_id)
    answer(client, agent, third.ticket_id, "internal: check the order", kind="note")

    rows = page(client, agent, sort="waiting")["conversations"]
    assert [row["id"] for row in rows] == [first.ticket_id, third.ticket_id]
    assert rows[0]["waitingSince"] < rows[1]["waitingSince"]
    assert rows[0]["waitingSince"].endswith("Z")
    # Newest activity still lists every ticket, the answered one with no wait.
    newest = {row["id"]: row for row in page(client, agent)["conversations"]}
    assert set(newest) == {first.ticket_id, second.ticket_id, third.ticket_id}
    assert newest[second.ticket_id]["waitingSince"] is None
    assert page(client, agent, sort="newest") == page(client, agent)

    # The answered customer writes again: they join the list, at the end.
    second.write("thanks, one more thing")
    assert waiting(client, agent) == [first.ticket_id, third.ticket_id, second.ticket_id]
    # An agent's answer takes a ticket off.
    answer(client, agent, first.ticket_id)
    assert waiting(client, agent) == [third.ticket_id, second.ticket_id]


def test_waiting_pages_hold_still_while_customers_write_in(client, agent):
    for index in range(7):
        customer(client, f"question {index}")
    expected = waiting(client, agent, limit=100)
    assert len(expected) == 7
    seen, cursor, arrived = [], None, []
    while True:
        body = page(
            client, agent, sort="waiting", limit=3, **({"cursor": cursor} if cursor else {})
        )
        seen += [row["id"] for row in body["conversations"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
        arrived.append(customer(client, "a new customer writes in").ticket_id)
    # The newcomers waited least: they follow everyone who was listed.
    assert seen == expected + arrived
    assert waiting(client, agent, limit=100) == expected + arrived


def test_waiting_longest_combines_with_the_filters(client, agent):
    from supportchat.services import labels, tickets

    mine, billing, closed, other = (
        customer(client, text)
        for text in ("My parcel is lost", "The invoice is wrong", "Bye", "Cannot log in")
    )
    as_agent(client, agent, tickets.assign, mine.ticket_id, agent.id)
    as_agent(client, agent, labels.set_labels, billing.ticket_id, ["Billing"])
    as_agent(client, agent, tickets.close, closed.ticket_id)

    everyone = [mine.ticket_id, billing.ticket_id, other.ticket_id]
    assert waiting(client, agent) == everyone
    assert waiting(client, agent, status="all") == [
        *everyone[:2],
        closed.ticket_id,
        other.ticket_id,
    ]
    assert waiting(client, agent, status="closed") == [closed.ticket_id]
    assert waiting(client, agent, assigned="me") == [mine.ticket_id]
    assert waiting(client, agent, assigned="none") == everyone[1:]
    assert waiting(client, agent, label="billing") == [billing.ticket_id]
    assert waiting(client, agent, q="invoice") == [billing.ticket_id]
    answer(client, agent, billing.ticket_id)
    assert waiting(client, agent, label="billing") == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({"sort": "oldest"}, "sort"),
        ({"sort": ""}, "sort"),
        ({"sort": "x" * 5000}, "sort"),
        ({"sort": "waiting", "cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
    ],
)
def test_a_bad_sort_is_invalid(client, agent, params, field):
    customer(client)
    response = client.get("/api/admin/inbox", headers=agent.headers, query_string=params)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["details"]["field"] == field


def test_one_orders_cursor_is_refused_by_the_other(client, agent):
    for _ in range(3):
        customer(client)
    newest = page(client, agent, limit=1)["nextCursor"]
    longest = page(client, agent, sort="waiting", limit=1)["nextCursor"]
    for params in ({"sort": "waiting", "cursor": newest}, {"cursor": longest}):
        response = client.get("/api/conversations", headers=agent.headers, query_string=params)
        assert response.status_code == 400, params
        assert response.get_json()["error"]["details"]["field"] == "cursor"


def test_waiting_longest_needs_a_signed_in_agent(client):
    response = client.get("/api/conversations?sort=waiting")
    assert response.status_code == 401


@pytest.mark.slow
def test_ticket_list_sorts_by_the_longest_wait_over_a_socket(live_server_factory, peers):  # noqa: F811
    server = live_server_factory()
    agent = peers.agent(server)
    first = new_ticket(peers.guest(server), "I waited first")["ticket"]["id"]
    time.sleep(0.003)
    answered = new_ticket(peers.guest(server), "I get an answer")["ticket"]["id"]
    time.sleep(0.003)
    last = new_ticket(peers.guest(server), "I waited last")["ticket"]["id"]
    agent.ok("chat:message", {"ticketId": answered, "text": "Here you go"})

    listed = agent.ok("ticket:list", {"sort": "waiting", "limit": 1})
    assert [t["id"] for t in listed["tickets"]] == [first]
    assert listed["tickets"][0]["waitingSince"]
    rest = agent.ok("ticket:list", {"sort": "waiting", "cursor": listed["nextCursor"]})
    assert [t["id"] for t in rest["tickets"]] == [last] and rest["nextCursor"] is None
    newest = agent.ok("ticket:list", {})["tickets"]
    assert [t["id"] for t in newest] == [answered, last, first]
    for bad in ({"sort": "longest"}, {"sort": 5}, {"sort": None}, {"sort": "w" * 5000}):
        error = agent.error("ticket:list", bad)
        assert error["code"] == "invalid" and error["details"]["field"] == "sort", bad
    guest = peers.guest(server)
    assert guest.error("ticket:list", {"sort": "waiting"})["code"] == "forbidden"


@pytest.mark.slow
def test_a_handed_over_customer_waits_from_their_first_unanswered_message(ai_server, peers):  # noqa: F811
    server = ai_server()
    agent = peers.agent(server)
    first = peers.guest(server)
    created = new_ticket(first, "My order never came")
    handed = created["ticket"]["id"]
    first.wait_for("chat:message", lambda m: m["sender"]["role"] == "bot")
    second = peers.guest(server)
    later = new_ticket(second, "Do you ship to Norway?")["ticket"]["id"]
    second.wait_for("chat:message", lambda m: m["sender"]["role"] == "bot")
    first.send(handed, "That did not help")
    first.wait_for("chat:message", lambda m: m["text"] == "Answer: That did not help")
    first.ok("ticket:handoff", {"ticketId": handed})
    first.wait_for("chat:message", is_handoff)

    # The bot's answers answered nobody: the first customer has waited longest.
    listed = agent.ok("ticket:list", {"sort": "waiting"})["tickets"]
    assert [t["id"] for t in listed] == [handed, later]
    assert listed[0]["waitingSince"] == created["message"]["createdAt"]
    agent.ok("chat:message", {"ticketId": handed, "text": "A colleague here: let me check"})
    assert [t["id"] for t in agent.ok("ticket:list", {"sort": "waiting"})["tickets"]] == [later]
