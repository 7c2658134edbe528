"""Webhooks (PROTOCOL.md §3.7, §3.9) in one process: the admin API, the outbox's events, and
the delivery worker against a real HTTP receiver on a loopback port."""

from __future__ import annotations

import time

import pytest

from support.apps import base_config, make_app
from support.http import error_of, sign_in
from support.receivers import WebhookReceiver

SECRET = "a-receiver-secret-0123456789"
GUEST = "3f6d2a8e-8d4f-4c55-9a1e-1d2f3a4b5c6d"
ALL = ["ticket.created", "message.created", "note.created", "ticket.assigned", "ticket.closed"]


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture
def hooks_app(build):
    """An app that may deliver to loopback receivers, retrying quickly."""
    return build(
        WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_RETRY_BASE_SECONDS="0.01", MESSAGE_RATE_LIMIT="off"
    )


@pytest.fixture
def client(hooks_app):
    return hooks_app.test_client()


def subscribe(client, admin, url, events=None, **fields) -> dict:
    body = {"url": url, "events": events or ALL, "secret": SECRET, **fields}
    response = client.post("/api/admin/webhooks", json=body, headers=admin.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["webhook"]


def say(client, text="Hello, I need help", session="s-1"):
    response = client.post(
        "/api/chat", json={"sessionId": session, "message": text}, headers={"X-Client-Id": GUEST}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def deliver(app, rounds=1) -> None:
    worker = app.extensions["supportchat.outbox_worker"]
    for _ in range(rounds):
        with app.app_context():
            worker.run_once()


def deliver_until(app, done, timeout=10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not delivered in time"
        deliver(app)
        time.sleep(0.02)


def deliveries(client, admin, hook) -> list[dict]:
    response = client.get(f"/api/admin/webhooks/{hook['id']}/deliveries", headers=admin.headers)
    assert response.status_code == 200
    return response.get_json()["deliveries"]


# The admin API


def test_an_admin_subscribes_lists_changes_and_deletes_a_webhook(client, receiver):
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url, ["message.created", "ticket.created"])
    assert hook["events"] == ["message.created", "ticket.created"] and hook["active"]
    assert "secret" not in hook
    listed = client.get("/api/admin/webhooks", headers=admin.headers).get_json()["webhooks"]
    assert listed == [hook]
    changed = client.patch(
        f"/api/admin/webhooks/{hook['id']}", json={"active": False}, headers=admin.headers
    ).get_json()["webhook"]
    assert changed["active"] is False
    say(client)
    deliver(client.application)
    assert receiver.events() == [] and deliveries(client, admin, hook) == []
    deleted = client.delete(f"/api/admin/webhooks/{hook['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    assert client.get("/api/admin/webhooks", headers=admin.headers).get_json()["webhooks"] == []
    error_of(
        client.delete(f"/api/admin/webhooks/{hook['id']}", headers=admin.headers), 404, "not_found"
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"events": ["message.created"], "secret": SECRET}, "url"),
        ({"url": 5, "events": ["message.created"], "secret": SECRET}, "url"),
        (
            {
                "url": "http://127.0.0.1/" + "x" * 2100,
                "events": ["ticket.created"],
                "secret": SECRET,
            },
            "url",
        ),
        ({"url": "http://127.0.0.1/h", "events": [], "secret": SECRET}, "events"),
        ({"url": "http://127.0.0.1/h", "events": ["ticket.eaten"], "secret": SECRET}, "events.0"),
        ({"url": "http://127.0.0.1/h", "events": "ticket.created", "secret": SECRET}, "events"),
        ({"url": "http://127.0.0.1/h", "events": ["ticket.created"], "secret": "short"}, "secret"),
        ({"url": "http://127.0.0.1/h", "events": ["ticket.created"]}, "secret"),
        (
            {
                "url": "http://127.0.0.1/h",
                "events": ["ticket.created"],
                "secret": SECRET,
                "active": "yes",
            },
            "active",
        ),
        ({"url": "ftp://127.0.0.1/h", "events": ["ticket.created"], "secret": SECRET}, "url"),
    ],
)
def test_bad_webhooks_are_invalid_and_store_nothing(client, body, field):
    admin = sign_in(client, "admin", "admin@example.com")
    error = error_of(
        client.post("/api/admin/webhooks", json=body, headers=admin.headers), 400, "invalid"
    )
    assert error["details"]["field"] == field
    assert client.get("/api/admin/webhooks", headers=admin.headers).get_json()["webhooks"] == []


