"""GET /api/admin/audit (PROTOCOL.md §3.7): who did what, when and from where, newest first,
filtered by action, paged; sign-ins, sign-outs, accounts, settings, blocklist and tokens."""

from __future__ import annotations

import re

from support.http import PASSWORD, error_of

ELSEWHERE = {"REMOTE_ADDR": "198.51.100.23"}


def browser_sign_in(client, email: str):
    """Sign in through the login form, in a browser of its own (the test client's cookies
    would otherwise win over the admin's bearer header)."""
    client = client.application.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/agent/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        environ_base=ELSEWHERE,
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def audit(client, headers, query: str = "") -> dict:
    response = client.get(f"/api/admin/audit{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_admin_changes_and_sign_ins_are_listed_newest_first_with_their_address(client, admin):
    def change(method, url, body):
        response = client.open(
            url, method=method, json=body, headers=admin.headers, environ_base=ELSEWHERE
        )
        assert response.status_code < 300, response.get_data(as_text=True)
        return response.get_json()

    made = change(
        "POST", "/api/admin/agents", {"email": "bo@example.com", "name": "Bo", "password": PASSWORD}
    )
    change("PATCH", f"/api/admin/agents/{made['agent']['id']}", {"name": "Bob"})
    change("PUT", "/api/admin/settings", {"branding": {"title": "Acme"}})
    change("PUT", "/api/admin/blocklist", {"entries": ["203.0.113.0/24"]})
    token = change("POST", "/api/admin/tokens", {"name": "export"})["token"]
    client.delete(f"/api/admin/tokens/{token['id']}", headers=admin.headers, environ_base=ELSEWHERE)
    browser_sign_in(client, "bo@example.com")

    events = audit(client, admin.headers)["events"]
    assert [event["action"] for event in events[:7]] == [
        "auth.signin",
        "token.revoke",
        "token.create",
        "blocklist.update",
        "settings.update",
        "agent.update",
        "agent.create",
    ]
    assert all(event["address"] == "198.51.100.23" for event in events[:7])
    assert events[0]["actor"] == made["agent"]["id"] == events[5]["target"]
    assert {event["actor"] for event in events[1:7]} == {admin.id}
    assert events[-1]["action"] == "auth.token"  # the admin fixture's own sign-in, first
    ids = [event["id"] for event in events]
    assert ids == sorted(ids, reverse=True)
    assert set(events[0]) >= {"id", "at", "actor", "action", "target", "address"}


def test_filtering_by_an_action_or_its_family_and_paging(client, admin):
    for n in range(5):
        client.put(
            "/api/admin/settings", json={"branding": {"title": f"T{n}"}}, headers=admin.headers
        )
    client.post("/api/admin/tokens", json={"name": "t"}, headers=admin.headers)

    assert [e["action"] for e in audit(client, admin.headers, "?action=token")["events"]] == [
        "token.create"
    ]
    assert audit(client, admin.headers, "?action=token.create")["events"][0]["target"]
    assert audit(client, admin.headers, "?action=token.cre")["events"] == []
    assert audit(client, admin.headers, "?action=nothing.like.it") == {
        "events": [],
        "nextCursor": None,
    }

    seen, cursor = [], ""
    while True:
        page = audit(client, admin.headers, f"?action=settings.update&limit=2{cursor}")
        seen += [event["details"]["branding"] for event in page["events"]]
        assert len(page["events"]) <= 2
        if page["nextCursor"] is None:
            break
        cursor = f"&cursor={page['nextCursor']}"
    assert len(seen) == 5
    titles = audit(client, admin.headers, "?action=settings")["events"]
    assert len(titles) == 5 and titles[0]["id"] > titles[-1]["id"]


def test_a_browser_sign_out_is_audited_with_its_address(client, admin):
    create = client.post(
        "/api/admin/agents",
        json={"email": "cy@example.com", "name": "Cy", "password": PASSWORD},
        headers=admin.headers,
    )
    assert create.status_code == 201
    browser = browser_sign_in(client, "cy@example.com")
    page = browser.get("/agent/dashboard").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    out = browser.post("/agent/logout", data={"csrf_token": token}, environ_base=ELSEWHERE)
    assert out.status_code == 303
    latest = audit(client, admin.headers, "?action=auth.revoke")["events"][0]
    assert (
        latest["address"] == "198.51.100.23" and latest["actor"] == create.get_json()["agent"]["id"]
    )


def test_bad_queries_are_refused(client, admin):
    for query in ("?cursor=abc", "?cursor=0", "?limit=0", "?limit=201", "?action=DROP%20TABLE"):
        error = error_of(
            client.get(f"/api/admin/audit{query}", headers=admin.headers), 400, "invalid"
        )
        assert error["details"]["field"] in ("cursor", "limit", "action")


def test_only_admins_read_the_audit_log(client, admin, agent):
    error_of(client.get("/api/admin/audit", headers=agent.headers), 403, "forbidden")
    error_of(client.get("/api/admin/audit"), 401, "unauthorized")


def test_the_console_pages_send_strangers_to_sign_in_and_agents_away(client, agent):
    for path in ("/admin/tokens", "/admin/audit", "/admin/reports"):
        response = client.get(path)
        assert response.status_code == 302 and "/agent/login" in response.headers["Location"]
    browser = browser_sign_in(client, "ana@example.com")
    for path in ("/admin/tokens", "/admin/audit"):
        assert browser.get(path).status_code == 403
    assert browser.get("/admin/reports").status_code == 200
    page = browser.get("/admin/reports?bucket=month")
    assert page.status_code == 400 and "bucket" in page.get_data(as_text=True)


def test_the_audit_page_pages_and_escapes(client, admin):
    for n in range(55):
        client.put(
            "/api/admin/settings", json={"branding": {"title": f"T{n}"}}, headers=admin.headers
        )
    client.post("/api/admin/tokens", json={"name": "<b>x</b>"}, headers=admin.headers)
    browser = browser_sign_in(client, "admin@example.com")
    first = browser.get("/admin/audit?action=settings").get_data(as_text=True)
    assert first.count("settings.update") == 50
    assert first.count("<td>branding: title</td>") == 50  # what changed, in words
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = browser.get(older).get_data(as_text=True)
    assert second.count("settings.update") == 5 and 'rel="next"' not in second
    tokens = browser.get("/admin/tokens").get_data(as_text=True)
    assert "<b>x</b>" not in tokens and "&lt;b&gt;x&lt;/b&gt;" in tokens
