"""/api/admin/preferences: each agent's and admin's own preferences, kept on the server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from test_api_admin_tokens import cookie_session

from support.http import bearer, error_of, sign_in, token_pair
from support.socket_clients import api_token

DEFAULTS = {"sound": True, "desktop": False, "emailWhenOffline": False}
ROUTE = "/api/admin/preferences"


def stored(app, agent_id: str):
    """The raw ``agents.preferences`` value."""
    from supportchat.extensions import db
    from supportchat.models import Agent

    with app.app_context():
        return db.session.get(Agent, agent_id).preferences


def test_an_agent_starts_with_the_defaults(client, agent):
    response = client.get(ROUTE, headers=agent.headers)
    assert response.status_code == 200
    assert response.get_json() == DEFAULTS
    assert stored(client.application, agent.id) is None  # nothing written by reading


def test_a_partial_change_keeps_the_other_preferences_and_answers_them_all(client, agent):
    first = client.put(ROUTE, json={"desktop": True}, headers=agent.headers)
    assert first.status_code == 200
    assert first.get_json() == {**DEFAULTS, "desktop": True}
    second = client.put(
        ROUTE, json={"sound": False, "emailWhenOffline": True}, headers=agent.headers
    )
    expected = {"sound": False, "desktop": True, "emailWhenOffline": True}
    assert second.get_json() == expected
    assert client.get(ROUTE, headers=agent.headers).get_json() == expected


def test_an_empty_change_changes_nothing_and_null_restores_a_default(client, agent):
    client.put(ROUTE, json={"sound": False, "desktop": True}, headers=agent.headers)
    assert client.put(ROUTE, json={}, headers=agent.headers).get_json() == {
        **DEFAULTS,
        "sound": False,
        "desktop": True,
    }
    restored = client.put(ROUTE, json={"sound": None}, headers=agent.headers)
    assert restored.get_json() == {**DEFAULTS, "desktop": True}
    assert stored(client.application, agent.id) == {"desktop": True}  # only explicit choices


def test_admins_have_their_own_preferences_too(client, agent, admin):
    client.put(ROUTE, json={"desktop": True}, headers=admin.headers)
    assert client.get(ROUTE, headers=admin.headers).get_json()["desktop"] is True
    assert client.get(ROUTE, headers=agent.headers).get_json() == DEFAULTS


def test_an_agent_changes_only_their_own_preferences(client, agent):
    bob = sign_in(client, "agent", "bob@example.com")
    client.put(ROUTE, json={"sound": False, "emailWhenOffline": True}, headers=bob.headers)
    # No route names another agent: whatever the request says, it reads and writes the caller's.
    assert client.get(ROUTE, headers=agent.headers).get_json() == DEFAULTS
    sneaky = client.put(ROUTE + f"?agentId={bob.id}", json={"sound": True}, headers=agent.headers)
    assert sneaky.status_code == 200
    assert client.get(ROUTE, headers=bob.headers).get_json() == {
        **DEFAULTS,
        "sound": False,
        "emailWhenOffline": True,
    }
    error_of(client.put(ROUTE, json={"id": bob.id}, headers=agent.headers), 400, "invalid")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"sound": "true"}, "sound"),
        ({"desktop": 1}, "desktop"),
        ({"emailWhenOffline": "yes"}, "emailWhenOffline"),
        ({"sound": [True]}, "sound"),
        ({"desktop": {"on": True}}, "desktop"),
        ({"emailWhenOffline": 0.0}, "emailWhenOffline"),
    ],
)
def test_a_value_that_is_not_true_or_false_is_invalid_and_changes_nothing(
    client, agent, body, field
):
    error = error_of(client.put(ROUTE, json=body, headers=agent.headers), 400, "invalid")
    assert error["details"] == {"field": field}
    assert error["message"] == f"{field}: input should be a valid boolean."
    assert client.get(ROUTE, headers=agent.headers).get_json() == DEFAULTS


def test_an_unknown_key_is_refused_naming_the_known_ones_and_changes_nothing(client, agent):
    body = {"sound": False, "sounds": False}
    error = error_of(client.put(ROUTE, json=body, headers=agent.headers), 400, "invalid")
    assert error["details"] == {"field": "sounds"}
    assert error["message"] == (
        "sounds: is not a field of this request; send only sound, desktop, emailWhenOffline."
    )
    assert client.get(ROUTE, headers=agent.headers).get_json() == DEFAULTS


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("[true]", "application/json"),
        ('"sound"', "application/json"),
        ("{not json", "application/json"),
        ('{"sound": false}', "text/plain"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_invalid(client, agent, data, content_type):
    response = client.put(ROUTE, data=data, headers={**agent.headers, "Content-Type": content_type})
    error_of(response, 400, "invalid")
    assert client.get(ROUTE, headers=agent.headers).get_json() == DEFAULTS


def test_an_oversized_body_is_too_large_and_changes_nothing(client, agent):
    body = {"sound": False, "padding": "x" * (70 * 1024)}
    error_of(client.put(ROUTE, json=body, headers=agent.headers), 413, "too_large")
    assert client.get(ROUTE, headers=agent.headers).get_json() == DEFAULTS


@pytest.mark.parametrize("method", ["get", "put"])
def test_without_credentials_the_answer_is_unauthorized(client, method):
    error_of(getattr(client, method)(ROUTE, json={"sound": False}), 401, "unauthorized")
    error_of(
        getattr(client, method)(ROUTE, json={"sound": False}, headers=bearer("not-a-token")),
        401,
        "unauthorized",
    )


def test_a_cookie_session_changes_preferences_only_with_the_csrf_header(client):
    tokens = token_pair(client, "ana@example.com", role="agent")
    csrf = cookie_session(client, tokens)
    assert client.get(ROUTE).get_json() == DEFAULTS  # reading needs no CSRF header
    error = error_of(client.put(ROUTE, json={"sound": False}), 403, "forbidden")
    assert error["details"] == {"reason": "csrf"}
    assert client.get(ROUTE).get_json() == DEFAULTS
    changed = client.put(ROUTE, json={"sound": False}, headers={"X-CSRF-TOKEN": csrf})
    assert changed.status_code == 200 and changed.get_json()["sound"] is False


def test_a_personal_api_token_reads_and_writes_its_owners_preferences(client, agent):
    admin = sign_in(client, "admin", "admin@example.com")
    made = client.post(
        "/api/admin/tokens", json={"name": "prefs script", "role": "agent"}, headers=admin.headers
    ).get_json()["token"]
    script = bearer(made["token"])
    assert client.put(ROUTE, json={"desktop": True}, headers=script).status_code == 200
    assert client.get(ROUTE, headers=admin.headers).get_json()["desktop"] is True
    assert client.get(ROUTE, headers=agent.headers).get_json() == DEFAULTS


def test_the_static_bearer_token_has_no_preferences(build):
    token = "static-admin-token-0123456789"
    client = build(AUTH_BEARER_TOKEN=token).test_client()
    for response in (
        client.get(ROUTE, headers=bearer(token)),
        client.put(ROUTE, json={"sound": False}, headers=bearer(token)),
    ):
        error = error_of(response, 403, "forbidden")
        assert "personal API token" in error["message"]


def test_changes_of_different_preferences_at_once_are_all_kept(live_server):
    headers = bearer(api_token(live_server))
    url = live_server.url + ROUTE

    def put(body):
        return requests.put(url, json=body, headers=headers, timeout=30).status_code

    for _ in range(20):  # two tabs, each changing its own key, at the same moment
        requests.put(url, json={"sound": None, "desktop": None}, headers=headers, timeout=30)
        with ThreadPoolExecutor(2) as pool:
            assert set(pool.map(put, [{"sound": False}, {"desktop": True}])) == {200}
        answer = requests.get(url, headers=headers, timeout=30).json()
        assert (answer["sound"], answer["desktop"]) == (False, True)
