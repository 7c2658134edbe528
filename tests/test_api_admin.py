"""The admin API (PROTOCOL.md §3.7): roles on every route, the static bearer token, settings
with write-only secrets, accounts, the blocklist, schema upgrades, and an audit trail of every
change. Its tokens: test_api_admin_tokens.py."""

from __future__ import annotations

import io
import uuid

import jwt
import pytest
import requests

from support.apps import audit_events
from support.http import bearer, error_of, token_pair
from support.socket_clients import ADMIN, WAIT

# Who may do what

ADMIN_ROUTES = [
    ("get", "/api/admin/settings", None),
    ("put", "/api/admin/settings", {"branding": {"title": "x"}}),
    ("get", "/api/admin/agents", None),
    ("post", "/api/admin/agents", {"email": "x@example.com", "name": "X", "password": "12345678"}),
    ("patch", "/api/admin/agents/some-id", {"name": "Y"}),
    ("delete", "/api/admin/agents/some-id", None),
    ("get", "/api/admin/blocklist", None),
    ("put", "/api/admin/blocklist", {"entries": []}),
    ("post", "/api/admin/db/init", None),
]
AGENT_ROUTES = [
    ("/api/conversations", 200),
    ("/api/admin/inbox", 200),
    ("/api/admin/sessions", 200),
    ("/api/admin/files", 200),
    ("/api/admin/messages?conversationId=none", 404),
]  # allowed, but no such ticket


@pytest.mark.parametrize(
    "method, path, body", ADMIN_ROUTES, ids=[f"{method} {path}" for method, path, _ in ADMIN_ROUTES]
)
def test_admin_routes_refuse_agents_and_strangers(client, method, path, body):
    agent = token_pair(client, "ana@example.com", role="agent")
    call = getattr(client, method)
    error_of(call(path, json=body), 401, "unauthorized")
    error_of(call(path, json=body, headers=bearer(agent["accessToken"])), 403, "forbidden")
    error_of(call(path, json=body, headers=bearer("not.a.token")), 401, "unauthorized")


@pytest.mark.parametrize("path, status", AGENT_ROUTES, ids=[path for path, _ in AGENT_ROUTES])
def test_inbox_sessions_files_and_history_are_open_to_agents_only(client, path, status):
    agent = token_pair(client, "ana@example.com", role="agent")
    error_of(client.get(path), 401, "unauthorized")
    response = client.get(path, headers=bearer(agent["accessToken"]))
    assert response.status_code == status
    if status == 404:
        assert response.get_json()["error"]["message"] == "No such ticket."


def test_the_static_bearer_token_is_an_admin_on_admin_routes_only(build):
    client = build(AUTH_BEARER_TOKEN="static-admin-token-0123456789").test_client()
    assert (
        client.get(
            "/api/admin/settings", headers=bearer("static-admin-token-0123456789")
        ).status_code
        == 200
    )
    error_of(
        client.get("/api/admin/settings", headers=bearer("static-admin-token-01234567890")),
        401,
        "unauthorized",
    )
    error_of(
        client.get("/api/conversations", headers=bearer("static-admin-token-0123456789")),
        401,
        "unauthorized",
    )
    client.put(
        "/api/admin/settings",
        json={"behavior": {"autoReply": "Hi"}},
        headers=bearer("static-admin-token-0123456789"),
    )
    assert audit_events(client.application, "settings.update")[0][0] == "api-token"


# Settings


def test_settings_come_with_defaults_and_take_partial_changes(client, admin):
    headers = admin.headers
    defaults = client.get("/api/admin/settings", headers=headers).get_json()
    assert set(defaults) == {"branding", "behavior", "ai"}
    assert set(defaults["branding"]) == {"title", "primaryColor", "welcomeMessage", "customCss"}
    assert set(defaults["behavior"]) == {
        "autoReply",
        "offlineMessage",
        "businessHours",
        "preChatForm",
        "csat",
    }
    assert set(defaults["ai"]) == {
        "enabled",
        "provider",
        "baseUrl",
        "model",
        "systemPrompt",
        "apiKeySet",
    }
    changed = client.put(
        "/api/admin/settings",
        headers=headers,
        json={"branding": {"primaryColor": "#112233"}, "behavior": {"autoReply": "Thanks!"}},
    ).get_json()
    assert changed["branding"] == {**defaults["branding"], "primaryColor": "#112233"}
    assert changed["behavior"]["autoReply"] == "Thanks!"
    restored = client.put(
        "/api/admin/settings", headers=headers, json={"branding": {"primaryColor": None}}
    ).get_json()
    assert restored["branding"] == defaults["branding"]


