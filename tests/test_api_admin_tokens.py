"""The admin API's tokens (PROTOCOL.md §3.7): the pair, its two secrets, rotation with
reuse detection, revocation, cookies with their CSRF headers, issuer and audience."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from support.apps import audit_events, create_account
from support.http import PASSWORD, bearer, error_of, token_pair

JWT_SECRET = "test-jwt-secret-" + "y" * 32
REFRESH_SECRET = "test-refresh-secret-" + "z" * 32


def test_an_agent_trades_email_and_password_for_tokens(client):
    tokens = token_pair(client, "ana@example.com", role="agent")
    assert set(tokens) == {"accessToken", "refreshToken", "expiresIn"}
    assert tokens["expiresIn"] == 15 * 60
    claims = jwt.decode(tokens["accessToken"], JWT_SECRET, algorithms=["HS256"])
    assert (claims["type"], claims["role"], claims["name"]) == ("access", "agent", "ana")


def test_a_wrong_password_and_an_unknown_email_are_refused_alike(client):
    create_account(client.application)
    wrong = client.post(
        "/api/admin/auth/token", json={"email": "ana@example.com", "password": "not it at all"}
    )
    unknown = client.post(
        "/api/admin/auth/token", json={"email": "bob@example.com", "password": PASSWORD}
    )
    assert error_of(wrong, 401, "unauthorized") == error_of(unknown, 401, "unauthorized")


def test_repeated_failed_sign_ins_are_rate_limited(build):
    client = build(LOGIN_RATE_LIMIT="3 per minute").test_client()
    create_account(client.application)
    for _ in range(3):
        client.post(
            "/api/admin/auth/token", json={"email": "ana@example.com", "password": "nope-nope"}
        )
    response = client.post(
        "/api/admin/auth/token", json={"email": "ana@example.com", "password": PASSWORD}
    )
    error_of(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


def test_failed_token_requests_from_one_address_do_not_lock_the_agent_out_elsewhere(build):
    client = build(
        LOGIN_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_RATE_LIMIT="5 per minute"
    ).test_client()
    create_account(client.application)

    def request_token(address: str, password: str):
        return client.post(
            "/api/admin/auth/token",
            environ_base={"REMOTE_ADDR": address},
            json={"email": "ana@example.com", "password": password},
        )

    for _ in range(3):
        error_of(request_token("203.0.113.66", "nope-nope"), 401, "unauthorized")
    error_of(request_token("203.0.113.66", PASSWORD), 429, "rate_limited")
    assert request_token("198.51.100.7", PASSWORD).status_code == 200
    # Spread over addresses, guesses meet the per-account limit.
    for n in range(2):
        error_of(request_token(f"192.0.2.{n + 1}", "nope-nope"), 401, "unauthorized")
    error_of(request_token("192.0.2.99", PASSWORD), 429, "rate_limited")


def test_refresh_tokens_are_signed_with_their_own_secret(client):
    tokens = token_pair(client)
    jwt.decode(
        tokens["refreshToken"], REFRESH_SECRET, algorithms=["HS256"], options={"verify_aud": False}
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tokens["refreshToken"], JWT_SECRET, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tokens["accessToken"], REFRESH_SECRET, algorithms=["HS256"])


def test_neither_token_passes_for_the_other(client):
    tokens = token_pair(client)
    error_of(
        client.post("/api/admin/auth/refresh", headers=bearer(tokens["accessToken"])),
        401,
        "unauthorized",
    )
    error_of(
        client.get("/api/conversations", headers=bearer(tokens["refreshToken"])),
        401,
        "unauthorized",
    )


def test_a_refresh_token_signed_with_the_access_secret_is_refused(client):
    tokens = token_pair(client)
    claims = jwt.decode(tokens["refreshToken"], REFRESH_SECRET, algorithms=["HS256"])
    forged = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    error_of(client.post("/api/admin/auth/refresh", headers=bearer(forged)), 401, "unauthorized")


def test_refreshing_rotates_the_pair_and_a_reused_refresh_token_revokes_the_family(client):
    first = token_pair(client)
    second = client.post("/api/admin/auth/refresh", headers=bearer(first["refreshToken"]))
    assert second.status_code == 200
    second = second.get_json()
    assert second["refreshToken"] != first["refreshToken"]
    assert (
        client.get("/api/admin/settings", headers=bearer(second["accessToken"])).status_code == 200
    )
    # The old refresh token again: someone else holds a copy. The whole family goes.
    error_of(
        client.post("/api/admin/auth/refresh", headers=bearer(first["refreshToken"])),
        401,
        "unauthorized",
    )
    error_of(
        client.post("/api/admin/auth/refresh", headers=bearer(second["refreshToken"])),
        401,
        "unauthorized",
    )
    error_of(
        client.get("/api/admin/settings", headers=bearer(second["accessToken"])),
        401,
        "unauthorized",
    )
    assert [event[4]["reason"] for event in audit_events(client.application, "auth.revoke")] == [
        "reuse"
    ]


def test_a_revoked_token_and_its_family_stop_working(client):
    tokens = token_pair(client)
    response = client.post("/api/admin/auth/revoke", headers=bearer(tokens["accessToken"]))
    assert response.status_code == 200 and response.get_json() == {"revoked": True}
    error_of(
        client.get("/api/admin/settings", headers=bearer(tokens["accessToken"])),
        401,
        "unauthorized",
    )
    error_of(
        client.post("/api/admin/auth/refresh", headers=bearer(tokens["refreshToken"])),
        401,
        "unauthorized",
    )


def test_refresh_and_revoke_hooks_hear_of_each_event(client):
    from supportchat.services import audit

    heard = []
    audit.on_refresh(heard.append)
    audit.on_revoke(heard.append)
    try:
        tokens = token_pair(client)
        rotated = client.post("/api/admin/auth/refresh", headers=bearer(tokens["refreshToken"]))
        client.post("/api/admin/auth/revoke", headers=bearer(rotated.get_json()["accessToken"]))
    finally:
        audit.off("auth.refresh", heard.append)
        audit.off("auth.revoke", heard.append)
    assert [event["action"] for event in heard] == ["auth.refresh", "auth.revoke"]
    assert heard[0]["actor"] == heard[1]["actor"] and heard[0]["address"] == "127.0.0.1"
    assert heard[0]["target"] == heard[1]["target"]  # one token family


def cookie_session(client, tokens) -> str:
    """Carry the tokens as a browser does; returns the access token's CSRF value."""
    access = jwt.decode(tokens["accessToken"], options={"verify_signature": False})
    refresh = jwt.decode(tokens["refreshToken"], options={"verify_signature": False})
    client.set_cookie("token", tokens["accessToken"])
    client.set_cookie("csrf_access_token", access["csrf"])
    client.set_cookie("refresh_token", tokens["refreshToken"])
    client.set_cookie("csrf_refresh_token", refresh["csrf"])
    return access["csrf"]


