"""What the widget needs from the server before and after a conversation (PROTOCOL.md v1.1
§3.4 ``/api/chat/config`` and CORS, §4 ``ticket:rate``): the config a site's widget reads,
the headers an embedding site may send, and the customer's rating, once."""

from __future__ import annotations

import pytest

from support.socket_clients import new_ticket, peers, sign_in  # noqa: F401 (peers: fixture)

ALWAYS = {
    "timezone": "UTC",
    "days": {
        day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
}
NEVER = {"timezone": "Europe/Berlin", "days": {}}


def test_the_config_carries_branding_forms_and_upload_limits(client, admin):
    form = {
        "enabled": True,
        "fields": [{"name": "email", "label": "Email", "type": "email", "required": True}],
    }
    client.put(
        "/api/admin/settings",
        headers=admin.headers,
        json={
            "branding": {"title": "Acme help", "primaryColor": "#112233", "customCss": "b{}"},
            "behavior": {
                "offlineMessage": "Back at nine",
                "preChatForm": form,
                "csat": {"enabled": True},
            },
        },
    )
    config = client.get("/api/chat/config").get_json()
    assert config["branding"] == {
        "title": "Acme help",
        "primaryColor": "#112233",
        "welcomeMessage": "Hi! How can we help?",
    }  # customCss is the admin's own page's, never the embedding site's
    assert config["offlineMessage"] == "Back at nine"
    assert config["preChatForm"] == form and config["csat"] == {"enabled": True}
    assert config["locale"] == "en"
    assert config["upload"]["maxMb"] == 10 and "image/png" in config["upload"]["types"]


@pytest.mark.parametrize(("hours", "online"), [(ALWAYS, True), (NEVER, False)])
def test_online_follows_the_business_hours(client, admin, hours, online):
    client.put(
        "/api/admin/settings", headers=admin.headers, json={"behavior": {"businessHours": hours}}
    )
    assert client.get("/api/chat/config").get_json()["online"] is online


def test_without_business_hours_online_means_an_agent_is_connected(live_server, peers):
    import requests

    url = live_server.url + "/api/chat/config"
    assert requests.get(url, timeout=10).json()["online"] is False
    agent = peers.agent(live_server, sign_in(live_server))
    assert requests.get(url, timeout=10).json()["online"] is True
    agent.close()


def test_the_config_answers_listed_origins_and_takes_the_default_locale(app_builder):
    app = app_builder(ALLOWED_ORIGINS="shop.example", DEFAULT_LOCALE="de")
    response = app.test_client().get("/api/chat/config", headers={"Origin": "https://shop.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response.get_json()["locale"] == "de"


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/config", "/api/chat/upload"])
def test_a_site_may_send_the_headers_it_configured(app_builder, path):
    app = app_builder(ALLOWED_ORIGINS="shop.example", ALLOWED_HEADERS="X-Org, X-Trace-Id")
    preflight = app.test_client().options(
        path,
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-client-id, x-org",
        },
    )
    allowed = preflight.headers.get("Access-Control-Allow-Headers", "").lower()
    assert {"content-type", "x-client-id", "x-org"} <= {h.strip() for h in allowed.split(",")}


def test_headers_nobody_configured_are_not_allowed(app_builder):
    app = app_builder(ALLOWED_ORIGINS="shop.example")
    preflight = app.test_client().options(
        "/api/chat",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-org",
        },
    )
    assert "x-org" not in preflight.headers.get("Access-Control-Allow-Headers", "").lower()


def test_a_bad_allowed_headers_value_stops_the_start_with_its_name(app_builder):
    with pytest.raises(Exception, match="ALLOWED_HEADERS"):
        app_builder(ALLOWED_HEADERS="X-Org, not a header")


def test_a_customer_rates_once_and_agents_hear_it(live_server, peers):
    agent = peers.agent(live_server, sign_in(live_server))
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    agent.ok("ticket:close", {"ticketId": ticket_id})

    rated = guest.ok("ticket:rate", {"ticketId": ticket_id, "score": 4, "comment": " Quick <b> "})
    rating = rated["ticket"]["rating"]
    assert (rating["score"], rating["comment"]) == (4, "Quick <b>") and rating["createdAt"]
    heard = agent.wait_for("ticket:updated", lambda t: t["id"] == ticket_id and t["rating"])
    assert heard["rating"] == rating

    again = guest.error("ticket:rate", {"ticketId": ticket_id, "score": 1})
    assert again["code"] == "conflict"
    assert guest.ok("ticket:join", {"ticketId": ticket_id})["ticket"]["rating"] == rating


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"score": 4}, "ticketId"),
        ({"ticketId": "x"}, "score"),
        ({"ticketId": "x", "score": 0}, "score"),
        ({"ticketId": "x", "score": 6}, "score"),
        ({"ticketId": "x", "score": "5"}, "score"),
        ({"ticketId": "x", "score": 5, "comment": "x" * 1001}, "comment"),
    ],
)
def test_bad_ratings_are_invalid(live_server, peers, payload, field):
    guest = peers.guest(live_server)
    error = guest.error("ticket:rate", payload)
    assert error["code"] == "invalid" and error["details"]["field"] == field