def test_a_bad_change_is_invalid_and_changes_nothing(client, receiver):
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url)
    for change in ({"url": "file:///etc/passwd"}, {"events": ["nope"]}, {"secret": 12}, [1]):
        response = client.patch(
            f"/api/admin/webhooks/{hook['id']}", json=change, headers=admin.headers
        )
        error_of(response, 400, "invalid")
    assert client.get("/api/admin/webhooks", headers=admin.headers).get_json()["webhooks"] == [hook]
    error_of(
        client.patch("/api/admin/webhooks/nope", json={}, headers=admin.headers), 404, "not_found"
    )
    error_of(
        client.get("/api/admin/webhooks/nope/deliveries?limit=0", headers=admin.headers),
        400,
        "invalid",
    )


def test_agents_and_strangers_are_refused_on_every_route(client, receiver):
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url)
    agent = sign_in(client, "agent")
    routes = [
        ("get", "/api/admin/webhooks", None),
        ("post", "/api/admin/webhooks", {"url": receiver.url, "events": ALL, "secret": SECRET}),
        ("patch", f"/api/admin/webhooks/{hook['id']}", {"active": False}),
        ("delete", f"/api/admin/webhooks/{hook['id']}", None),
        ("get", f"/api/admin/webhooks/{hook['id']}/deliveries", None),
        ("post", f"/api/admin/webhooks/{hook['id']}/test", None),
    ]
    for method, path, body in routes:
        error_of(getattr(client, method)(path, json=body, headers=agent.headers), 403, "forbidden")
        error_of(getattr(client, method)(path, json=body), 401, "unauthorized")
    assert client.get("/api/admin/webhooks", headers=admin.headers).get_json()["webhooks"] == [hook]
    assert receiver.events() == []


def test_cookie_signed_changes_need_the_csrf_header(client, receiver):
    import jwt

    from support.http import token_pair

    token = token_pair(client)["accessToken"]
    csrf = jwt.decode(token, options={"verify_signature": False})["csrf"]
    client.set_cookie("token", token)
    client.set_cookie("csrf_access_token", csrf)
    body = {"url": receiver.url, "events": ALL, "secret": SECRET}
    error = error_of(client.post("/api/admin/webhooks", json=body), 403, "forbidden")
    assert error["details"] == {"reason": "csrf"}
    assert client.get("/api/admin/webhooks").get_json()["webhooks"] == []
    response = client.post("/api/admin/webhooks", json=body, headers={"X-CSRF-TOKEN": csrf})
    assert response.status_code == 201


# The address guard


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/hook",
        "http://localhost/hook",
        "https://192.168.0.10/hook",
        "file:///etc/passwd",
        "gopher://example.com/",
    ],
)
def test_webhooks_to_private_addresses_or_other_schemes_are_refused(build, url):
    client = build().test_client()
    admin = sign_in(client, "admin", "admin@example.com")
    body = {"url": url, "events": ALL, "secret": SECRET}
    error = error_of(
        client.post("/api/admin/webhooks", json=body, headers=admin.headers), 400, "invalid"
    )
    assert error["details"] == {"field": "url"}
    assert "http" in error["message"] or "address" in error["message"]
    assert client.get("/api/admin/webhooks", headers=admin.headers).get_json()["webhooks"] == []


def test_the_guard_is_applied_again_before_every_delivery(build, receiver):
    allowed = build(WEBHOOK_ALLOW_PRIVATE="true").test_client()
    admin = sign_in(allowed, "admin", "admin@example.com")
    hook = subscribe(allowed, admin, receiver.url)
    guarded = build()  # the same database, without WEBHOOK_ALLOW_PRIVATE
    say(guarded.test_client())
    deliver(guarded)
    assert receiver.events() == []
    [*_, first] = deliveries(allowed, admin, hook)
    assert first["status"] == "pending" and first["attempts"] == 1
    assert "127.0.0.1" in first["lastError"] and "loopback" in first["lastError"]


