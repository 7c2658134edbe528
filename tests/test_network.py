"""Network controls (PROTOCOL.md §3.7, §4, §6): the blocklist on HTTP and Socket.IO, client
addresses through trusted proxies only, and CORS for the widget's routes alone."""

from __future__ import annotations

import uuid

import pytest
import requests

from support.http import block_from_elsewhere, sign_in
from support.socket_clients import WAIT, api_token, open_peer, refusal


def from_address(client, address: str, path="/api/chat?sessionId=s-1", **headers):
    return client.get(
        path,
        environ_base={"REMOTE_ADDR": address},
        headers={"X-Client-Id": str(uuid.uuid4()), **headers},
    )


def assert_blocked(response):
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "blocked"


def assert_let_through(response):
    # Past the door: the unknown session is the app's own answer.
    assert response.status_code == 404, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "entries, address, blocked",
    [
        ("203.0.113.7", "203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
        ("10.0.0.0/8", "10.20.30.40", True),
        ("2001:db8::/32", "2001:db8:1::5", True),
        ("2001:db8::/32", "2001:db9::5", False),
        ("::1", "::1", True),
        ("10.0.0.9", "::ffff:10.0.0.9", True),  # an IPv6-mapped IPv4 caller
        ("::ffff:10.0.0.9", "10.0.0.9", True),  # an IPv6-mapped IPv4 entry
        ("::ffff:10.0.0.0/104", "10.200.1.1", True),
        ("::ffff:10.0.0.0/104", "11.0.0.1", False),
    ],
)
def test_blocklist_entries_match_ipv4_ipv6_and_mapped_addresses(
    app_builder, entries, address, blocked
):
    client = app_builder(BLOCKLIST=entries).test_client()
    response = from_address(client, address)
    assert_blocked(response) if blocked else assert_let_through(response)


def test_a_blocked_address_is_refused_on_every_route_before_anything_else(app_builder):
    client = app_builder(BLOCKLIST="203.0.113.7", MESSAGE_RATE_LIMIT="1 per minute").test_client()
    for _ in range(3):  # refused as blocked, never counted as rate limited
        assert_blocked(
            client.post(
                "/api/chat",
                environ_base={"REMOTE_ADDR": "203.0.113.7"},
                json={"clientId": str(uuid.uuid4()), "sessionId": "s", "message": "hi"},
            )
        )
    assert_blocked(from_address(client, "203.0.113.7", "/api/admin/settings"))
    assert_blocked(from_address(client, "203.0.113.7", "/agent/login"))


def test_entries_an_admin_stores_apply_at_once(app_builder):
    client = app_builder().test_client()
    token = sign_in(client, "admin").token
    assert_let_through(from_address(client, "198.51.100.23"))
    stored = client.put(
        "/api/admin/blocklist",
        headers={"Authorization": f"Bearer {token}"},
        json={"entries": ["198.51.100.0/24"]},
    )
    assert stored.status_code == 200
    assert_blocked(from_address(client, "198.51.100.23"))
    assert_let_through(from_address(client, "198.51.101.23"))


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app_builder):
    client = app_builder(BLOCKLIST="203.0.113.7,127.0.0.1").test_client()
    assert_let_through(from_address(client, "198.51.100.1", **{"X-Forwarded-For": "203.0.113.7"}))
    assert_blocked(from_address(client, "127.0.0.1", **{"X-Forwarded-For": "198.51.100.1"}))


def test_with_one_trusted_proxy_only_the_hop_it_appended_counts(app_builder):
    client = app_builder(BLOCKLIST="203.0.113.7", TRUSTED_PROXIES="1").test_client()
    assert_blocked(from_address(client, "10.0.0.2", **{"X-Forwarded-For": "203.0.113.7"}))
    # A client that writes its own header first: the proxy appends the real address.
    assert_let_through(
        from_address(client, "10.0.0.2", **{"X-Forwarded-For": "203.0.113.7, 198.51.100.1"})
    )
    assert_blocked(
        from_address(client, "10.0.0.2", **{"X-Forwarded-For": "198.51.100.1, ::ffff:203.0.113.7"})
    )


# Live server: real sockets, real Socket.IO connects


def live_get(server, **headers):
    return requests.get(
        server.url + "/api/chat",
        params={"sessionId": "s-1"},
        timeout=WAIT,
        headers={"X-Client-Id": str(uuid.uuid4()), **headers},
    )