def test_cookie_signed_changes_need_the_csrf_header(client):
    csrf = cookie_session(client, token_pair(client))
    change = {"branding": {"title": "Acme Help"}}
    error = error_of(client.put("/api/admin/settings", json=change), 403, "forbidden")
    assert error["details"] == {"reason": "csrf"}
    assert (
        client.put("/api/admin/settings", json=change, headers={"X-CSRF-TOKEN": csrf}).status_code
        == 200
    )
    assert client.get("/api/admin/settings").get_json()["branding"]["title"] == "Acme Help"


def test_refresh_by_cookie_needs_the_refresh_csrf_header_and_sets_new_cookies(client):
    tokens = token_pair(client)
    cookie_session(client, tokens)
    error_of(client.post("/api/admin/auth/refresh"), 403, "forbidden")
    refresh_csrf = client.get_cookie("csrf_refresh_token").value
    response = client.post("/api/admin/auth/refresh", headers={"X-CSRF-TOKEN": refresh_csrf})
    assert response.status_code == 200
    assert client.get_cookie("refresh_token").value == response.get_json()["refreshToken"]


def test_issuer_and_audience_are_required_when_configured(build):
    client = build(
        AUTH_JWT_ISSUER="https://support.example.com", AUTH_JWT_AUDIENCE="supportchat"
    ).test_client()
    tokens = token_pair(client)
    claims = jwt.decode(
        tokens["accessToken"], JWT_SECRET, algorithms=["HS256"], audience="supportchat"
    )
    assert claims["iss"] == "https://support.example.com"
    assert (
        client.get("/api/admin/settings", headers=bearer(tokens["accessToken"])).status_code == 200
    )
    for changed in ({"iss": "https://evil.example.com"}, {"aud": "another-app"}):
        forged = jwt.encode({**claims, **changed}, JWT_SECRET, algorithm="HS256")
        error_of(client.get("/api/admin/settings", headers=bearer(forged)), 401, "unauthorized")
    bare = {key: value for key, value in claims.items() if key not in ("iss", "aud")}
    error_of(
        client.get(
            "/api/admin/settings", headers=bearer(jwt.encode(bare, JWT_SECRET, algorithm="HS256"))
        ),
        401,
        "unauthorized",
    )


def test_an_expired_access_token_is_unauthorized(client):
    claims = jwt.decode(token_pair(client)["accessToken"], JWT_SECRET, algorithms=["HS256"])
    claims["exp"] = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    expired = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    error_of(client.get("/api/admin/settings", headers=bearer(expired)), 401, "unauthorized")


def test_a_token_without_an_agent_role_is_unauthorized(client):
    claims = jwt.decode(token_pair(client)["accessToken"], JWT_SECRET, algorithms=["HS256"])
    for role in ("guest", None):
        forged = jwt.encode({**claims, "role": role}, JWT_SECRET, algorithm="HS256")
        error_of(client.get("/api/conversations", headers=bearer(forged)), 401, "unauthorized")