def test_the_ai_api_key_is_write_only(client, admin):
    headers = admin.headers
    secret = "sk-live-" + uuid.uuid4().hex
    response = client.put(
        "/api/admin/settings",
        headers=headers,
        json={"ai": {"enabled": True, "provider": "xai", "apiKey": secret}},
    )
    assert secret not in response.get_data(as_text=True)
    read = client.get("/api/admin/settings", headers=headers)
    assert read.get_json()["ai"]["apiKeySet"] is True and secret not in read.get_data(as_text=True)
    assert secret not in str(audit_events(client.application))
    from supportchat.services import settings

    with client.application.app_context():
        assert settings.secret("ai") == secret
    client.put("/api/admin/settings", headers=headers, json={"ai": {"model": "grok-2"}})
    with client.application.app_context():
        assert settings.secret("ai") == secret  # left out: kept
    cleared = client.put("/api/admin/settings", headers=headers, json={"ai": {"apiKey": None}})
    assert cleared.get_json()["ai"]["apiKeySet"] is False


@pytest.mark.parametrize(
    "change, field",
    [
        ({"branding": {"primaryColor": "red; background: url(x)"}}, "branding.primaryColor"),
        ({"branding": {"title": "x" * 101}}, "branding.title"),
        ({"ai": {"baseUrl": "javascript:alert(1)"}}, "ai.baseUrl"),
        ({"ai": {"enabled": "yes"}}, "ai.enabled"),
        ({"behavior": "quiet"}, "behavior"),
        ({"ai": {"provider": "grok"}}, "ai.provider"),
        ({"behavior": {"businessHours": {"timezone": "Mars/Olympus", "days": {}}}}, None),
        (
            {
                "behavior": {
                    "businessHours": {"timezone": "UTC", "days": {"mon": [["17:00", "09:00"]]}}
                }
            },
            None,
        ),
        (
            {"behavior": {"businessHours": {"timezone": "UTC", "days": {"funday": []}}}},
            "behavior.businessHours.days.funday.[key]",
        ),
        (
            {
                "behavior": {
                    "preChatForm": {"enabled": True, "fields": [{"name": "1x", "label": "X"}]}
                }
            },
            "behavior.preChatForm.fields.0.name",
        ),
    ],
)
def test_bad_settings_are_invalid_and_change_nothing(client, change, field, admin):
    headers = admin.headers
    before = client.get("/api/admin/settings", headers=headers).get_json()
    error = error_of(
        client.put("/api/admin/settings", headers=headers, json=change), 400, "invalid"
    )
    assert field is None or error["details"]["field"] == field
    assert client.get("/api/admin/settings", headers=headers).get_json() == before


def hours_on(day: str, *intervals: list[str]) -> dict:
    return {"behavior": {"businessHours": {"timezone": "UTC", "days": {day: list(intervals)}}}}


@pytest.mark.parametrize(
    "change, message",
    [
        (
            hours_on("mon", ["25:00", "26:00"]),
            "behavior.businessHours.days.mon.0.0: must be a time of day from 00:00 to 24:00 "
            "(HH:MM).",
        ),
        (
            hours_on("mon", ["17:00", "09:00"]),
            "behavior.businessHours.days.mon.0: an interval must end after it starts "
            "(17:00–09:00).",
        ),
        (
            hours_on("tue", ["13:00", "17:00"], ["09:00", "13:30"]),
            "behavior.businessHours.days.tue: intervals must not overlap (09:00–13:30 and "
            "13:00–17:00).",
        ),
        (
            {
                "behavior": {
                    "preChatForm": {
                        "fields": [
                            {"name": "email", "label": "Email"},
                            {"name": "email", "label": "Work email"},
                        ]
                    }
                }
            },
            "behavior.preChatForm.fields: two fields are named 'email'; each answer needs a name "
            "of its own.",
        ),
    ],
)
def test_bad_hours_and_form_fields_are_explained_and_change_nothing(client, admin, change, message):
    before = client.get("/api/admin/settings", headers=admin.headers).get_json()
    error = error_of(
        client.put("/api/admin/settings", headers=admin.headers, json=change), 400, "invalid"
    )
    assert error["message"] == message
    assert client.get("/api/admin/settings", headers=admin.headers).get_json() == before