def test_a_live_server_behind_one_proxy_blocks_by_the_forwarded_address(live_server_factory):
    server = live_server_factory(BLOCKLIST="2001:db8::/32", TRUSTED_PROXIES="1")
    blocked = live_get(server, **{"X-Forwarded-For": "2001:db8::77"})
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "blocked"
    assert live_get(server, **{"X-Forwarded-For": "2001:db8::77, 192.0.2.10"}).status_code == 404
    error = refusal(
        server.url,
        "/guest",
        auth={"clientId": str(uuid.uuid4())},
        headers={"X-Forwarded-For": "2001:db8::77"},
    )
    assert error["code"] == "blocked"
    peer = open_peer(
        server.url,
        "/guest",
        auth={"clientId": str(uuid.uuid4())},
        headers={"X-Forwarded-For": "192.0.2.10"},
    )
    peer.close()


def test_a_live_server_without_trusted_proxies_ignores_forwarded_for(live_server_factory):
    server = live_server_factory()
    # Blocked through the admin API (a BLOCKLIST of 127.0.0.1 would fail the start-up probe).
    block_from_elsewhere(server, api_token(server), ["127.0.0.1"])
    forged = live_get(server, **{"X-Forwarded-For": "192.0.2.10"})
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "blocked"
    for namespace in ("/guest", "/agent"):
        error = refusal(
            server.url,
            namespace,
            auth={"clientId": str(uuid.uuid4())},
            headers={"X-Forwarded-For": "192.0.2.10"},
        )
        assert error["code"] == "blocked"


# CORS

ALLOWED = "shop.example.com,https://app.example.org"


def preflight(client, path, origin, method="POST"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type,x-client-id",
        },
    )


@pytest.mark.parametrize(
    "origin, allowed",
    [
        ("https://shop.example.com", True),
        ("http://shop.example.com:8080", True),
        ("https://app.example.org", True),
        ("http://app.example.org", False),
        ("https://evil.example.net", False),
        ("https://shop.example.com.evil.net", False),
    ],
)
def test_the_widgets_routes_answer_preflights_from_allowed_origins_only(
    app_builder, origin, allowed
):
    client = app_builder(ALLOWED_ORIGINS=ALLOWED).test_client()
    for path in ("/api/chat", "/api/chat/upload", "/api/upload"):
        headers = preflight(client, path, origin).headers
        if allowed:
            assert headers["Access-Control-Allow-Origin"] == origin
            assert headers["Access-Control-Allow-Credentials"] == "true"
            assert "x-client-id" in headers["Access-Control-Allow-Headers"].lower()
        else:
            assert "Access-Control-Allow-Origin" not in headers


def test_errors_on_the_widgets_routes_are_readable_by_allowed_origins(app_builder):
    client = app_builder(ALLOWED_ORIGINS=ALLOWED).test_client()
    response = client.post(
        "/api/chat", json={"message": "hi"}, headers={"Origin": "https://shop.example.com"}
    )
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"


def test_admin_and_agent_routes_are_same_origin_only(app_builder):
    client = app_builder(ALLOWED_ORIGINS=ALLOWED).test_client()
    for path in (
        "/api/admin/settings",
        "/api/conversations",
        "/api/admin/auth/token",
        "/agent/login",
    ):
        assert (
            "Access-Control-Allow-Origin"
            not in preflight(client, path, "https://shop.example.com").headers
        )


def test_a_wildcard_allows_every_origin_but_never_with_credentials(app_builder):
    client = app_builder(ALLOWED_ORIGINS="*").test_client()
    headers = preflight(client, "/api/chat", "https://anywhere.example").headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in headers


def test_no_allowed_origins_means_no_cross_origin_access(app_builder):
    client = app_builder().test_client()
    assert (
        "Access-Control-Allow-Origin"
        not in preflight(client, "/api/chat", "https://shop.example.com").headers
    )


def test_the_cors_patterns_agree_with_the_socket_origin_check():
    from supportchat.blueprints import origin_pattern
    from supportchat.sockets.origins import listed

    allowed = ALLOWED.split(",")
    for origin in (
        "https://shop.example.com",
        "http://SHOP.example.com:3000",
        "https://app.example.org",
        "https://app.example.org:8443",
        "http://app.example.org",
        "https://evil.example.net",
        "https://shop.example.com.evil.net",
        "https://xshop.example.com",
    ):
        by_cors = any(origin_pattern(entry).match(origin) for entry in allowed)
        assert by_cors == listed(allowed, origin), origin


def test_a_preflight_over_real_http(live_server_factory):
    server = live_server_factory(ALLOWED_ORIGINS=ALLOWED)
    response = requests.options(
        server.url + "/api/chat",
        timeout=WAIT,
        headers={
            "Origin": "https://shop.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    foreign = requests.options(
        server.url + "/api/chat",
        timeout=WAIT,
        headers={"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in foreign.headers