def test_only_the_ticket_s_own_customer_rates_it(live_server, peers):
    owner, stranger = peers.guest(live_server), peers.guest(live_server)
    agent = peers.agent(live_server, sign_in(live_server))
    ticket_id = new_ticket(owner)["ticket"]["id"]
    assert stranger.error("ticket:rate", {"ticketId": ticket_id, "score": 5})["code"] == "not_found"
    assert agent.error("ticket:rate", {"ticketId": ticket_id, "score": 5})["code"] == "forbidden"


def test_the_rating_is_stored_once_on_every_backend(ticket_store):
    _app, store = ticket_store
    ticket, _ = store.create_ticket("client-a", "s-1", {"label": "Visitor", "verified": False})
    rated = store.rate_ticket(ticket.id, 5, "Great")
    assert (rated.rating, rated.rating_comment) == (5, "Great") and rated.rated_at
    with pytest.raises(Exception) as refused:
        store.rate_ticket(ticket.id, 1, None)
    assert getattr(refused.value, "code", None) == "conflict"
    assert store.get_ticket(ticket.id).rating == 5
    with pytest.raises(Exception) as missing:
        store.rate_ticket("no-such-ticket", 1, None)
    assert getattr(missing.value, "code", None) == "not_found"


# The polling transport's typing indicators and read receipts (PROTOCOL.md §3.4, v1.1)


