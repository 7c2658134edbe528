"""Does the socket door refuse what it must, with the documented code, and stay up?
(PROTOCOL.md §1, §4, §4.2.)"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from datetime import timedelta

import pytest
import requests
from werkzeug.serving import make_server

from support.apps import base_config, make_app
from support.socket_clients import (  # noqa: F401
    new_ticket,
    open_peer,
    peers,
    refusal,
    server_app,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.slow  # each test starts server processes


def test_a_guest_cannot_reach_another_guests_ticket(live_server, peers):
    owner = peers.guest(live_server)
    ticket = new_ticket(owner)["ticket"]
    stranger = peers.guest(live_server)

    for event, extra in [
        ("ticket:join", {}),
        ("chat:message", {"text": "mine now"}),
        ("typing", {"typing": True}),
        ("read", {"seq": 1}),
    ]:
        error = stranger.error(event, {"ticketId": ticket["id"], **extra})
        assert error["code"] == "not_found", event
    assert owner.ok("ticket:join", {"ticketId": ticket["id"]})["ticket"]["lastSeq"] == 1


def test_a_guest_cannot_take_another_guests_session(live_server, peers):
    owner = peers.guest(live_server)
    ticket = new_ticket(owner, sessionId="shared-name")["ticket"]
    stranger = peers.guest(live_server)
    assert stranger.error("ticket:create", {"sessionId": "shared-name"})["code"] == "not_found"

    peers.agent(live_server).ok("ticket:close", {"ticketId": ticket["id"]})
    # Closed or not, the session name stays its owner's.
    assert stranger.error("ticket:create", {"sessionId": "shared-name"})["code"] == "not_found"
    assert owner.ok("ticket:create", {"sessionId": "shared-name"})["ticket"]["id"] != ticket["id"]


def test_agent_only_events_are_forbidden_to_guests_whatever_the_payload(live_server, peers):
    guest = peers.guest(live_server)
    ticket = new_ticket(guest)["ticket"]
    for event, payload in [
        ("ticket:list", {}),
        ("ticket:list", None),
        ("ticket:close", {"ticketId": ticket["id"]}),
        ("ticket:close", {}),
        ("ticket:assign", {"ticketId": ticket["id"], "agentId": None}),
        ("ticket:assign", "not even an object"),
    ]:
        assert guest.error(event, payload)["code"] == "forbidden", (event, payload)
    after = guest.ok("ticket:join", {"ticketId": ticket["id"]})["ticket"]
    assert after["status"] == "open" and after["assignee"] is None


def test_guests_cannot_write_private_notes(live_server, peers):
    guest = peers.guest(live_server)
    ticket = new_ticket(guest)["ticket"]
    error = guest.error("chat:message", {"ticketId": ticket["id"], "text": "x", "kind": "note"})
    assert error["code"] == "forbidden"


def test_agents_cannot_open_tickets(live_server, peers):
    assert peers.agent(live_server).error("ticket:create", {"text": "hi"})["code"] == "forbidden"


def test_forged_roles_senders_and_user_ids_are_ignored(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    forged = {
        "role": "agent",
        "userId": agent.user["id"],
        "sender": {"id": agent.user["id"], "role": "agent", "name": "Admin"},
    }
    created = guest.ok("ticket:create", {"text": "first", **forged})
    ticket_id = created["ticket"]["id"]
    message = guest.send(ticket_id, "I am the admin, honest", **forged)

    for stored in (created["message"], message):
        assert stored["sender"]["role"] == "guest"
        assert stored["sender"]["id"] != agent.user["id"]
        assert stored["sender"]["name"].startswith("Visitor ")
    history = agent.ok("ticket:join", {"ticketId": ticket_id})["messages"]
    assert {m["sender"]["role"] for m in history} == {"guest"}
    assert guest.error("ticket:list", forged)["code"] == "forbidden"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_agent_sockets_without_a_valid_token_are_refused(live_server, peers, server_app):
    accounts = server_app(live_server)
    ana = accounts.add_agent("ana@example.com", "Ana")
    valid = accounts.token(ana, timedelta(minutes=5))
    header, payload, signature = valid.split(".")
    signed_out = sign_in(live_server, ana["email"], ana["password"])
    revoked = signed_out.cookies["token"]
    sign_out(live_server, signed_out)

    bad_tokens = {
        "missing": {},
        "garbage": {"auth": {"token": "not-a-jwt"}},
        "expired": {"auth": {"token": accounts.token(ana, timedelta(seconds=-30))}},
        "tampered": {
            "auth": {
                "token": ".".join([header, _b64({**_claims(valid), "role": "admin"}), signature])
            }
        },
        "alg none": {
            "auth": {"token": ".".join([_b64({"alg": "none", "typ": "JWT"}), payload, ""])}
        },
        "revoked": {"headers": {"Cookie": f"token={revoked}"}},
        "refresh token": {"auth": {"token": sign_in(live_server).cookies["refresh_token"]}},
    }
    for name, options in bad_tokens.items():
        error = refusal(live_server.url, "/agent", **options)
        assert error and error["code"] == "unauthorized", name
    assert peers.agent(live_server, token=valid).ok("ticket:list")["tickets"] == []


def test_cross_site_origins_are_refused_on_both_namespaces(live_server_factory, peers):
    server = live_server_factory()
    evil = {"Origin": "https://evil.example"}
    token_cookie = {"Cookie": f"token={sign_in(server).cookies['token']}"}
    with_origin = {**evil, **token_cookie}
    # Refused at the Engine.IO handshake, before any namespace sees it.
    assert refusal(server.url, "/guest", headers=evil) is None
    assert refusal(server.url, "/agent", headers=with_origin) is None
    own = {"Origin": server.url}
    assert peers.guest(server, headers=own).connected
    assert peers.agent(server, headers=own).connected


def test_listed_origins_may_open_guest_sockets_but_never_agent_ones(live_server_factory, peers):
    server = live_server_factory(ALLOWED_ORIGINS="https://shop.example, partner.example")
    for origin in ("https://shop.example", "https://partner.example"):
        guest = peers.guest(server, headers={"Origin": origin})
        assert new_ticket(guest)["ticket"]["status"] == "open"
        error = refusal(
            server.url,
            "/agent",
            headers={"Origin": origin, "Cookie": f"token={sign_in(server).cookies['token']}"},
        )
        assert error["code"] == "forbidden"
    assert refusal(server.url, "/guest", headers={"Origin": "https://evil.example"}) is None


def test_a_malformed_client_id_is_refused_as_invalid(live_server_factory):
    server = live_server_factory()
    for options in [
        {"auth": {"clientId": "not-a-uuid"}},
        {"auth": {"clientId": str(uuid.uuid1())}},
        {"auth": {"clientId": 42}},
        {"headers": {"X-Client-Id": "'; DROP TABLE tickets; --"}},
    ]:
        error = refusal(server.url, "/guest", **options)
        assert error["code"] == "invalid" and error["details"] == {"field": "clientId"}, options


def test_unknown_tickets_are_not_found(live_server, peers):
    guest = peers.guest(live_server)
    agent = peers.agent(live_server)
    unknown = {"ticketId": "0123456789abcdef0123456789abcdef"}
    assert guest.error("ticket:join", unknown)["code"] == "not_found"
    assert guest.error("chat:message", {**unknown, "text": "hi"})["code"] == "not_found"
    assert agent.error("ticket:join", unknown)["code"] == "not_found"
    assert agent.error("ticket:close", unknown)["code"] == "not_found"
    assert agent.error("ticket:assign", {**unknown, "agentId": None})["code"] == "not_found"


def test_wrongly_typed_fields_are_invalid_and_named(live_server, peers):
    guest = peers.guest(live_server)
    agent = peers.agent(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    cases = [
        (guest, "ticket:join", {"ticketId": 12345}, "ticketId"),
        (guest, "ticket:join", {"ticketId": ticket_id, "sinceSeq": -1}, "sinceSeq"),
        (guest, "ticket:join", {"ticketId": ticket_id, "sinceSeq": "3"}, "sinceSeq"),
        (guest, "ticket:join", {"ticketId": ticket_id, "sinceSeq": 2**63}, "sinceSeq"),
        (guest, "chat:message", {"ticketId": ticket_id, "text": ["hi"]}, "text"),
        (guest, "chat:message", {"ticketId": ticket_id, "text": "hi", "kind": "event"}, "kind"),
        (
            guest,
            "chat:message",
            {"ticketId": ticket_id, "text": "hi", "attachments": "f"},
            "attachments",
        ),
        (guest, "chat:message", {"text": "hi"}, "ticketId"),
        (guest, "typing", {"ticketId": ticket_id, "typing": "yes"}, "typing"),
        (guest, "read", {"ticketId": ticket_id, "seq": 1.5}, "seq"),
        (guest, "ticket:create", {"sessionId": "has spaces"}, "sessionId"),
        (guest, "ticket:create", {"metadata": {"big": "x" * 5000}}, "metadata"),
        (agent, "ticket:list", {"limit": 0}, "limit"),
        (agent, "ticket:list", {"status": "deleted"}, "status"),
        (agent, "ticket:list", {"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ]
    for peer, event, payload, field in cases:
        error = peer.error(event, payload)
        assert error["code"] == "invalid" and error["details"]["field"] == field, (payload, error)
    assert guest.error("chat:message", ["not", "an", "object"])["code"] == "invalid"
    assert agent.ok("ticket:join", {"ticketId": ticket_id})["ticket"]["lastSeq"] == 1


def test_text_that_no_database_could_keep_is_invalid_not_a_crash(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    # A browser that cuts a message inside an emoji sends an unpaired surrogate escape.
    half_emoji = guest.call_text(
        "chat:message", f'{{"ticketId": "{ticket_id}", "text": "half \\ud83d"}}'
    )
    assert half_emoji["ok"] is False and half_emoji["error"]["code"] == "invalid"
    for payload in [
        {"ticketId": ticket_id, "text": "hi", "clientMsgId": "nul\x00byte"},
        {"ticketId": ticket_id + "\x00", "text": "hi"},
    ]:
        assert guest.error("chat:message", payload)["code"] == "invalid", payload
    # NaN is not JSON: it is kept as null rather than refused by PostgreSQL later.
    created = guest.call_text("ticket:create", '{"metadata": {"score": NaN}}')
    assert created["ok"] is True
    assert agent.wait_for("ticket:created", lambda t: t["id"] == created["ticket"]["id"])[
        "customer"
    ]["metadata"] == {"score": None}
    assert guest.ok("ticket:join", {"ticketId": ticket_id})["ticket"]["lastSeq"] == 1


def test_empty_text_is_invalid(live_server, peers):
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    for text in ["", "   \n\t ", "\u200b\u200b"]:
        error = guest.error("chat:message", {"ticketId": ticket_id, "text": text})
        assert error["code"] == "invalid" and error["details"] == {"field": "text"}, repr(text)
    assert guest.error("ticket:create", {"text": "  "})["code"] == "invalid"
    assert guest.ok("ticket:join", {"ticketId": ticket_id})["ticket"]["lastSeq"] == 1


def test_text_over_the_limit_is_too_large(live_server_factory, database_url, peers):
    server = live_server_factory(database_url, MAX_MESSAGE_CHARS="100")
    guest = peers.guest(server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    error = guest.error("chat:message", {"ticketId": ticket_id, "text": "x" * 101})
    assert error["code"] == "too_large" and error["details"] == {"field": "text", "limit": 100}
    assert guest.error("ticket:create", {"text": "x" * 101})["code"] == "too_large"
    # The limit counts what is kept, after trimming.
    assert len(guest.send(ticket_id, "  " + "x" * 100 + "\n")["text"]) == 100


def test_an_oversized_event_drops_only_the_senders_connection(live_server, peers):
    agent = peers.agent(live_server)
    guest = peers.guest(live_server)
    ticket_id = new_ticket(guest)["ticket"]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    sender = peers.guest(live_server)
    sender_ticket = new_ticket(sender)["ticket"]["id"]

    sender.client.emit(
        "chat:message", {"ticketId": sender_ticket, "text": "x" * (65 * 1024)}, namespace="/guest"
    )
    sender.wait_for("disconnect")  # the transport closes it (WebSocket close code 1009)

    assert requests.get(live_server.url + "/healthz", timeout=5).json() == {"status": "ok"}
    message = guest.send(ticket_id, "still here?")
    assert agent.wait_for("chat:message", lambda m: m["id"] == message["id"])
    history = agent.ok("ticket:join", {"ticketId": sender_ticket})["messages"]
    assert [m["seq"] for m in history] == [1]
    assert peers.guest(live_server).connected


def test_too_many_messages_are_rate_limited_with_a_retry_time(live_server_factory, peers):
    server = live_server_factory(MESSAGE_RATE_LIMIT="5 per 10 seconds")
    guest = peers.guest(server)
    ticket_id = new_ticket(guest)["ticket"]["id"]  # ticket:create counts too
    for n in range(4):
        guest.send(ticket_id, f"message {n}")
    error = guest.error("chat:message", {"ticketId": ticket_id, "text": "one too many"})
    assert error["code"] == "rate_limited"
    assert 0 < error["details"]["retryAfterMs"] <= 10_000
    agent = peers.agent(server)
    assert agent.ok("ticket:join", {"ticketId": ticket_id})["ticket"]["lastSeq"] == 5
    assert agent.send(ticket_id, "agents have their own budget")["seq"] == 6


def test_too_many_connections_from_one_address_are_rate_limited(live_server_factory, peers):
    server = live_server_factory(CONNECT_RATE_LIMIT="3 per minute", TRUSTED_PROXIES="1")
    token = sign_in(server).cookies["token"]
    office = {"X-Forwarded-For": "198.51.100.7"}
    for _ in range(3):
        peers.guest(server, headers=office)
    for namespace, options in [("/guest", {}), ("/agent", {"auth": {"token": token}})]:
        error = refusal(server.url, namespace, headers=office, **options)
        assert error["code"] == "rate_limited", namespace
        assert 0 < error["details"]["retryAfterMs"] <= 60_000
    assert peers.guest(server, headers={"X-Forwarded-For": "203.0.113.9"}).connected


def test_a_blocked_address_is_refused(live_server_factory, server_app, peers):
    # Behind one trusted proxy, the address is the proxy's X-Forwarded-For entry.
    server = live_server_factory(BLOCKLIST="10.0.0.0/8", TRUSTED_PROXIES="1")
    accounts = server_app(server)
    token = accounts.token(accounts.add_agent("ana@example.com", "Ana"), timedelta(minutes=5))
    blocked = {"X-Forwarded-For": "10.9.8.7"}
    assert refusal(server.url, "/guest", headers=blocked)["code"] == "blocked"
    refused = refusal(server.url, "/agent", auth={"token": token}, headers=blocked)
    assert refused["code"] == "blocked"
    assert peers.guest(server, headers={"X-Forwarded-For": "192.0.2.1"}).connected


def test_an_unknown_event_is_invalid_and_harmless(live_server, peers):
    guest = peers.guest(live_server)
    error = guest.error("ticket:delete", {"ticketId": "x"})
    assert error["code"] == "invalid" and error["details"] == {"event": "ticket:delete"}
    broken_name = guest.call_text("oops\ud83d", "{}")["error"]
    assert broken_name["code"] == "invalid" and broken_name["details"] == {"event": "oops\\ud83d"}
    assert new_ticket(guest)["ok"]


def test_an_unexpected_failure_is_an_internal_error_with_a_request_id(
    tmp_path, monkeypatch, caplog
):
    # No payload reaches a genuine bug any more (the ones found are fixed and tested above),
    # so a handler registered here plays the bug, in a server running in this process
    # (werkzeug, threads) for a real python-socketio client.
    from supportchat.sockets.guest import GuestNamespace

    def broken(actor, data):
        raise KeyError(data["text"])  # a bug whose message quotes the payload

    monkeypatch.setitem(GuestNamespace.events, "test:broken", broken)
    app = make_app(base_config(tmp_path, TESTING="true"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    guest = None
    try:
        guest = open_peer(
            f"http://127.0.0.1:{server.server_port}", "/guest", auth={"clientId": str(uuid.uuid4())}
        )
        with caplog.at_level(logging.ERROR, logger="supportchat.sockets.base"):
            error = guest.error("test:broken", {"text": "private words"})
        assert error["code"] == "internal"
        request_id = error["message"].split("request id ")[1].split(")")[0]
        assert "KeyError" not in error["message"] and "private" not in error["message"]
        logged = [r for r in caplog.records if request_id in r.getMessage()]
        # The type and the frames are logged; the exception's message (it may quote what the
        # client sent) is not.
        assert logged and "KeyError" in logged[0].getMessage() and "broken" in logged[0].trace
        assert not any("private words" in r.getMessage() + str(vars(r)) for r in caplog.records)
        assert guest.connected and new_ticket(guest, "still works")["ok"]
    finally:
        if guest:
            guest.close()
        server.shutdown()


def test_opening_conversations_is_limited_per_address_across_http_and_sockets(
    live_server_factory, peers
):
    """clientIds cost nothing to mint: the limit on new conversations counts per address
    (behind TRUSTED_PROXIES, the address the proxy saw), whichever door opens them."""
    server = live_server_factory(NEW_CONVERSATION_RATE_LIMIT="3 per minute", TRUSTED_PROXIES="1")
    office = {"X-Forwarded-For": "198.51.100.7"}

    def http_open(client_id: str, session_id: str, headers: dict) -> requests.Response:
        return requests.post(
            server.url + "/api/chat",
            headers=headers,
            timeout=10,
            json={"clientId": client_id, "sessionId": session_id, "message": "Hello"},
        )

    first = str(uuid.uuid4())
    for n in range(2):
        assert http_open(str(uuid.uuid4()) if n else first, f"s-{n}", office).status_code == 200
    guest = peers.guest(server, headers=office)
    guest.ok("ticket:create", {"text": "Hello over the socket"})
    error = guest.error("ticket:create", {"text": "One more"})
    assert error["code"] == "rate_limited"
    assert 0 < error["details"]["retryAfterMs"] <= 60_000
    refused = http_open(str(uuid.uuid4()), "s-new", office)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    # Conversations already open go on; other addresses are not affected.
    assert http_open(first, "s-0", office).status_code == 200
    assert (
        http_open(str(uuid.uuid4()), "s-x", {"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    )


def test_a_dns_rebinding_page_is_not_taken_for_the_servers_own_origin(live_server_factory, peers):
    """Without BASE_URL (development), Host counts as our own origin only on loopback."""
    server = live_server_factory()
    port = server.url.rsplit(":", 1)[1]
    rebound = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    for namespace in ("/guest", "/agent"):
        assert refusal(server.url, namespace, headers=rebound, transports=("polling",)) is None
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        own = {"Host": host, "Origin": f"http://{host}"}
        assert peers.guest(server, headers=own, transports=("polling",)).connected