def test_hours_may_meet_end_to_start(client, admin):
    change = hours_on("wed", ["13:00", "17:00"], ["09:00", "13:00"])
    saved = client.put("/api/admin/settings", headers=admin.headers, json=change)
    assert saved.status_code == 200
    assert saved.get_json()["behavior"]["businessHours"]["days"]["wed"] == [
        ["13:00", "17:00"],
        ["09:00", "13:00"],
    ]


def test_business_hours_pre_chat_form_and_csat_are_stored_whole(client, admin):
    hours = {"timezone": "Europe/Berlin", "days": {"mon": [["09:00", "12:00"], ["13:00", "17:30"]]}}
    form = {"enabled": True, "fields": [{"name": "email", "label": "Email", "type": "email"}]}
    changed = client.put(
        "/api/admin/settings",
        headers=admin.headers,
        json={"behavior": {"businessHours": hours, "preChatForm": form, "csat": {"enabled": True}}},
    ).get_json()["behavior"]
    assert changed["businessHours"] == hours
    assert changed["preChatForm"]["fields"] == [{**form["fields"][0], "required": False}]
    assert changed["csat"] == {"enabled": True}
    cleared = client.put(
        "/api/admin/settings", headers=admin.headers, json={"behavior": {"businessHours": None}}
    ).get_json()["behavior"]
    assert cleared["businessHours"] is None and cleared["csat"] == {"enabled": True}


def test_the_ai_api_key_is_unreadable_in_the_database(client, admin):
    secret = "sk-raw-" + uuid.uuid4().hex
    client.put("/api/admin/settings", headers=admin.headers, json={"ai": {"apiKey": secret}})
    from supportchat.extensions import db

    with client.application.app_context():
        raw = db.session.execute(db.text("SELECT secret FROM settings WHERE key = 'ai'")).scalar()
    assert raw and secret not in raw and secret[7:20] not in raw


# Accounts


def test_an_admin_creates_lists_renames_and_deletes_agents(client, admin):
    headers = admin.headers
    created = client.post(
        "/api/admin/agents",
        headers=headers,
        json={"email": "Bob@Example.com", "name": "Bob", "password": "long enough 1"},
    )
    assert created.status_code == 201
    bob = created.get_json()["agent"]
    assert (bob["email"], bob["role"], bob["active"]) == ("bob@example.com", "agent", True)
    assert "password" not in str(bob).lower()
    renamed = client.patch(
        f"/api/admin/agents/{bob['id']}", headers=headers, json={"name": "Robert"}
    ).get_json()["agent"]
    assert renamed["name"] == "Robert"
    listed = client.get("/api/admin/agents", headers=headers).get_json()["agents"]
    assert {item["email"] for item in listed} == {"admin@example.com", "bob@example.com"}
    assert client.delete(f"/api/admin/agents/{bob['id']}", headers=headers).status_code == 204
    error_of(client.delete(f"/api/admin/agents/{bob['id']}", headers=headers), 404, "not_found")
    actions = [
        event[1] for event in audit_events(client.application) if event[1].startswith("agent.")
    ]
    assert actions == ["agent.create", "agent.update", "agent.delete"]


def test_an_email_already_taken_is_a_conflict(client, admin):
    headers = admin.headers
    error_of(
        client.post(
            "/api/admin/agents",
            headers=headers,
            json={"email": "admin@example.com", "name": "Again", "password": "long enough 1"},
        ),
        409,
        "conflict",
    )


