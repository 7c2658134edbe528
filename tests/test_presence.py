"""Who is online, on live servers with real python-socketio agents and a real SMTP server:
``online`` in /api/chat/config and the emails that depend on it, in one process and across
processes joined by Redis (realtime.presence)."""

from __future__ import annotations

import time

import pytest
import requests

from support.ops import WAIT, eventually, shared_redis  # noqa: F401
from support.receivers import MailReceiver
from support.socket_clients import ADMIN, ServerApp, new_ticket, peers  # noqa: F401

pytestmark = pytest.mark.slow
POLLS = 0.1  # OUTBOX_POLL_SECONDS of the servers here


@pytest.fixture
def smtp():
    server = MailReceiver()
    yield server
    server.close()


def mail_config(smtp) -> dict[str, str]:
    return {
        "SMTP_URL": smtp.url,
        "MAIL_FROM": "support@example.com",
        "TEAM_EMAIL": "team@example.com",
        "OUTBOX_POLL_SECONDS": str(POLLS),
    }


def opt_in(server) -> None:
    """The first admin (whom peers.agent signs in) asks for email while offline."""
    from sqlalchemy import update

    from supportchat.extensions import db
    from supportchat.models import Agent

    accounts = ServerApp(server)
    try:
        with accounts.app.app_context():
            db.session.execute(
                update(Agent)
                .where(Agent.email == ADMIN["email"])
                .values(preferences={"emailWhenOffline": True})
            )
            db.session.commit()
    finally:
        accounts.close()


def online(server) -> bool:
    response = requests.get(server.url + "/api/chat/config", timeout=WAIT)
    assert response.status_code == 200, response.text
    return response.json()["online"]


def offline(server) -> bool:
    return not online(server)


def settle() -> None:
    """Give the outbox time for many polls: an email that was queued would have gone."""
    time.sleep(max(1.0, 10 * POLLS))


def assigned_and_answered(guest, agent, text: str) -> str:
    """A ticket opened by ``guest``, assigned to ``agent``, who answered: nobody waits."""
    ticket_id = new_ticket(guest, text)["ticket"]["id"]
    agent.ok("ticket:assign", {"ticketId": ticket_id, "agentId": agent.user["id"]})
    agent.send(ticket_id, "How can I help?")
    return ticket_id


def test_an_opted_in_agent_with_the_dashboard_open_gets_no_email(live_server_factory, smtp, peers):
    server = live_server_factory(**mail_config(smtp))
    opt_in(server)
    agent = peers.agent(server)
    assert online(server)
    guest = peers.guest(server)
    ticket_id = assigned_and_answered(guest, agent, "Hello while you are here")
    guest.send(ticket_id, "A question while you are here")
    agent.send(ticket_id, "Answered at once")

    agent.close()
    eventually(lambda: offline(server), what="offline once the agent left")
    guest.send(ticket_id, "A question after you left <b>bold</b>")
    [message] = smtp.wait_for(1)
    settle()
    assert len(smtp.messages) == 1  # none for the team: the conversation began while online
    assert message["To"] == ADMIN["email"]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "A question after you left <b>bold</b>" in plain and "while you are here" not in plain
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert f"/agent/dashboard#ticket={ticket_id}" in plain


def test_without_business_hours_the_team_hears_only_of_conversations_nobody_was_online_for(
    live_server_factory, smtp, peers
):
    server = live_server_factory(**mail_config(smtp))
    agent = peers.agent(server)
    new_ticket(peers.guest(server), "Someone is here")
    agent.close()
    eventually(lambda: offline(server), what="offline once the agent left")
    new_ticket(peers.guest(server), "Is anybody there? <script>")
    [message] = smtp.wait_for(1)
    settle()
    assert len(smtp.messages) == 1
    assert message["To"] == "team@example.com"
    assert message["Subject"].endswith("(while nobody was online)")
    assert "Is anybody there? &lt;script&gt;" in message.get_body(("html",)).get_content()


@pytest.fixture
def cluster(live_server_factory, postgres_url, shared_redis):  # noqa: F811
    """``start(**overrides)``: server processes on one database and one Redis."""

    def start(**overrides):
        return live_server_factory(postgres_url, **{**shared_redis, **overrides})

    return start


@pytest.mark.postgres
@pytest.mark.redis
def test_online_counts_an_agent_connected_to_another_process(cluster, peers):
    a, b = cluster(), cluster()
    assert offline(a) and offline(b)
    agent = peers.agent(a)
    assert online(b)  # recorded as the socket connected: no heartbeat needed
    agent.close()
    eventually(lambda: offline(b), what="offline on B once the agent left A")
    assert offline(a)


@pytest.mark.postgres
@pytest.mark.redis
def test_the_agents_of_a_crashed_process_stop_counting_within_the_ttl(cluster, peers):
    from supportchat.realtime.presence import HEARTBEAT_SECONDS, TTL_SECONDS

    a, b = cluster(), cluster()
    peers.agent(a)
    connected = time.monotonic()
    time.sleep(HEARTBEAT_SECONDS + 1)  # a heartbeat has renewed the agent since
    assert online(b)
    a.kill()  # no disconnect handler runs
    killed = time.monotonic()
    assert online(b)
    eventually(lambda: offline(b), timeout=TTL_SECONDS + 10, what="the dead process forgotten")
    gone = time.monotonic()
    assert gone - connected > TTL_SECONDS  # counted past the connect's own expiry: renewed
    assert gone - killed <= TTL_SECONDS + 1
    print(f"offline on B {gone - killed:.1f} s after A was killed")


@pytest.mark.postgres
@pytest.mark.redis
def test_an_agent_connected_to_another_process_gets_no_email(cluster, smtp, peers):
    a, b = cluster(**mail_config(smtp)), cluster(**mail_config(smtp))
    opt_in(a)
    agent, guest = peers.agent(a), peers.guest(b)
    ticket_id = assigned_and_answered(guest, agent, "Hello from process B")
    guest.send(ticket_id, "Asked on B while you are on A")
    agent.send(ticket_id, "Answered from A")
    agent.close()
    eventually(lambda: offline(b), what="offline on B once the agent left A")
    guest.send(ticket_id, "Asked on B after you left")
    [message] = smtp.wait_for(1)
    settle()
    assert len(smtp.messages) == 1
    plain = message.get_body(("plain",)).get_content()
    assert "Asked on B after you left" in plain and "while you are on A" not in plain


@pytest.mark.redis
def test_expired_heartbeats_are_ignored_and_swept(app_builder, shared_redis):  # noqa: F811
    import redis

    app = app_builder(None, **shared_redis)
    presence = app.extensions["supportchat.presence"]
    store = redis.Redis.from_url(shared_redis["REDIS_URL"])
    key = f"{shared_redis['REDIS_PREFIX']}:presence"
    now = time.time()
    store.zadd(key, {"crashed:ana": now - 1, "alive:bo": now + 30})
    assert not presence.online("ana") and presence.online("bo") and presence.anyone()
    presence.beat()
    assert store.zscore(key, "crashed:ana") is None and store.zscore(key, "alive:bo") is not None
    store.zrem(key, "alive:bo")
    assert not presence.anyone()
    store.close()
