"""Several server processes joined by Redis and sharing PostgreSQL: participants on different
processes talk as if on one, limits count across processes, when a process dies or stops its
clients reconnect to another and resync by seq with nothing lost or duplicated, and when Redis
comes back every connection stays open and is told to resync."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests

from support.ops import (  # noqa: F401
    WAIT,
    FailoverProxy,
    eventually,
    failed_login,
    metrics,
    own_redis,
    sample,
    shared_redis,
)
from support.socket_clients import Refused, new_ticket, open_peer, peers  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def cluster(live_server_factory, postgres_url, shared_redis):
    """``start(**overrides)``: server processes on one database and one Redis channel."""

    def start(**overrides):
        return live_server_factory(postgres_url, **{**shared_redis, **overrides})

    return start


def seqs(messages: list[dict]) -> list[int]:
    return [message["seq"] for message in messages]


def test_guest_and_agent_on_different_processes_exchange_messages(cluster, peers):
    a, b = cluster(), cluster()
    guest, agent = peers.guest(a), peers.agent(b)
    ticket = new_ticket(guest, "Hello from process A")["ticket"]
    agent.wait_for("ticket:created", lambda created: created["id"] == ticket["id"])
    agent.ok("ticket:join", {"ticketId": ticket["id"]})

    reply = agent.send(ticket["id"], "Hello from process B")
    assert guest.wait_for("chat:message", lambda m: m["id"] == reply["id"])["text"] == reply["text"]
    answer = guest.send(ticket["id"], "Thanks, B")
    assert agent.wait_for("chat:message", lambda m: m["id"] == answer["id"])["seq"] == 3


def test_typing_and_read_events_cross_processes(cluster, peers):
    a, b = cluster(), cluster()
    guest, agent = peers.guest(a), peers.agent(b)
    ticket = new_ticket(guest, "Anyone there?")["ticket"]
    agent.ok("ticket:join", {"ticketId": ticket["id"]})

    agent.ok("typing", {"ticketId": ticket["id"], "typing": True})
    guest.wait_for("typing", lambda event: event["sender"]["role"] == "agent" and event["typing"])
    guest.ok("typing", {"ticketId": ticket["id"], "typing": True})
    agent.wait_for("typing", lambda event: event["sender"]["role"] == "guest" and event["typing"])

    reply = agent.send(ticket["id"], "Yes, reading your question")
    guest.ok("read", {"ticketId": ticket["id"], "seq": reply["seq"]})
    agent.wait_for("read", lambda event: event["role"] == "guest" and event["seq"] == reply["seq"])
    answer = guest.send(ticket["id"], "Great")
    agent.ok("read", {"ticketId": ticket["id"], "seq": answer["seq"]})
    guest.wait_for("read", lambda event: event["role"] == "agent" and event["seq"] == answer["seq"])


def test_long_poll_on_one_process_wakes_when_an_agent_on_another_replies(cluster, peers):
    a, b = cluster(), cluster()
    client_id, session_id = str(uuid.uuid4()), "poll-" + uuid.uuid4().hex[:8]
    opened = requests.post(
        a.url + "/api/chat",
        timeout=WAIT,
        json={"clientId": client_id, "sessionId": session_id, "message": "I will wait here"},
    )
    assert opened.status_code == 200, opened.text
    ticket_id, since = opened.json()["ticketId"], opened.json()["message"]["seq"]
    agent = peers.agent(b)
    agent.ok("ticket:join", {"ticketId": ticket_id})

    answer: dict = {}

    def poll() -> None:
        # wait=30, but the client gives up after WAIT (15 s): only a wake-up from process B
        # can answer in time, since a timed-out wait would answer at 30 s.
        answer["response"] = requests.get(
            a.url + "/api/chat",
            headers={"X-Client-Id": client_id},
            timeout=WAIT,
            params={"sessionId": session_id, "since": since, "wait": 30},
        )

    waiting = threading.Thread(target=poll)
    waiting.start()
    eventually(
        lambda: sample(metrics(a.url), "supportchat_long_polls_waiting") == 1,
        what="the long poll waiting on process A",
    )
    reply = agent.send(ticket_id, "Here is your answer from process B")
    waiting.join(WAIT + 5)

    body = answer["response"].json()
    assert [message["id"] for message in body["messages"]] == [reply["id"]]
    assert body["lastSeq"] == reply["seq"]


def test_rate_limits_count_across_processes(cluster):
    a = cluster(CONNECT_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT="2 per minute")
    b = cluster(CONNECT_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT="2 per minute")
    opened = [
        open_peer(server.url, "/guest", auth={"clientId": str(uuid.uuid4())})
        for server in (a, b, a)
    ]
    with pytest.raises(Refused) as refused:
        open_peer(b.url, "/guest", auth={"clientId": str(uuid.uuid4())})
    assert refused.value.error["code"] == "rate_limited"
    for peer in opened:
        peer.close()

    assert [failed_login(a.url), failed_login(b.url), failed_login(a.url)] == [401, 401, 429]


def _resynced_after_losing(stop_a, cluster, peers) -> None:
    """Guest through the balancer lands on A, agent on B; ``stop_a`` ends A mid-conversation;
    the guest's client reconnects (to B) and resyncs by seq."""
    a, b = cluster(), cluster()
    proxy = FailoverProxy([a.port, b.port])
    guest = peers.guest(proxy, reconnection=True)  # the proxy stands in for the server
    agent = peers.agent(b)
    ticket_id = new_ticket(guest, "Question 1")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    first = agent.send(ticket_id, "Answer 1")
    guest.wait_for("chat:message", lambda m: m["id"] == first["id"])
    held = max(seqs(guest.received("chat:message")) + [1])

    stop_a(a)
    guest.wait_for("disconnect")
    missed = [agent.send(ticket_id, f"Answer {n}") for n in (2, 3)]  # stored by B meanwhile
    eventually(lambda: len(guest.received("connect")) == 2, what="the guest reconnecting")
    resync = guest.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": held})

    assert seqs(resync["messages"]) == seqs(missed)
    assert [m["text"] for m in resync["messages"]] == ["Answer 2", "Answer 3"]
    live = seqs(guest.received("chat:message"))
    assert not set(live) & set(seqs(resync["messages"])), "a message arrived twice"
    proxy.close()


