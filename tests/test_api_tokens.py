"""Personal API tokens (PROTOCOL.md §3.7 /api/admin/tokens): shown once, stored hashed, used
as a bearer with their role, revocable, audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import text
from test_api_admin_tokens import cookie_session

from support.apps import audit_events
from support.http import bearer, error_of, token_pair


def create(client, headers, **body):
    response = client.post(
        "/api/admin/tokens", json={"name": "nightly export", **body}, headers=headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def test_a_token_is_shown_once_listed_without_its_secret_and_stored_hashed(client, admin):
    made = create(client, admin.headers, role="agent", expiresInDays=30)
    assert made["token"].startswith("sct_") and len(made["token"]) > 40
    assert made["prefix"] == made["token"][:12] and made["lastUsedAt"] is None
    listed = client.get("/api/admin/tokens", headers=admin.headers).get_json()["tokens"]
    assert listed == [{key: value for key, value in made.items() if key != "token"}]
    assert set(listed[0]) == {
        "id",
        "name",
        "role",
        "prefix",
        "createdAt",
        "lastUsedAt",
        "expiresAt",
    }
    with client.application.app_context():
        from supportchat.extensions import db

        row = db.session.execute(text("SELECT * FROM api_tokens")).mappings().one()
    assert made["token"] not in [str(value) for value in row.values()]
    assert row["token_hash"] == hashlib.sha256(made["token"].encode()).hexdigest()


def test_a_token_works_on_the_apis_with_its_role_until_revoked(client, admin):
    agent_token = create(client, admin.headers, role="agent")["token"]
    admin_token = create(client, admin.headers, role="admin", name="provisioning")

    assert client.get("/api/admin/inbox", headers=bearer(agent_token)).status_code == 200
    error_of(client.get("/api/admin/settings", headers=bearer(agent_token)), 403, "forbidden")
    assert (
        client.get("/api/admin/settings", headers=bearer(admin_token["token"])).status_code == 200
    )
    listed = client.get("/api/admin/tokens", headers=admin.headers).get_json()["tokens"]
    assert all(token["lastUsedAt"] for token in listed)

    assert (
        client.delete(f"/api/admin/tokens/{admin_token['id']}", headers=admin.headers).status_code
        == 204
    )
    error = error_of(
        client.get("/api/admin/settings", headers=bearer(admin_token["token"])), 401, "unauthorized"
    )
    assert "revoked" in error["message"]
    assert client.get("/api/admin/inbox", headers=bearer(agent_token)).status_code == 200
    actions = [(event[1], event[3]) for event in audit_events(client.application, None)]
    assert ("token.create", "127.0.0.1") in actions and ("token.revoke", "127.0.0.1") in actions


def test_expired_tokens_and_deactivated_owners_are_refused(client, admin):
    token = create(client, admin.headers, role="admin", expiresInDays=1)
    assert client.get("/api/admin/tokens", headers=bearer(token["token"])).status_code == 200
    with client.application.app_context():
        from supportchat.extensions import db
        from supportchat.models import Agent, ApiToken

        stored = db.session.get(ApiToken, token["id"])
        stored.expires_at = stored.created_at - timedelta(seconds=1)
        db.session.commit()
    error_of(client.get("/api/admin/tokens", headers=bearer(token["token"])), 401, "unauthorized")

    other = create(client, admin.headers, role="admin")["token"]
    with client.application.app_context():
        db.session.get(Agent, admin.id).active = False
        db.session.commit()
    error_of(client.get("/api/admin/inbox", headers=bearer(other)), 401, "unauthorized")


def test_an_admin_token_of_an_owner_demoted_to_agent_acts_as_an_agent(client, admin):
    token = create(client, admin.headers, role="admin")["token"]
    with client.application.app_context():
        from supportchat.extensions import db
        from supportchat.models import Agent

        db.session.get(Agent, admin.id).role = "agent"
        db.session.commit()
    assert client.get("/api/admin/inbox", headers=bearer(token)).status_code == 200
    error_of(client.get("/api/admin/tokens", headers=bearer(token)), 403, "forbidden")


def test_made_up_tokens_are_refused(client, admin):
    create(client, admin.headers)
    for value in ("sct_", "sct_" + "A" * 43, "sct_\u00e9t\u00e9"):
        error_of(client.get("/api/admin/inbox", headers=bearer(value)), 401, "unauthorized")


def test_bad_requests_are_refused_and_change_nothing(client, admin):
    for body in [
        {},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "n", "role": "owner"},
        {"name": "n", "expiresInDays": 0},
        {"name": "n", "expiresInDays": 3651},
        {"name": "n", "expiresInDays": "30"},
        {"name": 5},
    ]:
        error_of(client.post("/api/admin/tokens", json=body, headers=admin.headers), 400, "invalid")
    error_of(client.delete("/api/admin/tokens/nope", headers=admin.headers), 404, "not_found")
    assert client.get("/api/admin/tokens", headers=admin.headers).get_json() == {"tokens": []}


def test_agents_and_strangers_may_not_manage_tokens(client, admin, agent):
    made = create(client, admin.headers)
    error_of(client.get("/api/admin/tokens", headers=agent.headers), 403, "forbidden")
    error_of(
        client.post("/api/admin/tokens", json={"name": "mine"}, headers=agent.headers),
        403,
        "forbidden",
    )
    error_of(
        client.delete(f"/api/admin/tokens/{made['id']}", headers=agent.headers), 403, "forbidden"
    )
    error_of(client.get("/api/admin/tokens"), 401, "unauthorized")
    # An agent's token cannot make itself an admin's.
    agent_token = create(client, admin.headers, role="agent")["token"]
    error_of(
        client.post("/api/admin/tokens", json={"name": "up"}, headers=bearer(agent_token)),
        403,
        "forbidden",
    )
    assert len(client.get("/api/admin/tokens", headers=admin.headers).get_json()["tokens"]) == 2


def test_cookie_signed_token_changes_need_the_csrf_header(client):
    csrf = cookie_session(client, token_pair(client))
    error = error_of(client.post("/api/admin/tokens", json={"name": "n"}), 403, "forbidden")
    assert error["details"] == {"reason": "csrf"}
    made = client.post("/api/admin/tokens", json={"name": "n"}, headers={"X-CSRF-TOKEN": csrf})
    assert made.status_code == 201
    token_id = made.get_json()["token"]["id"]
    error_of(client.delete(f"/api/admin/tokens/{token_id}"), 403, "forbidden")
    assert (
        client.delete(f"/api/admin/tokens/{token_id}", headers={"X-CSRF-TOKEN": csrf}).status_code
        == 204
    )


def test_the_static_bearer_admin_cannot_mint_personal_tokens(build):
    client = build(AUTH_BEARER_TOKEN="static-admin-token-" + "q" * 24).test_client()
    error = error_of(
        client.post(
            "/api/admin/tokens",
            json={"name": "n"},
            headers=bearer("static-admin-token-" + "q" * 24),
        ),
        403,
        "forbidden",
    )
    assert "admin account" in error["message"]


def test_last_use_is_written_at_most_once_a_minute(client, admin):
    token = create(client, admin.headers)

    def last_used():
        listed = client.get("/api/admin/tokens", headers=admin.headers).get_json()["tokens"]
        return listed[0]["lastUsedAt"]

    client.get("/api/admin/inbox", headers=bearer(token["token"]))
    first = last_used()
    client.get("/api/admin/inbox", headers=bearer(token["token"]))
    assert first is not None and last_used() == first
    with client.application.app_context():
        from supportchat.extensions import db
        from supportchat.models import ApiToken

        stored = db.session.get(ApiToken, token["id"])
        stored.last_used_at -= timedelta(minutes=2)
        db.session.commit()
    client.get("/api/admin/inbox", headers=bearer(token["token"]))
    assert last_used() > first
