"""What an operator sees: /metrics in Prometheus format whose counters follow the traffic,
and JSON log lines that carry no message text, tokens, passwords or clientIds."""

from __future__ import annotations

import uuid

import pytest
import requests

from support.ops import WAIT, failed_login, json_lines, metrics, sample
from support.socket_clients import ADMIN, Refused, new_ticket, open_peer, peers, sign_in  # noqa: F401

pytestmark = pytest.mark.slow

EVENT_COUNT = "supportchat_socket_event_duration_seconds_count"
HTTP_COUNT = "supportchat_http_request_duration_seconds_count"


def test_metrics_follow_messages_sockets_and_routes(live_server_factory, peers):
    server = live_server_factory()
    before = metrics(server.url)
    guest, agent = peers.guest(server), peers.agent(server)
    ticket_id = new_ticket(guest, "First question")["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    replies = [agent.send(ticket_id, f"Reply {n}") for n in (1, 2)]
    guest.wait_for("chat:message", lambda m: m["id"] == replies[-1]["id"])
    agent.wait_for("chat:message", lambda m: m["id"] == replies[-1]["id"])
    assert requests.get(server.url + "/static/app.css", timeout=WAIT).ok
    after = metrics(server.url)

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("supportchat_messages_stored_total") == 3
    received = len(guest.received("chat:message")) + len(agent.received("chat:message"))
    assert grew("supportchat_messages_delivered_total") == received
    assert sample(after, "supportchat_connected_sockets", namespace="/guest") == 1
    assert sample(after, "supportchat_connected_sockets", namespace="/agent") == 1
    assert grew(EVENT_COUNT, namespace="/agent", event="chat:message") == 2
    assert grew(EVENT_COUNT, namespace="/guest", event="connect") == 1
    assert grew(HTTP_COUNT, method="GET", route="/static/<path:filename>", status="200") == 1
    assert not [key for key in after if ("route", "/static/app.css") in key[1]]


def test_refusals_are_counted_by_kind_and_door(live_server_factory, peers):
    server = live_server_factory(LOGIN_RATE_LIMIT="1 per minute", MESSAGE_RATE_LIMIT="2 per minute")
    before = metrics(server.url)
    assert [failed_login(server.url), failed_login(server.url)] == [401, 429]
    with pytest.raises(Refused):
        open_peer(server.url, "/agent", auth={"token": "not-a-token"})
    guest = peers.guest(server)
    ticket_id = new_ticket(guest, "One")["ticket"]["id"]
    guest.send(ticket_id, "Two")
    assert (
        guest.error("chat:message", {"ticketId": ticket_id, "text": "Three"})["code"]
        == "rate_limited"
    )
    after = metrics(server.url)

    def grew(name: str, door: str) -> float:
        return sample(after, name, door=door) - sample(before, name, door=door)

    assert grew("supportchat_auth_failures_total", "http") == 1
    assert grew("supportchat_auth_failures_total", "socket") == 1
    assert grew("supportchat_rate_limited_total", "http") == 1
    assert grew("supportchat_rate_limited_total", "socket") == 1


def test_metrics_need_the_token_when_one_is_set(live_server_factory):
    server = live_server_factory(METRICS_TOKEN="metrics-token-" + "m" * 32)
    assert requests.get(server.url + "/metrics", timeout=WAIT).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert requests.get(server.url + "/metrics", headers=wrong, timeout=WAIT).status_code == 401
    assert metrics(server.url, token="metrics-token-" + "m" * 32)


def test_logs_are_json_lines_without_secrets_or_message_text(live_server_factory, peers):
    server = live_server_factory(LOG_LEVEL="info")
    client_id = str(uuid.uuid4())
    secret_text = "my card number is 4111-" + uuid.uuid4().hex
    session = sign_in(server)  # the admin's password goes over the wire here
    token = session.cookies["token"]
    guest, agent = peers.guest(server, client_id), peers.agent(server, session)
    ticket_id = new_ticket(guest, secret_text)["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.send(ticket_id, secret_text + " (quoted back)")
    poll = requests.get(
        server.url + "/api/chat",
        headers={"X-Client-Id": client_id},
        params={"sessionId": "none-" + uuid.uuid4().hex[:6]},
        timeout=WAIT,
    )
    guest.close()
    agent.close()
    server.stop()

    text = server.log()
    for secret in (ADMIN["password"], token, secret_text, client_id, server.env["SECRET_KEY"]):
        assert secret not in text
    lines = json_lines(text)
    requests_logged = [line for line in lines if line.get("door") == "http"]
    events = [line for line in lines if line.get("door") == "socket"]
    assert {"ts", "level", "request_id", "route", "status", "duration_ms", "client"} <= set(
        requests_logged[0]
    )
    by_id = {line["request_id"]: line for line in requests_logged}
    assert by_id[poll.headers["X-Request-Id"]]["route"] == "/api/chat"
    sent = [line for line in events if line["event"] == "chat:message"]
    assert sent and sent[0]["status"] == "ok" and sent[0]["actor"] == agent.user["id"]
    assert all(len(line["request_id"]) == 16 for line in events)
    assert sent[0]["client"] == "127.0.0.1" and sent[0]["namespace"] == "/agent"
    assert [line["event"] for line in events if line["namespace"] == "/guest"][:2] == [
        "connect",
        "ticket:create",
    ]