def _poll(server, client_id: str, session_id: str, since: int = 0, wait: int = 0) -> dict:
    import requests

    response = requests.get(
        server.url + "/api/chat",
        params={"sessionId": session_id, "since": since, "wait": wait},
        headers={"X-Client-Id": client_id},
        timeout=40,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _post(server, path: str, body: dict):
    import requests

    return requests.post(server.url + path, json=body, timeout=10)


def _opened(server, client_id: str, session_id: str) -> dict:
    posted = _post(
        server, "/api/chat", {"clientId": client_id, "sessionId": session_id, "message": "Hi"}
    )
    assert posted.status_code == 200, posted.text
    return posted.json()


def test_a_long_poll_returns_when_an_agent_starts_and_stops_typing(live_server, peers):
    import threading
    import time
    import uuid

    client_id, session_id = str(uuid.uuid4()), "poll-typing"
    ticket_id = _opened(live_server, client_id, session_id)["ticketId"]
    agent = peers.agent(live_server, sign_in(live_server))
    agent.ok("ticket:join", {"ticketId": ticket_id})
    first = _poll(live_server, client_id, session_id, since=1)
    assert first["agentTyping"] is False and first["agentReadSeq"] == 0

    answers: list[dict] = []
    waiting = threading.Thread(
        target=lambda: answers.append(_poll(live_server, client_id, session_id, since=1, wait=20))
    )
    started = time.monotonic()
    waiting.start()
    time.sleep(0.5)
    agent.ok("typing", {"ticketId": ticket_id, "typing": True})
    waiting.join(15)
    assert answers and answers[0]["agentTyping"] is True and answers[0]["messages"] == []
    assert time.monotonic() - started < 15  # answered by the typing, not by the wait's end

    agent.ok("typing", {"ticketId": ticket_id, "typing": False})
    assert _poll(live_server, client_id, session_id, since=1)["agentTyping"] is False


def test_a_long_poll_reports_how_far_the_agent_read_in_the_guest_sequence(live_server, peers):
    import uuid

    client_id, session_id = str(uuid.uuid4()), "poll-read"
    ticket_id = _opened(live_server, client_id, session_id)["ticketId"]
    agent = peers.agent(live_server, sign_in(live_server))
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.send(ticket_id, "A private note", kind="note")  # agent seq 2, no guest seq
    second = _post(
        live_server,
        "/api/chat",
        {"clientId": client_id, "sessionId": session_id, "message": "Still there?"},
    ).json()["message"]
    assert second["seq"] == 2  # the guest's own sequence skips the note
    agent.ok("read", {"ticketId": ticket_id, "seq": 3})
    assert _poll(live_server, client_id, session_id, since=2)["agentReadSeq"] == 2


def test_the_customer_s_typing_and_read_reach_the_agent(live_server, peers):
    import uuid

    client_id, session_id = str(uuid.uuid4()), "post-typing"
    ticket_id = _opened(live_server, client_id, session_id)["ticketId"]
    agent = peers.agent(live_server, sign_in(live_server))
    agent.ok("ticket:join", {"ticketId": ticket_id})
    reply = agent.send(ticket_id, "How can I help?")

    typed = _post(
        live_server,
        "/api/chat/typing",
        {"clientId": client_id, "sessionId": session_id, "typing": True},
    )
    assert typed.status_code == 200 and typed.json() == {"ok": True}
    heard = agent.wait_for("typing", lambda event: event["ticketId"] == ticket_id)
    assert heard["typing"] is True and heard["sender"]["role"] == "guest"

    read = _post(
        live_server, "/api/chat/read", {"clientId": client_id, "sessionId": session_id, "seq": 2}
    )
    assert read.status_code == 200 and read.json() == {"ok": True}
    seen = agent.wait_for("read", lambda event: event["seq"] > 1)  # 1: told at the join
    assert seen == {"ticketId": ticket_id, "role": "guest", "seq": reply["seq"]}


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/chat/typing", {"sessionId": "s-1"}, 400, "invalid"),
        ("/api/chat/typing", {"sessionId": "s-1", "typing": "yes"}, 400, "invalid"),
        ("/api/chat/read", {"sessionId": "s-1", "seq": -1}, 400, "invalid"),
        ("/api/chat/read", {"sessionId": "s 1", "seq": 1}, 400, "invalid"),
        ("/api/chat/read", {"sessionId": "nobody-s", "seq": 1}, 404, "not_found"),
    ],
)
def test_bad_typing_and_read_requests_are_refused(client, path, body, status, code):
    import uuid

    response = client.post(path, json=body, headers={"X-Client-Id": str(uuid.uuid4())})
    error = response.get_json()["error"]
    assert response.status_code == status and error["code"] == code


def test_typing_and_read_need_the_customer_who_wrote(client):
    import uuid

    owner = str(uuid.uuid4())
    client.post("/api/chat", json={"clientId": owner, "sessionId": "mine", "message": "Hi"})
    stranger = client.post(
        "/api/chat/read",
        json={"clientId": str(uuid.uuid4()), "sessionId": "mine", "seq": 1},
    )
    assert stranger.status_code == 404
    anonymous = client.application.test_client().post(
        "/api/chat/typing", json={"sessionId": "mine", "typing": True}
    )
    assert anonymous.status_code == 400
    assert anonymous.get_json()["error"]["details"]["field"] == "clientId"