# Deliveries


def test_events_arrive_signed_with_the_event_id_as_the_delivery_id(client, receiver):
    admin = sign_in(client, "admin", "admin@example.com")
    subscribe(client, admin, receiver.url)
    sent = say(client, "Where is my <b>parcel</b>?")
    deliver(client.application)
    created, message = (
        receiver.wait_for(1, "ticket.created")[0],
        receiver.wait_for(1, "message.created")[0],
    )
    for received in (created, message):
        assert received.verified(SECRET) and not received.verified("another-secret-0000000")
        assert received.headers["X-Supportchat-Delivery"] == received.json["id"]
        assert received.headers["X-Supportchat-Event"] == received.json["type"]
        assert received.headers["Content-Type"] == "application/json"
        assert abs(int(received.headers["X-Supportchat-Timestamp"]) - time.time()) < 60
    assert message.json["data"] == sent["message"]
    assert message.json["data"]["text"] == "Where is my <b>parcel</b>?"
    assert created.json["data"]["id"] == sent["message"]["ticketId"]
    assert created.json["data"]["customer"]["label"]


def test_a_failing_receiver_gets_retries_with_the_same_id_until_it_answers(client, receiver):
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url, ["message.created"])
    receiver.script = [500, 503]
    say(client)
    deliver_until(client.application, lambda: len(receiver.events()) >= 3)
    first, second, third = receiver.events()
    assert first.headers["X-Supportchat-Delivery"] == second.headers["X-Supportchat-Delivery"]
    assert second.headers["X-Supportchat-Delivery"] == third.headers["X-Supportchat-Delivery"]
    assert first.body == second.body == third.body
    assert all(item.verified(SECRET) for item in (first, second, third))
    [delivery] = deliveries(client, admin, hook)
    assert delivery["status"] == "delivered" and delivery["attempts"] == 3
    assert delivery["responseCode"] == 200 and delivery["lastError"] is None
    assert delivery["type"] == "message.created" and delivery["durationMs"] >= 0
    deliver(client.application, 3)
    assert len(receiver.events()) == 3  # delivered once, never again


def test_redirects_are_not_followed(client, receiver):
    elsewhere = WebhookReceiver()
    try:
        admin = sign_in(client, "admin", "admin@example.com")
        hook = subscribe(client, admin, receiver.url, ["message.created"])
        receiver.script = [("redirect", elsewhere.url)]
        say(client)
        deliver(client.application)
        assert len(receiver.events()) == 1 and elsewhere.events() == []
        [delivery] = deliveries(client, admin, hook)
        assert delivery["status"] == "pending" and delivery["responseCode"] == 302
        assert "redirect" in delivery["lastError"] and delivery["nextAttemptAt"]
    finally:
        elsewhere.close()


def test_an_https_receiver_with_an_untrusted_certificate_gets_nothing(client):
    untrusted = WebhookReceiver(tls=True)
    try:
        admin = sign_in(client, "admin", "admin@example.com")
        hook = subscribe(client, admin, untrusted.url, ["message.created"])
        say(client)
        deliver(client.application)
        assert untrusted.events() == []
        [delivery] = deliveries(client, admin, hook)
        assert delivery["status"] == "pending" and "SSL" in delivery["lastError"]
    finally:
        untrusted.close()


def test_a_slow_answer_counts_as_a_failure(build, receiver):
    client = build(WEBHOOK_ALLOW_PRIVATE="true", WEBHOOK_TIMEOUT_SECONDS="0.5").test_client()
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url, ["message.created"])
    receiver.script = [("slow", 1.5)]
    say(client)
    deliver(client.application)
    [delivery] = deliveries(client, admin, hook)
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["lastError"] and delivery["responseCode"] is None


