"""The admin console's pages over HTTP (PROTOCOL.md §3.7): who may open them, the CSRF
double submit their modules rely on, what the agents list adds, and that a newly blocked
address loses the sockets it already has."""

from __future__ import annotations

import re
import time

import pytest
import requests

from support.apps import create_account
from support.http import PASSWORD, block_from_elsewhere, error_of
from support.socket_clients import api_token, new_ticket, peers, sign_in  # noqa: F401

PAGES = ["/admin/", "/admin/settings", "/admin/blocklist", "/admin/monitor", "/admin/database"]


def cookie_sign_in(client, email: str) -> None:
    """Sign in through the login form; the test client keeps the token cookies."""
    form = client.get("/agent/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post(
        "/agent/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)


@pytest.fixture
def admin_client(client):
    create_account(client.application, "boss@example.com", "Boss", role="admin")
    cookie_sign_in(client, "boss@example.com")
    return client


@pytest.mark.parametrize("path", PAGES)
def test_an_admin_opens_each_page_with_the_console_navigation(admin_client, path):
    page = admin_client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'aria-current="page"' in html
    for link in ("/admin/settings", "/admin/monitor", "/admin/tokens", "/admin/reports"):
        assert f'href="{link}"' in html
    assert re.search(r'<script type="module" src="/static/admin/\w+\.js"', html)


@pytest.mark.parametrize("path", PAGES)
def test_agents_are_refused_and_strangers_sent_to_sign_in(app, path):
    stranger = app.test_client().get(path)
    assert stranger.status_code == 302 and "/agent/login" in stranger.headers["Location"]
    create_account(app, "ana@example.com", "Ana", role="agent")
    agent = app.test_client()
    cookie_sign_in(agent, "ana@example.com")
    refused = agent.get(path)
    assert refused.status_code == 403
    assert "admins only" in refused.get_data(as_text=True)


def test_a_change_from_the_pages_needs_the_csrf_header_and_changes_nothing_without(admin_client):
    refused = admin_client.put("/api/admin/settings", json={"branding": {"title": "Forged"}})
    assert error_of(refused, 403, "forbidden")["details"] == {"reason": "csrf"}
    assert admin_client.get("/api/admin/settings").get_json()["branding"]["title"] == "Support"
    refused = admin_client.put("/api/admin/blocklist", json={"entries": ["10.0.0.1"]})
    assert refused.status_code == 403
    assert admin_client.get("/api/admin/blocklist").get_json()["entries"] == []

    csrf = admin_client.get_cookie("csrf_access_token").value
    saved = admin_client.put(
        "/api/admin/settings",
        json={"branding": {"title": "Acme help"}},
        headers={"X-CSRF-TOKEN": csrf},
    )
    assert saved.status_code == 200
    assert saved.get_json()["branding"]["title"] == "Acme help"


def test_the_database_page_shows_the_revision_it_is_at(admin_client):
    html = admin_client.get("/admin/database").get_data(as_text=True)
    current = re.search(r'id="current-revision">([^<]+)<', html).group(1)
    newest = re.search(r'id="newest-revision">([^<]+)<', html).group(1)
    assert current == newest and re.fullmatch(r"\d{4}", current)
    assert "The schema is up to date." in html


def test_the_agents_list_says_who_is_signed_in_and_when_they_were_last_seen(app, admin_client):
    create_account(app, "ana@example.com", "Ana", role="agent")
    create_account(app, "bo@example.com", "Bo", role="agent")
    before = time.time()
    ana = app.test_client()
    cookie_sign_in(ana, "ana@example.com")

    listed = {
        agent["email"]: agent
        for agent in admin_client.get("/api/admin/agents").get_json()["agents"]
    }
    assert listed["ana@example.com"]["signedIn"] is True
    assert listed["boss@example.com"]["signedIn"] is True
    assert (listed["bo@example.com"]["signedIn"], listed["bo@example.com"]["lastSeenAt"]) == (
        False,
        None,
    )
    seen = listed["ana@example.com"]["lastSeenAt"]
    from datetime import datetime

    seen_at = datetime.fromisoformat(seen.replace("Z", "+00:00")).timestamp()
    assert before - 2 <= seen_at <= time.time() + 2

    csrf = admin_client.get_cookie("csrf_access_token").value
    ana_id = listed["ana@example.com"]["id"]
    changed = admin_client.patch(
        f"/api/admin/agents/{ana_id}", json={"active": False}, headers={"X-CSRF-TOKEN": csrf}
    )
    assert changed.status_code == 200
    after = {
        agent["email"]: agent
        for agent in admin_client.get("/api/admin/agents").get_json()["agents"]
    }
    assert after["ana@example.com"]["signedIn"] is False
    assert after["ana@example.com"]["lastSeenAt"] == seen  # still known when they last came
    assert ana.get("/agent/dashboard").status_code == 302  # and signed out


@pytest.fixture
def server(live_server_factory):
    return live_server_factory()


def test_blocking_an_address_disconnects_its_sockets_within_seconds(server, peers):
    agent = peers.agent(server, session=sign_in(server))
    customer = peers.guest(server)
    new_ticket(customer, "Hello")
    token = api_token(server)
    saved = requests.put(
        server.url + "/api/admin/blocklist",
        json={"entries": [{"network": "203.0.113.0/24", "note": "spam"}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert saved.status_code == 200
    time.sleep(3)
    assert customer.connected and agent.connected  # other addresses keep their sockets

    block_from_elsewhere(server, token, ["127.0.0.1"])
    deadline = time.monotonic() + 10
    while (customer.connected or agent.connected) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not customer.connected and not agent.connected
