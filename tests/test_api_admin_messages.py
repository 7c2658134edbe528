"""POST /api/admin/messages (PROTOCOL.md §3.7): the Monitor's "send as admin", under the same
rules and broadcast as ``chat:message``."""

from __future__ import annotations

import requests
from test_api_admin_tokens import cookie_session

from support.http import error_of, token_pair
from support.socket_clients import WAIT, api_token, new_ticket, peers  # noqa: F401 (fixture)


def test_a_message_sent_over_http_reaches_the_customer_and_other_agents(live_server, peers):
    guest = peers.guest(live_server)
    watching = peers.agent(live_server)
    ticket = new_ticket(guest, "Is anyone there?")["ticket"]
    watching.ok("ticket:join", {"ticketId": ticket["id"]})
    token = api_token(live_server)

    response = requests.post(
        live_server.url + "/api/admin/messages",
        json={"conversationId": ticket["id"], "text": "  Yes, the admin is here.  "},
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT,
    )

    assert response.status_code == 201, response.text
    message = response.json()["message"]
    assert message["text"] == "Yes, the admin is here."
    assert message["sender"]["role"] == "agent" and message["kind"] == "message"
    heard = guest.wait_for("chat:message", lambda m: m["id"] == message["id"])
    assert heard == message
    assert watching.wait_for("chat:message", lambda m: m["id"] == message["id"]) == message
    joined = guest.ok("ticket:join", {"ticketId": ticket["id"]})
    assert [m["text"] for m in joined["messages"]][-1] == "Yes, the admin is here."


def _ticket(client, guest) -> str:
    response = client.post(
        "/api/chat", json={"clientId": guest, "sessionId": "s-1", "message": "Help me"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["ticketId"]


def test_notes_stay_with_agents(client, agent, guest):
    ticket_id = _ticket(client, guest)
    response = client.post(
        "/api/admin/messages",
        json={"conversationId": ticket_id, "text": "VIP customer", "kind": "note"},
        headers=agent.headers,
    )
    assert response.status_code == 201
    assert response.get_json()["message"]["kind"] == "note"
    polled = client.get(f"/api/chat?sessionId=s-1&clientId={guest}").get_json()
    assert "VIP customer" not in [m["text"] for m in polled["messages"]]


def test_bad_sends_are_refused_and_store_nothing(client, agent, guest):
    ticket_id = _ticket(client, guest)
    url = "/api/admin/messages"
    for body, status, code in [
        ({"text": "hi"}, 400, "invalid"),
        ({"conversationId": ticket_id}, 400, "invalid"),
        ({"conversationId": ticket_id, "text": 5}, 400, "invalid"),
        ({"conversationId": ticket_id, "text": "   "}, 400, "invalid"),
        ({"conversationId": ticket_id, "text": "x" * 4001}, 413, "too_large"),
        ({"conversationId": ticket_id, "text": "hi", "kind": "event"}, 400, "invalid"),
        ({"conversationId": "nope", "text": "hi"}, 404, "not_found"),
    ]:
        error_of(client.post(url, json=body, headers=agent.headers), status, code)
    error_of(client.post(url, data="text", headers=agent.headers), 400, "invalid")
    history = client.get(f"/api/admin/messages?conversationId={ticket_id}", headers=agent.headers)
    assert [m["text"] for m in history.get_json()["messages"]] == ["Help me"]


def test_guests_and_strangers_may_not_send(client, guest):
    ticket_id = _ticket(client, guest)
    body = {"conversationId": ticket_id, "text": "I am staff, honest"}
    error_of(client.post("/api/admin/messages", json=body), 401, "unauthorized")
    error_of(
        client.post("/api/admin/messages", json=body, headers={"X-Client-Id": guest}),
        401,
        "unauthorized",
    )
    error_of(
        client.post("/api/admin/messages", json=body, headers={"Authorization": "Bearer junk"}),
        401,
        "unauthorized",
    )


def test_a_closed_ticket_takes_no_more_messages(client, agent, guest):
    ticket_id = _ticket(client, guest)
    with client.application.app_context():
        store = client.application.extensions["supportchat.store"]
        store.close_ticket(ticket_id, {"id": agent.id, "role": "agent", "name": "ana"})
    error_of(
        client.post(
            "/api/admin/messages",
            json={"conversationId": ticket_id, "text": "too late"},
            headers=agent.headers,
        ),
        409,
        "ticket_closed",
    )


def test_cookie_signed_sends_need_the_csrf_header(client, guest):
    ticket_id = _ticket(client, guest)
    csrf = cookie_session(client, token_pair(client, "ana@example.com", role="agent"))
    body = {"conversationId": ticket_id, "text": "from the dashboard"}
    error = error_of(client.post("/api/admin/messages", json=body), 403, "forbidden")
    assert error["details"] == {"reason": "csrf"}
    sent = client.post("/api/admin/messages", json=body, headers={"X-CSRF-TOKEN": csrf})
    assert sent.status_code == 201


def test_sends_over_http_are_rate_limited_per_agent(build, guest):
    from support.http import sign_in

    client = build(MESSAGE_RATE_LIMIT="2 per minute").test_client()
    ana, bob = sign_in(client), sign_in(client, "agent", "bob@example.com")
    ticket_id = _ticket(client, guest)
    body = {"conversationId": ticket_id, "text": "hello"}
    for _ in range(2):
        assert client.post("/api/admin/messages", json=body, headers=ana.headers).status_code == 201
    refused = client.post("/api/admin/messages", json=body, headers=ana.headers)
    error_of(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.post("/api/admin/messages", json=body, headers=bob.headers).status_code == 201
