"""AI replies across crashes and processes: a customer message stored but not answered when
the process died is answered or handed over after the restart; with two processes and Redis
each message is answered once. (Real server processes, a real chat completions server.)"""

from __future__ import annotations

import time
import uuid

import pytest
from test_ai_replies import enable_ai, is_handoff

from support.apps import make_app
from support.openai_server import OpenAIServer, Reply
from support.ops import eventually, shared_redis  # noqa: F401 (shared_redis: fixture)
from support.socket_clients import new_ticket, peers  # noqa: F401 (peers: fixture)
from supportchat.services import actors
from supportchat.stores import NewMessage

pytestmark = pytest.mark.slow


@pytest.fixture
def provider():
    server = OpenAIServer().start()
    yield server
    server.stop()


def joined(agent, ticket_id: str) -> list[dict]:
    return agent.ok("ticket:join", {"ticketId": ticket_id})["messages"]


def test_sigkill_between_message_and_answer_answers_or_hands_over_after_restart(
    live_server_factory, provider, peers
):
    server = live_server_factory(AI_TIMEOUT_SECONDS="3", AI_RETRIES="0")
    enable_ai(server, provider)
    provider.script.append(Reply(delay=10))  # the process dies while the model writes
    guest = peers.guest(server)
    claimed = new_ticket(guest, "Claimed, then the process died")["ticket"]
    eventually(lambda: provider.requests, what="the model was asked")
    server.kill()
    guest.close()

    # Stored, never claimed: what a crash right after the ack leaves behind.
    app = make_app(server.env)
    with app.app_context():
        store = app.extensions["supportchat.store"]
        customer = actors.guest(str(uuid.uuid4()))
        label = {"label": customer.name, "verified": False, "userIdentifier": {}, "metadata": {}}
        waiting, _ = store.create_ticket(customer.client_key, "s-left", label, bot_active=True)
        store.append_message(
            waiting.id,
            NewMessage(
                sender=customer.sender(), text="Left unanswered", client_key=customer.client_key
            ),
        )

    server.start()
    agent = peers.agent(server)
    answered = eventually(
        lambda: [m for m in joined(agent, waiting.id) if m["sender"]["role"] == "bot"],
        what="the unclaimed message answered",
    )
    assert [m["text"] for m in answered] == ["Answer: Left unanswered"]
    handed = eventually(
        lambda: [m for m in joined(agent, claimed["id"]) if is_handoff(m)],
        timeout=20,
        what="the claimed message handed over",
    )
    assert len(handed) == 1
    texts = [m["text"] for m in joined(agent, claimed["id"])]
    assert texts == ["Claimed, then the process died", "Handed over to the team"]


def test_two_processes_with_redis_answer_each_message_once(
    live_server_factory, postgres_url, shared_redis, provider, peers
):
    config = {**shared_redis, "AI_TIMEOUT_SECONDS": "5", "MESSAGE_RATE_LIMIT": "off"}
    first = live_server_factory(postgres_url, **config)
    second = live_server_factory(postgres_url, **config)
    enable_ai(first, provider)
    time.sleep(2.5)  # the other process reads settings again after its cache time
    provider.default_delay = 1.0  # a follow-up arrives while the first answer is written
    tickets, guests = [], []
    for server in (first, second, first, second):
        guest = peers.guest(server)
        ticket = new_ticket(guest, f"Question {len(tickets)}")["ticket"]
        guest.send(ticket["id"], f"Follow-up {len(tickets)}")
        tickets.append(ticket["id"])
        guests.append(guest)
    for number, guest in enumerate(guests):
        guest.wait_for("chat:message", lambda m, n=number: m["text"] == f"Answer: Follow-up {n}")

    # A process starting while the other one is answering leaves that answer alone.
    provider.script.append(Reply(delay=2))
    slow_guest = peers.guest(first)
    slow = new_ticket(slow_guest, "Slow one")["ticket"]
    eventually(lambda: any(r.messages[-1]["content"] == "Slow one" for r in provider.requests))
    second.stop()
    second.start()
    slow_guest.wait_for("chat:message", lambda m: m["text"] == "Answer: Slow one")
    tickets.append(slow["id"])

    agent = peers.agent(second)
    time.sleep(1)
    for ticket_id in tickets:
        messages = joined(agent, ticket_id)
        bots = [m for m in messages if m["sender"]["role"] == "bot"]
        summary = [(m["sender"]["role"], m["text"], m["createdAt"]) for m in messages]
        assert len(bots) == 1 and bots[0]["text"].startswith("Answer: "), summary
        assert not [m for m in messages if is_handoff(m)]
