"""The widget's HTTP contract, POST and GET /api/chat (PROTOCOL.md §3.4), from the outside:
Flask's test client on SQLite and PostgreSQL, and real HTTP against a live gevent server."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from support.http import error_of, sign_in
from support.socket_clients import WAIT, api_token, peers  # noqa: F401,F811 (peers: fixture)

RESPONSE_FIELDS = {"reply", "ticketId", "status", "message", "replies"}


def say(client, session_id="s-1", message="Hello, I need help", client_id=None, **fields):
    """POST /api/chat; returns the response."""
    body = {"clientId": client_id or CLIENT, "sessionId": session_id, "message": message, **fields}
    return client.post("/api/chat", json=body)


CLIENT = str(uuid.uuid4())


# POST /api/chat


def test_the_first_message_of_a_session_opens_a_ticket_and_comes_back_stored(client):
    response = say(client)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == RESPONSE_FIELDS
    assert body["reply"] == "" and body["replies"] == [] and body["status"] == "open"
    assert body["message"]["seq"] == 1 and body["message"]["text"] == "Hello, I need help"
    assert body["message"]["ticketId"] == body["ticketId"]
    assert body["message"]["sender"]["role"] == "guest"


def test_joiners_and_direction_marks_are_kept_and_controls_removed(client):
    family, persian = "👨\u200d👩\u200d👧", "می\u200cخواهم"  # ZWJ emoji, ZWNJ word
    hebrew = "\u200fשלום\u200e 42"  # RLM and LRM around mixed-direction text
    sent = f"{family} {persian} {hebrew} \u202eevil\u202c\u200b\x07!"
    stored = say(client, message=sent).get_json()["message"]["text"]
    assert stored == f"{family} {persian} {hebrew} evil!"


def test_later_messages_of_the_session_join_the_same_ticket_in_order(client):
    first = say(client, message="one").get_json()
    second = say(client, message="two").get_json()
    assert second["ticketId"] == first["ticketId"]
    assert second["message"]["seq"] == 2


def test_a_repeated_client_message_id_returns_the_stored_message_once(client):
    first = say(client, clientMsgId="m-1").get_json()["message"]
    again = say(client, clientMsgId="m-1").get_json()["message"]
    assert again["id"] == first["id"] and again["seq"] == first["seq"] == 1
    messages = client.get("/api/chat?sessionId=s-1", headers={"X-Client-Id": CLIENT}).get_json()
    assert len(messages["messages"]) == 1


def test_a_request_without_client_id_gets_one_minted_in_a_cookie(client):
    response = client.post("/api/chat", json={"sessionId": "s-new", "message": "hi"})
    assert response.status_code == 200
    cookie = client.get_cookie("cs_client_id")
    assert cookie is not None and uuid.UUID(cookie.value).version == 4
    assert cookie.same_site == "Lax" and cookie.path == "/"
    # The cookie alone now identifies the same customer.
    polled = client.get("/api/chat?sessionId=s-new")
    assert polled.status_code == 200
    assert polled.get_json()["ticketId"] == response.get_json()["ticketId"]


def test_a_session_of_another_customer_is_not_found(client, guest):
    say(client, session_id="mine")
    error_of(say(client, session_id="mine", client_id=guest), 404, "not_found")
    error_of(
        client.get("/api/chat?sessionId=mine", headers={"X-Client-Id": guest}), 404, "not_found"
    )


def test_a_closed_ticket_takes_no_more_messages(client):
    ticket_id = say(client).get_json()["ticketId"]
    from supportchat.context import current
    from supportchat.services import actors, tickets

    with client.application.app_context():
        tickets.close(current(), actors.agent("a-1", "agent", "Ana"), ticket_id)
    error_of(say(client, message="anyone there?"), 409, "ticket_closed")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"message": "hi"}, "sessionId"),
        ({"sessionId": "s-1"}, "message"),
        ({"sessionId": "s-1", "message": 5}, "message"),
        ({"sessionId": "s 1", "message": "hi"}, "sessionId"),
        ({"sessionId": "x" * 129, "message": "hi"}, "sessionId"),
        ({"sessionId": "s-1", "message": "hi", "clientId": "not-a-uuid"}, "clientId"),
        ({"sessionId": "s-1", "message": "hi", "metadata": {"blob": "x" * 5000}}, "metadata"),
        ({"sessionId": "s-1", "message": "hi", "metadata": "page=/pricing"}, "metadata"),
        (
            {"sessionId": "s-1", "message": "hi", "userIdentifier": {"email": 7}},
            "userIdentifier.email",
        ),
        ({"sessionId": "s-1", "message": "hi", "attachments": "f-1"}, "attachments"),
        ({"sessionId": "s-1", "message": "   "}, "text"),
    ],
)
def test_missing_wrongly_typed_or_oversized_fields_are_invalid_and_store_nothing(
    client, body, field
):
    error = error_of(client.post("/api/chat", json={"clientId": CLIENT, **body}), 400, "invalid")
    assert error["details"]["field"] == field
    assert client.get("/api/chat?sessionId=s-1", headers={"X-Client-Id": CLIENT}).status_code == 404


@pytest.mark.parametrize(
    "data, content_type",
    [
        ('{"sessionId": "s-1", "message": ', "application/json"),
        ('["s-1", "hi"]', "application/json"),
        ("sessionId=s-1&message=hi", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_invalid(client, data, content_type):
    error_of(client.post("/api/chat", data=data, content_type=content_type), 400, "invalid")


def test_a_message_over_the_length_limit_is_too_large(client):
    error = error_of(say(client, message="x" * 4001), 413, "too_large")
    assert error["details"]["limit"] == 4000


def test_a_body_over_64_kib_is_too_large_before_it_is_parsed(client):
    error_of(say(client, padding="x" * 70_000), 413, "too_large")


def test_metadata_and_identity_are_kept_with_the_ticket_and_shown_to_agents(client, agent):
    say(
        client,
        metadata={"page": "/pricing", "plan": "pro"},
        userIdentifier={"email": "jane@example.com", "phone": "+1 555 0100"},
    )
    sessions = client.get("/api/admin/sessions", headers=agent.headers).get_json()
    customer = sessions["sessions"][0]["customer"]
    assert customer["metadata"] == {"page": "/pricing", "plan": "pro"}
    assert customer["userIdentifier"] == {"email": "jane@example.com", "phone": "+1 555 0100"}
    assert customer["label"] == "jane@example.com" and customer["verified"] is False


def test_an_identity_is_verified_only_with_a_valid_identifier_hash(build):
    client = build(IDENTITY_HMAC_SECRET="widget-secret").test_client()
    good = hmac.new(b"widget-secret", b"jane@example.com", hashlib.sha256).hexdigest()
    say(
        client, session_id="good", userIdentifier={"email": "jane@example.com"}, identifierHash=good
    )
    say(
        client,
        session_id="forged",
        userIdentifier={"email": "jane@example.com"},
        identifierHash="0" * 64,
    )
    say(client, session_id="none", userIdentifier={"email": "jane@example.com"})
    sessions = client.get("/api/admin/sessions", headers=sign_in(client).headers).get_json()
    verified = {item["sessionId"]: item["customer"]["verified"] for item in sessions["sessions"]}
    assert verified == {"good": True, "forged": False, "none": False}


def test_the_configured_acknowledgement_answers_the_opening_message(client):
    from supportchat.services import settings

    with client.application.app_context():
        settings.update({"behavior": {"autoReply": "Thanks! An agent will answer shortly."}})
    first = say(client).get_json()
    assert first["reply"] == "Thanks! An agent will answer shortly."
    [reply] = first["replies"]
    assert reply["sender"]["role"] == "bot" and reply["seq"] == first["message"]["seq"] + 1
    assert say(client, message="more detail").get_json()["reply"] == ""


def test_the_acknowledgement_stays_in_the_conversation_after_a_reload(client):
    from supportchat.services import settings

    with client.application.app_context():
        settings.update({"behavior": {"autoReply": "Thanks! An agent will answer shortly."}})
    opened = say(client).get_json()
    history = client.get(
        "/api/chat?sessionId=s-1&since=0", headers={"X-Client-Id": CLIENT}
    ).get_json()
    assert [m["text"] for m in history["messages"]] == [
        opened["message"]["text"],
        "Thanks! An agent will answer shortly.",
    ]


def test_too_many_messages_from_one_client_are_rate_limited_with_retry_after(build, guest):
    client = build(MESSAGE_RATE_LIMIT="2 per minute").test_client()
    assert say(client, message="one").status_code == 200
    assert say(client, message="two").status_code == 200
    response = say(client, message="three")
    error = error_of(response, 429, "rate_limited")
    retry = int(response.headers["Retry-After"])
    # Whole seconds in the header, milliseconds in the body: the same wait.
    assert 1 <= retry <= 60 and abs(error["details"]["retryAfterMs"] - retry * 1000) <= 1000
    # Counted per clientId: another customer on the same address still gets through.
    assert say(client, session_id="other", client_id=guest).status_code == 200


# GET /api/chat


def test_polling_returns_the_messages_after_since_and_where_to_continue(client):
    for text in ("one", "two", "three"):
        say(client, message=text)
    body = client.get("/api/chat?sessionId=s-1&since=1", headers={"X-Client-Id": CLIENT}).get_json()
    assert [item["text"] for item in body["messages"]] == ["two", "three"]
    assert body["lastSeq"] == 3 and body["status"] == "open"
    again = client.get("/api/chat?sessionId=s-1&since=3&clientId=" + CLIENT).get_json()
    assert again["messages"] == [] and again["lastSeq"] == 3


def test_a_guest_polling_never_sees_agents_private_notes(client):
    ticket_id = say(client).get_json()["ticketId"]
    from supportchat.context import current
    from supportchat.services import actors, messages

    with client.application.app_context():
        agent = actors.agent("a-1", "agent", "Ana")
        messages.write(current(), agent, "VIP customer", ticket_id=ticket_id, kind="note")
        messages.write(current(), agent, "Hi, how can I help?", ticket_id=ticket_id)
    body = client.get("/api/chat?sessionId=s-1&since=1", headers={"X-Client-Id": CLIENT}).get_json()
    assert [item["text"] for item in body["messages"]] == ["Hi, how can I help?"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("since=0", "sessionId"),
        ("sessionId=s-1&since=-1", "since"),
        ("sessionId=s-1&since=two", "since"),
        ("sessionId=s-1&wait=31", "wait"),
    ],
)
def test_bad_poll_parameters_are_invalid(client, query, field):
    say(client)
    error = error_of(
        client.get(f"/api/chat?{query}", headers={"X-Client-Id": CLIENT}), 400, "invalid"
    )
    assert error["details"]["field"] == field


def test_polling_without_a_client_id_is_invalid(client):
    say(client)
    assert error_of(client.get("/api/chat?sessionId=s-1"), 400, "invalid")["details"] == {
        "field": "clientId"
    }


def test_polling_an_unknown_session_is_not_found(client):
    error_of(
        client.get("/api/chat?sessionId=never", headers={"X-Client-Id": CLIENT}), 404, "not_found"
    )


# Live server: real HTTP, gevent, Socket.IO agents


def live_say(server, client_id, session_id, message, **fields):
    response = requests.post(
        server.url + "/api/chat",
        timeout=WAIT,
        json={"clientId": client_id, "sessionId": session_id, "message": message, **fields},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_message_posted_over_http_reaches_agents_live_on_their_sockets(live_server, peers, guest):
    agent = peers.agent(live_server, token=api_token(live_server))
    first = live_say(
        live_server,
        guest,
        "live-1",
        "My order is late",
        metadata={"orderId": "A-17"},
        userIdentifier={"email": "jane@example.com"},
    )
    created = agent.wait_for("ticket:created", lambda ticket: ticket["id"] == first["ticketId"])
    assert created["customer"]["metadata"] == {"orderId": "A-17"}
    assert created["customer"]["userIdentifier"] == {"email": "jane@example.com"}
    agent.ok("ticket:join", {"ticketId": first["ticketId"]})
    live_say(live_server, guest, "live-1", "Order A-17, placed Monday")
    heard = agent.wait_for("chat:message", lambda message: message["seq"] == 2)
    assert heard["text"] == "Order A-17, placed Monday" and heard["sender"]["role"] == "guest"


def test_a_long_poll_wakes_as_soon_as_an_agent_replies_over_a_socket(live_server, peers, guest):
    ticket_id = live_say(live_server, guest, "poll-1", "Hello?")["ticketId"]
    agent = peers.agent(live_server, token=api_token(live_server))
    agent.ok("ticket:join", {"ticketId": ticket_id})
    result = {}

    def poll():
        result["response"] = requests.get(
            live_server.url + "/api/chat",
            timeout=60,
            headers={"X-Client-Id": guest},
            params={"sessionId": "poll-1", "since": 1, "wait": 25},
        )
        result["at"] = time.monotonic()

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(1)  # ordering, not waiting: let the poll reach the server before the reply
    replied_at = time.monotonic()
    agent.send(ticket_id, "Hi! Looking into it now.")
    poller.join(timeout=40)
    body = result["response"].json()
    assert [item["text"] for item in body["messages"]] == ["Hi! Looking into it now."]
    assert body["lastSeq"] == 2
    # Woken by the reply, not released by its 25 s timeout.
    assert result["at"] - replied_at < 15


def test_fifty_waiting_polls_hold_no_database_connection_and_all_wake(live_server, peers, guest):
    ticket_id = live_say(live_server, guest, "crowd", "Hello?")["ticketId"]

    def poll(_index):
        return requests.get(
            live_server.url + "/api/chat",
            timeout=60,
            headers={"X-Client-Id": guest},
            params={"sessionId": "crowd", "since": 1, "wait": 20},
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        polls = [pool.submit(poll, index) for index in range(50)]
        time.sleep(1)  # ordering: let the polls reach the server
        # More polls wait than the database pool has connections (30), yet others are served.
        other = live_say(live_server, str(uuid.uuid4()), "bystander", "Still working?")
        assert other["message"]["seq"] == 1
        agent = peers.agent(live_server, token=api_token(live_server))
        agent.send(ticket_id, "Here for all of you")
        bodies = [future.result().json() for future in polls]
    assert all(
        [item["text"] for item in body["messages"]] == ["Here for all of you"] for body in bodies
    )


@pytest.mark.parametrize(
    "name",
    [
        "MESSAGE_RATE_LIMIT",
        "LOGIN_RATE_LIMIT",
        "LOGIN_ACCOUNT_RATE_LIMIT",
        "NEW_CONVERSATION_RATE_LIMIT",
    ],
)
def test_a_limit_set_to_off_is_no_limit_and_logs_no_complaint(build, caplog, name):
    client = build(**{name: "off"}).test_client()
    client_id = str(uuid.uuid4())
    for n in range(12):  # beyond the default message limit of 10 per 10 seconds
        response = client.post(
            "/api/chat", json={"clientId": client_id, "sessionId": "s-off", "message": f"note {n}"}
        )
        if name == "MESSAGE_RATE_LIMIT":
            assert response.status_code == 200
    client.post("/api/admin/auth/token", json={"email": "nobody@example.com", "password": "x"})
    complaints = [
        record.getMessage()
        for record in caplog.records
        if "rate limit" in record.getMessage() or "ratelimit" in record.getMessage()
    ]
    assert complaints == []
