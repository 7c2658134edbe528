"""The outbox across real ``supportchat serve`` processes: events stored before a SIGKILL are
delivered after the restart, and two processes sharing a database deliver each event once."""

from __future__ import annotations

import time

import pytest
import requests

from support.apps import free_port
from support.receivers import WebhookReceiver

pytestmark = pytest.mark.slow

SECRET = "a-receiver-secret-0123456789"
FAST = {
    "WEBHOOK_ALLOW_PRIVATE": "true",
    "WEBHOOK_RETRY_BASE_SECONDS": "0.3",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "OUTBOX_POLL_SECONDS": "0.05",
    "MESSAGE_RATE_LIMIT": "off",
    "NEW_CONVERSATION_RATE_LIMIT": "off",
}


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mongo", marks=pytest.mark.mongo),
    ]
)
def start(request, live_server_factory, tmp_path):
    """``start()``: a live server on this test's backend; every call shares its database."""
    database_url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'shared.db'}"
    )
    mongo = {"MONGO_URI": request.getfixturevalue("mongo_uri")} if request.param == "mongo" else {}
    return lambda: live_server_factory(database_url, **FAST, **mongo)


def admin_headers(server) -> dict[str, str]:
    response = requests.post(
        server.url + "/api/admin/auth/token",
        json={"email": "admin@example.com", "password": "admin-password-1"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


def subscribe(server, url: str) -> None:
    body = {"url": url, "events": ["ticket.created", "message.created"], "secret": SECRET}
    response = requests.post(
        server.url + "/api/admin/webhooks", json=body, headers=admin_headers(server), timeout=10
    )
    assert response.status_code == 201, response.text


def say(server, session: str, text: str) -> dict:
    response = requests.post(
        server.url + "/api/chat",
        json={"sessionId": session, "message": text},
        headers={"X-Client-Id": "5c6d3f6d-2a8e-4d4f-8c55-1d2f3a4b9a1e"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["message"]


def by_id(receiver: WebhookReceiver) -> dict[str, dict]:
    """What a receiver keeps after dropping repeats by X-Supportchat-Delivery."""
    return {r.headers["X-Supportchat-Delivery"]: r.json for r in receiver.events()}


def test_events_stored_before_a_sigkill_are_delivered_after_the_restart(start):
    port = free_port()  # the receiver is down while the first process runs
    first = start()
    subscribe(first, f"http://127.0.0.1:{port}/hook")
    sent = [say(first, "s-kill", f"message {number}") for number in range(10)]
    first.kill()
    receiver = WebhookReceiver(port=port)
    try:
        start()  # the same database
        receiver.wait_for(11, timeout=60)
        time.sleep(0.5)
        received = by_id(receiver)
        texts = sorted(
            e["data"]["text"] for e in received.values() if e["type"] == "message.created"
        )
        assert texts == sorted(message["text"] for message in sent)
        assert [e["type"] for e in received.values()].count("ticket.created") == 1
        assert all(r.verified(SECRET) for r in receiver.events())
    finally:
        receiver.close()


def test_two_processes_deliver_each_event_once(start):
    receiver = WebhookReceiver()
    try:
        one, two = start(), start()
        subscribe(one, receiver.url)
        sent = []
        for number in range(40):
            server = (one, two)[number % 2]
            sent.append(say(server, f"s-{number % 4}", f"message {number}"))
        receiver.wait_for(44, timeout=60)
        time.sleep(1)  # any second copy would have come by now
        ids = [r.headers["X-Supportchat-Delivery"] for r in receiver.events()]
        assert len(ids) == len(set(ids)) == 44
        texts = sorted(
            e["data"]["text"] for e in by_id(receiver).values() if e["type"] == "message.created"
        )
        assert texts == sorted(message["text"] for message in sent)
    finally:
        receiver.close()