def test_a_webhook_failing_for_the_whole_window_is_turned_off_with_the_reason(build, receiver):
    client = build(
        WEBHOOK_ALLOW_PRIVATE="true",
        # 3.6 s from the event: room for several attempts 0.05 s apart and more, even when a
        # busy machine makes the first one late (with 0.72 s, it once came too late to retry).
        WEBHOOK_RETRY_HOURS="0.001",
        WEBHOOK_RETRY_BASE_SECONDS="0.05",
    ).test_client()
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url, ["message.created"])
    receiver.script = [500] * 1000
    say(client)

    def given_up():
        return deliveries(client, admin, hook)[0]["status"] == "failed"

    deliver_until(client.application, given_up)
    [delivery] = deliveries(client, admin, hook)
    assert delivery["attempts"] >= 2 and "HTTP 500" in delivery["lastError"]
    [stored] = client.get("/api/admin/webhooks", headers=admin.headers).get_json()["webhooks"]
    assert stored["active"] is False
    assert "failed for" in stored["disabledReason"] and "HTTP 500" in stored["disabledReason"]
    heard = len(receiver.events())
    say(client, "another")
    deliver(client.application, 2)
    assert len(receiver.events()) == heard  # turned off: nothing more is sent
    turned_on = client.patch(
        f"/api/admin/webhooks/{hook['id']}", json={"active": True}, headers=admin.headers
    )
    assert turned_on.get_json()["webhook"]["disabledReason"] is None


def as_agent(app, admin, work) -> None:
    """Run ``work(ctx, actor)`` as the signed-in admin, through the services."""
    from supportchat.context import current
    from supportchat.services import actors

    with app.test_request_context():
        work(current(), actors.agent(admin.id, "admin", "Admin"))


def test_notes_come_as_note_created_and_audit_events_as_theirs(client, receiver):
    from supportchat.services import messages

    admin = sign_in(client, "admin", "admin@example.com")
    subscribe(client, admin, receiver.url, ALL + ["agent.created", "agent.updated"])
    ticket_id = say(client)["message"]["ticketId"]
    as_agent(
        client.application,
        admin,
        lambda ctx, actor: messages.write(
            ctx, actor, "VIP customer", ticket_id=ticket_id, kind="note"
        ),
    )
    created = client.post(
        "/api/admin/agents",
        json={"email": "bo@example.com", "name": "Bo", "password": "a long password 1"},
        headers=admin.headers,
    )
    assert created.status_code == 201
    deliver(client.application)
    assert [r.json["data"]["text"] for r in receiver.events("note.created")] == ["VIP customer"]
    assert [r.json["data"]["text"] for r in receiver.events("message.created")] == [
        "Hello, I need help"
    ]
    [agent_event] = receiver.events("agent.created")
    assert agent_event.json["data"]["target"] == created.get_json()["agent"]["id"]
    assert agent_event.json["data"]["action"] == "agent.create"


def test_send_test_event_delivers_now_and_shows_the_delivery(client, receiver):
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url, ["ticket.closed"])
    response = client.post(f"/api/admin/webhooks/{hook['id']}/test", headers=admin.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    delivery = response.get_json()["delivery"]
    assert delivery["status"] == "delivered" and delivery["type"] == "webhook.test"
    [received] = receiver.events()
    assert received.json["data"] == {"webhookId": hook["id"]} and received.verified(SECRET)
    receiver.script = [500]
    failed = client.post(f"/api/admin/webhooks/{hook['id']}/test", headers=admin.headers)
    assert failed.get_json()["delivery"]["status"] == "pending"
    assert "HTTP 500" in failed.get_json()["delivery"]["lastError"]


def test_two_workers_never_claim_the_same_delivery(client, receiver):
    from supportchat.services.outbox_worker import Worker

    app = client.application
    admin = sign_in(client, "admin", "admin@example.com")
    subscribe(client, admin, receiver.url, ["message.created"])
    for number in range(30):
        say(client, f"message {number}")
    one, two = (
        app.extensions["supportchat.outbox_worker"],
        Worker(app, app.extensions["supportchat.outbox"]),
    )
    with app.app_context():
        first, second = one.claim(), two.claim()
        assert len(first) == 20 and len(second) == 10 and not set(first) & set(second)
        assert one.claim() == [] and two.claim() == []


# Every backend


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mongo", marks=pytest.mark.mongo),
    ]
)
def any_store_app(request, tmp_path):
    database_url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'test.db'}"
    )
    mongo = {"MONGO_URI": request.getfixturevalue("mongo_uri")} if request.param == "mongo" else {}
    app = make_app(
        base_config(tmp_path / "instance", database_url, WEBHOOK_ALLOW_PRIVATE="true", **mongo)
    )
    yield app
    from supportchat.extensions import db

    with app.app_context():
        db.engine.dispose()
    if mongo:
        app.extensions["supportchat.store"].close()