def test_guest_resyncs_on_another_process_after_its_process_is_killed(cluster, peers):
    _resynced_after_losing(lambda a: a.kill(), cluster, peers)


def test_sigterm_sends_clients_to_another_process_and_exits_cleanly(cluster, peers):
    def stop(a):
        a.process.terminate()
        assert a.process.wait(WAIT) == 0, a.log()

    _resynced_after_losing(stop, cluster, peers)


def test_a_redis_restart_keeps_every_connection_and_asks_clients_to_resync(
    cluster, peers, own_redis
):
    a = cluster(REDIS_URL=own_redis.url)
    b = cluster(REDIS_URL=own_redis.url)
    guest = peers.guest(a, reconnection=True)
    agent = peers.agent(b, reconnection=True)
    ticket_id = new_ticket(guest, "Before the outage")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    before = agent.send(ticket_id, "Reply before the outage")
    guest.wait_for("chat:message", lambda m: m["id"] == before["id"])

    own_redis.process.kill()  # SIGKILL: gone without a goodbye, as in a crash
    own_redis.process.wait(WAIT)
    readiness = eventually(lambda: _not_ready(a.url), what="/readyz reporting Redis")
    assert readiness["checks"]["redis"].startswith("failing")
    assert readiness["checks"]["database"] == "ok"
    during_agent = [agent.send(ticket_id, f"Agent during the outage {n}") for n in (1, 2)]
    during_guest = guest.send(ticket_id, "Guest during the outage")
    assert failed_login(a.url) == 401  # limits count in memory meanwhile, no 500

    own_redis.start()
    for server in (a, b):
        eventually(
            lambda: requests.get(server.url + "/readyz", timeout=WAIT).ok,
            what="/readyz ready again",
        )
    for peer in (guest, agent):  # each process told its own sockets, once, over the same link
        assert peer.wait_for("resync") == {"reason": "fanout-restored"}
    guest_sees = guest.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": before["seq"]})
    agent_sees = agent.ok("ticket:join", {"ticketId": ticket_id, "sinceSeq": before["seq"]})

    acknowledged = sorted(seqs(during_agent) + [during_guest["seq"]])
    assert seqs(guest_sees["messages"]) == acknowledged
    assert seqs(agent_sees["messages"]) == acknowledged
    # Live fan-out across the processes is back, on the connections that never closed.
    after = agent.send(ticket_id, "Reply after the outage")
    assert guest.wait_for("chat:message", lambda m: m["id"] == after["id"], timeout=5)
    answer = guest.send(ticket_id, "Got it")
    assert agent.wait_for("chat:message", lambda m: m["id"] == answer["id"], timeout=5)
    for peer in (guest, agent):
        assert peer.connected and peer.received("disconnect") == []
        assert len(peer.received("connect")) == 1 and len(peer.received("resync")) == 1
    for server in (a, b):
        assert server.log().count("Redis message queue unreachable") == 1, server.log()
        assert sample(metrics(server.url), "supportchat_queue_reconnects_total") == 1


def _not_ready(url: str) -> dict | None:
    response = requests.get(url + "/readyz", timeout=WAIT)
    return response.json() if response.status_code == 503 else None