# setUser during a conversation (PROTOCOL.md §5): the ticket's customer follows


def _customer(client, ticket_id: str) -> dict:
    with client.application.app_context():
        return client.application.extensions["supportchat.store"].get_ticket(ticket_id).customer


def test_set_user_during_a_conversation_updates_the_ticket_s_customer(app_builder):
    import hashlib
    import hmac
    import uuid

    app = app_builder(IDENTITY_HMAC_SECRET="identity-secret-" + "k" * 24)
    client = app.test_client()
    body = {"clientId": str(uuid.uuid4()), "sessionId": "who-am-i", "message": "Hi"}
    ticket_id = client.post("/api/chat", json=body).get_json()["ticketId"]
    assert _customer(client, ticket_id)["label"].startswith("Visitor")

    named = {**body, "message": "I'm Jane", "userIdentifier": {"email": "jane@example.com"}}
    assert client.post("/api/chat", json=named).status_code == 200
    customer = _customer(client, ticket_id)
    assert customer["label"] == "jane@example.com" and customer["verified"] is False

    digest = hmac.new(b"identity-secret-" + b"k" * 24, b"jane@example.com", hashlib.sha256)
    proven = {**named, "message": "Signed in now", "identifierHash": digest.hexdigest()}
    assert client.post("/api/chat", json=proven).status_code == 200
    assert _customer(client, ticket_id)["verified"] is True

    forged = {**named, "userIdentifier": {"email": "ceo@example.com"}, "identifierHash": "0" * 64}
    assert client.post("/api/chat", json=forged).status_code == 200
    customer = _customer(client, ticket_id)
    assert customer["label"] == "ceo@example.com" and customer["verified"] is False


def test_custom_attributes_sent_during_a_conversation_update_the_ticket_s_customer(client):
    import uuid

    body = {"clientId": str(uuid.uuid4()), "sessionId": "attrs", "message": "Hi"}
    first = {**body, "metadata": {"page": "https://shop.example/cart"}}
    ticket_id = client.post("/api/chat", json=first).get_json()["ticketId"]
    tagged = {**body, "message": "Again", "metadata": {"page": "/cart", "plan": "pro"}}
    assert client.post("/api/chat", json=tagged).status_code == 200
    customer = _customer(client, ticket_id)
    assert customer["metadata"] == {"page": "/cart", "plan": "pro"}
    assert customer["label"].startswith("Visitor")  # who it is did not change
    assert client.post("/api/chat", json={**body, "message": "Bare"}).status_code == 200
    assert _customer(client, ticket_id)["metadata"] == {"page": "/cart", "plan": "pro"}


def test_agents_hear_the_new_customer_at_once(live_server, peers):
    import uuid

    import requests

    agent = peers.agent(live_server, sign_in(live_server))
    body = {"clientId": str(uuid.uuid4()), "sessionId": "late-name", "message": "Hi"}
    ticket_id = requests.post(live_server.url + "/api/chat", json=body, timeout=10).json()[
        "ticketId"
    ]
    named = {**body, "message": "Me again", "userIdentifier": {"email": "sam@example.com"}}
    requests.post(live_server.url + "/api/chat", json=named, timeout=10).raise_for_status()
    heard = agent.wait_for(
        "ticket:updated",
        lambda t: t["id"] == ticket_id and t["customer"]["label"] == "sam@example.com",
    )
    assert heard["customer"]["userIdentifier"] == {"email": "sam@example.com"}


def test_the_customer_is_replaced_on_every_backend(ticket_store):
    _app, store = ticket_store
    ticket, _ = store.create_ticket("client-a", "s-2", {"label": "Visitor", "verified": False})
    new = {
        "label": "kim@example.com",
        "verified": False,
        "userIdentifier": {"email": "kim@example.com"},
        "metadata": {},
    }
    assert store.update_customer(ticket.id, new).customer == new
    assert store.get_ticket(ticket.id).customer == new
