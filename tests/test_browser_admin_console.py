"""The admin console's pages for API tokens, the audit log and the reports, in Chromium."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from support.browser import browsers, chromium  # noqa: F401
from support.socket_clients import WAIT, server_app  # noqa: F401 (fixture)

ADMIN = ("admin@example.com", "admin-password-1")


def sign_in(tab, server, email=ADMIN[0], password=ADMIN[1], goto="/admin/tokens"):
    page = tab.page
    page.goto(server.url + goto)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**" + goto.split("?")[0] + "*")
    return page


def test_an_admin_creates_a_token_a_script_uses_it_and_the_admin_revokes_it(live_server, browsers):
    tab = browsers.tab()
    page = sign_in(tab, live_server)
    page.get_by_label("Name").fill("nightly <export>")
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Create token").click()
    shown = page.locator("#token-value")
    expect(shown).not_to_be_empty()
    token = shown.inner_text()
    assert token.startswith("sct_")

    used = requests.get(
        live_server.url + "/api/admin/settings",
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT,
    )
    assert used.status_code == 200

    row = page.locator("tr[data-token]")
    expect(row).to_have_count(1)  # listed at once
    listed_at_once = row.locator("td").all_inner_texts()
    assert listed_at_once[:3] == ["nightly <export>", "Admin <admin@example.com>", "admin"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", listed_at_once[4])  # created, UTC
    assert listed_at_once[5] == "never"
    page.reload()
    expect(row).to_have_count(1)
    expect(row).to_contain_text("nightly <export>")  # shown as text, not markup
    # Used once by the script above; otherwise drawn as the row added at once was.
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row.locator("td").nth(5).inner_text())
    assert row.locator("td").all_inner_texts()[:5] == listed_at_once[:5]
    expect(row).to_contain_text(token[:12])
    assert token not in page.content()
    page.get_by_role("button", name="Revoke nightly <export>").click()  # asks first
    expect(row).to_have_count(1)
    page.get_by_role("button", name="Confirm revoke nightly <export>").click()
    expect(row).to_have_count(0)
    refused = requests.get(
        live_server.url + "/api/admin/settings",
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT,
    )
    assert refused.status_code == 401
    page.reload()
    expect(page.locator("tr[data-token]")).to_have_count(0)
    # A token revoked right after it was made, without reloading.
    page.get_by_label("Name").fill("oops")
    page.get_by_role("button", name="Create token").click()
    page.get_by_role("button", name="Revoke oops").click()
    page.get_by_role("button", name="Confirm revoke oops").click()
    expect(page.locator("tr[data-token]")).to_have_count(0)
    page.reload()
    expect(page.locator("tr[data-token]")).to_have_count(0)
    assert tab.errors == []


def test_the_audit_log_filters_by_action(live_server, browsers):
    tab = browsers.tab()
    page = sign_in(tab, live_server, goto="/admin/audit")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("auth.signin")
    when, who, _action, target = (
        page.locator("table.audit tbody tr").first.locator("td").all_inner_texts()[:4]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", when)
    assert who == target == "Admin <admin@example.com>"  # names, not ids
    page.get_by_label("Action").fill("auth.signin")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**action=auth.signin*")
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("127.0.0.1")
    page.get_by_label("Action").fill("Not An Action!")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("action")
    assert tab.errors == []


def test_an_agent_reads_the_reports_with_charts_and_a_csv(live_server, browsers, server_app):
    app = server_app(live_server)
    agent = app.add_agent("ana@example.com", "Ana")
    guest = requests.post(
        live_server.url + "/api/chat",
        json={
            "clientId": "3b190d56-0f61-4b6e-8546-5da6d0dae801",
            "sessionId": "s-1",
            "message": "Hi",
        },
        timeout=WAIT,
    )
    assert guest.status_code == 200
    tab = browsers.tab()
    page = sign_in(tab, live_server, agent["email"], agent["password"], goto="/admin/reports")
    expect(page.locator('[data-figure="conversations"]')).to_have_text("1")
    expect(page.locator('[data-figure="first-response"]')).to_have_text("– / –")  # unanswered
    bars = page.locator("figure.chart").first.locator("rect")
    expect(bars).to_have_count(30)
    assert float(bars.last.get_attribute("height")) > 0
    captions = page.locator("figure.chart figcaption")
    expect(captions.first).to_have_text("Conversations per day (highest: 1 conversation)")
    expect(captions.last).to_have_text("First response p50 per day (none in this period)")
    page.get_by_label("Bucket").select_option("week")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**bucket=week*")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = open(download.value.path()).read()
    assert text.startswith("start,conversations,messages,firstResponseP50,csatAverage")
    # Agents see the reports, but not the admins' pages.
    page.goto(live_server.url + "/admin/tokens")
    expect(page.locator("body")).to_contain_text("admins only")
    assert tab.errors == []