def test_the_last_active_admin_can_be_neither_demoted_deactivated_nor_deleted(client):
    tokens = token_pair(client)
    headers = bearer(tokens["accessToken"])
    me = jwt.decode(tokens["accessToken"], options={"verify_signature": False})["sub"]
    for change in ({"role": "agent"}, {"active": False}):
        error_of(
            client.patch(f"/api/admin/agents/{me}", headers=headers, json=change), 409, "conflict"
        )
    error_of(client.delete(f"/api/admin/agents/{me}", headers=headers), 409, "conflict")
    second = client.post(
        "/api/admin/agents",
        headers=headers,
        json={
            "email": "eve@example.com",
            "name": "Eve",
            "password": "long enough 1",
            "role": "admin",
        },
    )
    assert second.status_code == 201
    assert (
        client.patch(f"/api/admin/agents/{me}", headers=headers, json={"role": "agent"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "change", [{"active": False}, {"role": "agent"}, {"password": "a brand new one"}]
)
def test_deactivating_demoting_or_resetting_an_account_signs_it_out(client, change, admin):
    bob = token_pair(client, "bob@example.com", role="admin")
    bob_id = jwt.decode(bob["accessToken"], options={"verify_signature": False})["sub"]
    assert client.get("/api/conversations", headers=bearer(bob["accessToken"])).status_code == 200
    changed = client.patch(f"/api/admin/agents/{bob_id}", headers=admin.headers, json=change)
    assert changed.status_code == 200
    error_of(
        client.get("/api/conversations", headers=bearer(bob["accessToken"])), 401, "unauthorized"
    )
    error_of(
        client.post("/api/admin/auth/refresh", headers=bearer(bob["refreshToken"])),
        401,
        "unauthorized",
    )


def test_a_deleted_agents_tokens_stop_working(client, admin):
    bob = token_pair(client, "bob@example.com", role="agent")
    bob_id = jwt.decode(bob["accessToken"], options={"verify_signature": False})["sub"]
    assert client.delete(f"/api/admin/agents/{bob_id}", headers=admin.headers).status_code == 204
    error_of(
        client.get("/api/conversations", headers=bearer(bob["accessToken"])), 401, "unauthorized"
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-email", "name": "X", "password": "long enough 1"}, "email"),
        ({"email": "x@example.com", "name": "X", "password": "short"}, "password"),
        (
            {"email": "x@example.com", "name": "X", "password": "long enough 1", "role": "root"},
            "role",
        ),
        ({"email": "x@example.com", "password": "long enough 1"}, "name"),
    ],
)
def test_bad_account_fields_are_invalid(client, body, field, admin):
    headers = admin.headers
    error = error_of(client.post("/api/admin/agents", headers=headers, json=body), 400, "invalid")
    assert error["details"]["field"] == field


# Blocklist, schema, sessions and files


def test_the_blocklist_is_stored_in_canonical_form_beside_the_environments(build):
    client = build(BLOCKLIST="192.0.2.1").test_client()
    headers = bearer(token_pair(client)["accessToken"])
    assert client.get("/api/admin/blocklist", headers=headers).get_json() == {
        "entries": [],
        "environment": ["192.0.2.1"],
    }
    stored = client.put(
        "/api/admin/blocklist",
        headers=headers,
        json={
            "entries": [
                "203.0.113.7",
                {"network": "2001:db8::/32", "note": "abuse"},
                "::ffff:198.51.100.9",
                "10.1.2.3/8",
            ]
        },
    ).get_json()
    assert [(item["network"], item["note"]) for item in stored["entries"]] == [
        ("203.0.113.7", None),
        ("2001:db8::/32", "abuse"),
        ("198.51.100.9", None),
        ("10.0.0.0/8", None),
    ]
    replaced = client.put(
        "/api/admin/blocklist", headers=headers, json={"entries": ["203.0.113.7"]}
    ).get_json()
    assert [item["network"] for item in replaced["entries"]] == ["203.0.113.7"]
    assert audit_events(client.application, "blocklist.update")[-1][4] == {
        "entries": ["203.0.113.7"]
    }


def test_a_bad_blocklist_entry_is_invalid_and_replaces_nothing(client, admin):
    headers = admin.headers
    client.put("/api/admin/blocklist", headers=headers, json={"entries": ["203.0.113.7"]})
    error = error_of(
        client.put(
            "/api/admin/blocklist",
            headers=headers,
            json={"entries": ["198.51.100.1", "10.0.0.0/33"]},
        ),
        400,
        "invalid",
    )
    assert error["details"]["field"] == "entries.1"
    entries = client.get("/api/admin/blocklist", headers=headers).get_json()["entries"]
    assert [item["network"] for item in entries] == ["203.0.113.7"]


@pytest.mark.parametrize("entry", ["127.0.0.1", "127.0.0.0/8", "0.0.0.0/0", "::ffff:0:0/96"])
def test_an_entry_covering_the_admins_own_address_is_refused_and_replaces_nothing(
    client, admin, entry
):
    headers = admin.headers  # the test client's requests come from 127.0.0.1
    client.put("/api/admin/blocklist", headers=headers, json={"entries": ["203.0.113.7"]})
    error = error_of(
        client.put(
            "/api/admin/blocklist", headers=headers, json={"entries": ["198.51.100.1", entry]}
        ),
        400,
        "invalid",
    )
    assert error["details"]["field"] == "entries.1"
    assert "your own address (127.0.0.1)" in error["message"]
    entries = client.get("/api/admin/blocklist", headers=headers).get_json()["entries"]
    assert [item["network"] for item in entries] == ["203.0.113.7"]
    from_elsewhere = {"REMOTE_ADDR": "2001:db8::1"}  # an IPv6 admin is in none of these
    saved = client.put(
        "/api/admin/blocklist",
        headers=headers,
        json={"entries": [entry]},
        environ_base=from_elsewhere,
    )
    assert saved.status_code == 200


def test_db_init_upgrades_the_schema_and_can_run_again(client, admin):
    headers = admin.headers
    first = client.post("/api/admin/db/init", headers=headers)
    again = client.post("/api/admin/db/init", headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json() == {"status": "ok", "revision": "0012"}
    assert [event[1] for event in audit_events(client.application, "db.init")] == ["db.init"] * 2


def test_every_admin_change_is_audited_with_who_and_from_where(client):
    tokens = token_pair(client)
    headers = bearer(tokens["accessToken"])
    me = jwt.decode(tokens["accessToken"], options={"verify_signature": False})["sub"]
    client.put("/api/admin/settings", headers=headers, json={"behavior": {"autoReply": "Hi"}})
    client.put("/api/admin/blocklist", headers=headers, json={"entries": ["203.0.113.7"]})
    created = client.post(
        "/api/admin/agents",
        headers=headers,
        json={"email": "bob@example.com", "name": "Bob", "password": "long enough 1"},
    ).get_json()
    client.delete(f"/api/admin/agents/{created['agent']['id']}", headers=headers)
    events = [
        event for event in audit_events(client.application) if not event[1].startswith("auth.")
    ]
    assert [(actor, action, address) for actor, action, _target, address, _details in events] == [
        (me, "settings.update", "127.0.0.1"),
        (me, "blocklist.update", "127.0.0.1"),
        (me, "agent.create", "127.0.0.1"),
        (me, "agent.delete", "127.0.0.1"),
    ]
    assert events[0][4] == {"behavior": ["autoReply"]}


def test_sessions_and_files_are_listed_page_by_page_for_agents(client):
    headers = bearer(token_pair(client, "ana@example.com", role="agent")["accessToken"])
    client_id = str(uuid.uuid4())
    for index in range(3):
        client.post(
            "/api/chat/upload",
            content_type="multipart/form-data",
            data={
                "file": (io.BytesIO(f"file {index}".encode()), f"f{index}.txt"),
                "sessionId": f"s-{index}",
                "clientId": client_id,
            },
        )
    sessions = client.get("/api/admin/sessions?limit=2", headers=headers).get_json()
    assert len(sessions["sessions"]) == 2 and sessions["nextCursor"]
    rest = client.get(
        f"/api/admin/sessions?limit=2&cursor={sessions['nextCursor']}", headers=headers
    ).get_json()
    assert len(rest["sessions"]) == 1 and rest["nextCursor"] is None
    page = client.get("/api/admin/files?limit=2", headers=headers).get_json()
    assert [item["name"] for item in page["files"]] == ["f2.txt", "f1.txt"]
    last = client.get(
        f"/api/admin/files?limit=2&cursor={page['nextCursor']}", headers=headers
    ).get_json()
    assert [item["name"] for item in last["files"]] == ["f0.txt"] and last["nextCursor"] is None
    one = client.get(
        f"/api/admin/files?ticketId={page['files'][0]['ticketId']}", headers=headers
    ).get_json()
    assert [item["name"] for item in one["files"]] == ["f2.txt"]
    assert client.get(one["files"][0]["url"]).data == b"file 2"


def test_the_admin_api_over_real_http(live_server):
    tokens = requests.post(
        live_server.url + "/api/admin/auth/token", json=ADMIN, timeout=WAIT
    ).json()
    headers = bearer(tokens["accessToken"])
    changed = requests.put(
        live_server.url + "/api/admin/settings",
        headers=headers,
        timeout=WAIT,
        json={"branding": {"title": "Acme Help"}},
    )
    assert changed.status_code == 200 and changed.json()["branding"]["title"] == "Acme Help"
    rotated = requests.post(
        live_server.url + "/api/admin/auth/refresh",
        timeout=WAIT,
        headers=bearer(tokens["refreshToken"]),
    )
    assert rotated.status_code == 200
    reused = requests.post(
        live_server.url + "/api/admin/auth/refresh",
        timeout=WAIT,
        headers=bearer(tokens["refreshToken"]),
    )
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "unauthorized"