def test_every_event_of_a_conversation_arrives_once_on_every_backend(any_store_app, receiver):
    client = any_store_app.test_client()
    admin = sign_in(client, "admin", "admin@example.com")
    subscribe(client, admin, receiver.url)
    ticket_id = say(client)["message"]["ticketId"]
    say(client, "second")
    say(client, "second")  # a new message with the same text
    from supportchat.services import messages, tickets

    def work(ctx, actor):
        messages.write(ctx, actor, "On it", ticket_id=ticket_id)
        tickets.assign(ctx, actor, ticket_id, admin.id)
        tickets.close(ctx, actor, ticket_id)
        tickets.close(ctx, actor, ticket_id)  # closing twice is one close

    as_agent(any_store_app, admin, work)
    deliver(any_store_app, 2)
    types = [r.json["type"] for r in receiver.events()]
    assert sorted(types) == sorted(
        [
            "ticket.created",
            "message.created",
            "message.created",
            "message.created",
            "message.created",
            "ticket.assigned",
            "ticket.closed",
        ]
    )
    ids = [r.headers["X-Supportchat-Delivery"] for r in receiver.events()]
    assert len(set(ids)) == len(ids)
    texts = sorted(r.json["data"]["text"] for r in receiver.events("message.created"))
    assert texts == ["Hello, I need help", "On it", "second", "second"]
    [closed] = receiver.events("ticket.closed")
    assert closed.json["data"]["status"] == "closed"


def test_events_nobody_receives_are_not_stored_and_finished_deliveries_are_forgotten(
    client, receiver
):
    from datetime import timedelta

    from sqlalchemy import func, select

    from supportchat.clock import utcnow
    from supportchat.extensions import db
    from supportchat.models import Delivery, OutboxEvent

    app = client.application
    say(client, "nobody subscribed yet")
    admin = sign_in(client, "admin", "admin@example.com")
    hook = subscribe(client, admin, receiver.url, ["message.created"])
    receiver.script = [200, 500]
    say(client, "delivered")
    say(client, "still failing")
    deliver(app)
    worker = app.extensions["supportchat.outbox_worker"]

    def counts():
        with app.app_context():
            return (
                db.session.scalar(select(func.count()).select_from(OutboxEvent)),
                db.session.scalar(select(func.count()).select_from(Delivery)),
            )

    # Only the two subscribed messages: not the first one, nor any ticket or sign-in event.
    assert counts() == (2, 2)
    with app.app_context():
        worker.prune(utcnow() + timedelta(minutes=2))
    assert counts() == (2, 2)
    with app.app_context():
        worker.prune(utcnow() + timedelta(days=8))
    assert counts() == (1, 1)  # the failing one is still retried
    [left] = deliveries(client, admin, hook)
    assert left["status"] == "pending"


def test_token_refreshes_and_revocations_reach_an_audit_pipeline(client, receiver):
    from support.http import bearer, token_pair

    admin = sign_in(client, "admin", "admin@example.com")
    subscribe(client, admin, receiver.url, ["auth.refresh", "auth.revoke"])
    first = token_pair(client, "ana@example.com", "agent")
    second = client.post("/api/admin/auth/refresh", headers=bearer(first["refreshToken"]))
    assert second.status_code == 200
    revoked = client.post(
        "/api/admin/auth/revoke", headers=bearer(second.get_json()["accessToken"])
    )
    assert revoked.status_code in (200, 204)
    deliver(client.application)
    [refresh] = receiver.events("auth.refresh")
    [revoke] = receiver.events("auth.revoke")
    assert refresh.json["data"]["actor"] == revoke.json["data"]["actor"]
    assert refresh.json["data"]["address"] == "127.0.0.1" and refresh.verified(SECRET)
    assert refresh.json["data"]["target"] == revoke.json["data"]["target"]  # one token family
