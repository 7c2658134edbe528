"""The admin console in a real Chromium against a live server (PROTOCOL.md §3.7): each page
driven end to end as an admin would, and checked with axe-core."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from support.browser import (  # noqa: F401
    Dashboard,
    browsers,
    chromium,
    screenshot,
    serious_violations,
)
from support.openai_server import OpenAIServer, Reply
from support.socket_clients import new_ticket, peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory):
    return live_server_factory()


def admin_page(browsers, server, path: str):
    """An admin signed in through the login form, on ``path`` once its module has loaded."""
    tab = browsers.tab()
    Dashboard(tab, server).sign_in()
    tab.page.goto(server.url + path)
    return tab


def test_an_admin_rebrands_the_chat_with_a_live_preview_and_a_contrast_check(server, browsers):
    tab = admin_page(browsers, server, "/admin/settings")
    page = tab.page
    expect(page.locator("#settings-form[data-ready]")).to_have_count(1)
    expect(page.get_by_label("Title", exact=True)).to_have_value("Support")

    page.get_by_label("Primary colour").fill("#fde047")  # yellow: white text unreadable
    expect(page.locator("#contrast")).to_have_text(re.compile(r"too low"))
    page.get_by_label("Primary colour").fill("#7c2d12")
    expect(page.locator("#contrast")).to_have_text(re.compile(r"readable \(WCAG AA\)"))
    page.get_by_label("Title", exact=True).fill("Acme <b>help</b>")
    page.get_by_label("Welcome message").fill("Ask us anything.")
    expect(page.locator("#preview-title")).to_have_text("Acme <b>help</b>")  # text, not markup
    preview = page.locator("#preview-head")
    assert preview.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(124, 45, 18)"
    assert serious_violations(page) == []

    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    screenshot(page, "admin-settings")

    chat = browsers.tab().page
    chat.goto(server.url + "/chat")
    expect(chat).to_have_title("Acme <b>help</b>")
    header = chat.locator(".head")
    expect(header).to_be_visible()
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(124, 45, 18)"
    assert tab.errors == []


def test_settings_errors_appear_next_to_the_field_and_nothing_is_saved(server, browsers):
    tab = admin_page(browsers, server, "/admin/settings")
    page = tab.page
    expect(page.locator("#settings-form[data-ready]")).to_have_count(1)
    page.get_by_label("Answer only within business hours").check()
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Monday").fill("09:00-17:30")
    page.get_by_label("Tuesday").fill("17:00-09:00")  # ends before it starts
    page.get_by_role("button", name="Add a field").click()
    page.get_by_label("Field 1 name").fill("order")
    page.get_by_label("Field 1 label").fill("Order number")
    page.get_by_role("button", name="Save settings").click()

    tuesday = page.get_by_label("Tuesday")
    expect(tuesday).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_have_text(re.compile("must end after it starts"))
    expect(page.locator("#settings-error")).to_have_text("Not saved: see the marked field.")
    stored = requests.get(
        server.url + "/api/admin/settings", headers=bearer(server), timeout=10
    ).json()
    assert stored["behavior"]["businessHours"] is None

    tuesday.fill("")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    stored = requests.get(
        server.url + "/api/admin/settings", headers=bearer(server), timeout=10
    ).json()["behavior"]
    assert stored["businessHours"]["timezone"] == "Europe/Berlin"
    assert stored["businessHours"]["days"]["mon"] == [["09:00", "17:30"]]
    assert stored["preChatForm"]["fields"] == [
        {"name": "order", "label": "Order number", "type": "text", "required": False}
    ]

    page.reload()  # the editor shows what is stored
    expect(page.get_by_label("Monday")).to_have_value("09:00-17:30")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    expect(page.get_by_label("Field 1 label")).to_have_value("Order number")
    expect(page.get_by_label("Tuesday")).to_have_value("")


def test_the_ai_key_is_write_only_and_the_connection_test_says_what_it_can(server, browsers):
    tab = admin_page(browsers, server, "/admin/settings")
    page = tab.page
    expect(page.locator("#ai-key-state")).to_have_text("No key is set.")
    page.get_by_label("Provider").select_option("xai")
    expect(page.get_by_label("Base URL")).to_have_value("https://api.x.ai/v1")
    page.get_by_label("Model", exact=True).fill("grok-4")
    page.get_by_label("API key").fill("xai-secret-key-123")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#ai-key-state")).to_have_text(re.compile("A key is set"))
    expect(page.get_by_label("API key")).to_have_value("")
    assert "xai-secret-key-123" not in page.content()

    provider = OpenAIServer(model="grok-4").start()  # xAI's API, stood in for on loopback
    try:
        page.get_by_label("Base URL").fill(provider.url)
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#ai-key-state")).to_have_text(re.compile("A key is set"))
        page.get_by_role("button", name="Test connection").click()
        result = page.locator("#ai-test-result")
        expect(result).to_have_text(re.compile(r"^Connected: grok-4 answered in \d+ ms\.$"))
        provider.script.append(Reply(status=401))
        page.get_by_role("button", name="Test connection").click()
        expect(result).to_have_text("The AI provider answered 401: scripted failure 401")
        expect(result).to_have_class(re.compile(r"\berror\b"))
        assert provider.requests[0].headers["authorization"] == "Bearer xai-secret-key-123"
    finally:
        provider.stop()
    assert tab.errors == []


def bearer(server) -> dict[str, str]:
    from support.socket_clients import api_token

    return {"Authorization": f"Bearer {api_token(server)}"}


def test_a_deactivated_agent_is_signed_out_and_a_reset_password_is_shown_once(
    server, browsers, server_app
):
    ana = server_app(server).add_agent("ana@example.com", "Ana")
    agent = Dashboard(browsers.tab(), server)
    refused = []  # what Ana's dashboard asked for and was refused
    agent.page.on(
        "response", lambda response: response.status >= 400 and refused.append(response.url)
    )
    agent.sign_in(ana["email"], ana["password"])
    tab = admin_page(browsers, server, "/admin/")
    page = tab.page
    row = page.locator("#agents tr", has_text="ana@example.com")
    expect(row.locator("td").nth(4)).to_have_text("yes")  # signed in
    assert serious_violations(page) == []
    screenshot(page, "admin-agents")

    row.get_by_role("button", name="Edit Ana").click()
    page.get_by_label("Name", exact=True).first.fill("Ana Lima")
    page.locator("#edit-save").click()
    expect(page.get_by_role("status").filter(has_text="Saved Ana Lima.")).to_be_visible()
    assert refused == []  # no admin-only list asked for by an agent
    expect(agent.page.get_by_label("Assign to an agent")).to_have_count(0)

    page.get_by_role("button", name="Deactivate Ana Lima").click()  # asks first: nothing yet
    expect(row.locator("td").nth(3)).to_have_text("yes")
    page.get_by_role("button", name="Confirm deactivate Ana Lima").click()
    expect(page.get_by_role("status").filter(has_text="Deactivated Ana Lima")).to_be_visible()
    agent.page.wait_for_url(re.compile(r"/agent/login"), timeout=30_000)

    page.get_by_role("button", name="Reactivate Ana Lima").click()
    # The table is drawn again once it is done: a button pressed before that is replaced.
    expect(page.get_by_role("status").filter(has_text="Reactivated Ana Lima.")).to_be_visible()
    page.get_by_role("button", name="Reset password of Ana Lima").click()
    page.get_by_role("button", name="Confirm reset password of Ana Lima").click()
    password = page.locator("#password-once-value")
    expect(password).to_have_text(re.compile(r"^[A-Za-z0-9]{20}$"))
    new_password = password.inner_text()
    assert new_password != ana["password"]
    page.get_by_role("button", name="Done").click()
    expect(password).to_be_hidden()
    assert new_password not in page.content()
    Dashboard(browsers.tab(), server).sign_in(ana["email"], new_password)

    page.get_by_role("button", name="Deactivate Admin").click()
    page.get_by_role("button", name="Confirm deactivate Admin").click()  # the only admin: refused
    expect(page.locator("#agents-error")).to_have_text(re.compile("last active admin"))
    assert tab.errors == []


def test_the_blocklist_explains_bad_entries_and_saves_good_ones(server, browsers):
    tab = admin_page(browsers, server, "/admin/blocklist")
    page = tab.page
    expect(page.locator("#blocklist-form[data-ready]")).to_have_count(1)
    box = page.get_by_label("Blocked addresses and networks")
    box.fill("203.0.113.7\n\n10.0.0.300 # typo\n")
    page.get_by_role("button", name="Save the blocklist").click()
    expect(page.locator(".field-error")).to_have_text(re.compile(r"^Line 3: .*10\.0\.0\.300"))
    expect(page.locator("#blocklist-error")).to_have_text("Not saved: see the marked field.")
    expect(box).to_have_attribute("aria-invalid", "true")
    stored = requests.get(server.url + "/api/admin/blocklist", headers=bearer(server), timeout=10)
    assert stored.json()["entries"] == []

    box.fill("203.0.113.7\n198.51.100.0/24 # spam wave")
    page.get_by_role("button", name="Save the blocklist").click()
    expect(page.get_by_role("status")).to_have_text("Saved 2 entries.")
    page.reload()
    expect(box).to_have_value("203.0.113.7\n198.51.100.0/24 # spam wave")
    assert serious_violations(page) == []
    assert tab.errors == []


def test_the_monitor_lists_tickets_and_shows_a_tickets_messages(server, browsers, peers):
    customer = peers.guest(server)
    ticket = new_ticket(customer, "My parcel never arrived")["ticket"]
    notes = b"Order A-17 arrived damaged.\n"
    uploaded = requests.post(
        server.url + "/api/upload",
        data={"ticketId": ticket["id"]},
        files={"file": ("notes.txt", notes)},
        headers=bearer(server),
        timeout=10,
    )
    assert uploaded.status_code == 201, uploaded.text
    new_ticket(peers.guest(server), "<img src=x onerror=alert(1)>")
    tab = admin_page(browsers, server, "/admin/monitor")
    page = tab.page
    tickets = page.locator("#sessions li")
    expect(tickets).to_have_count(2)
    page.get_by_label("Customer or text contains").fill("parcel")
    expect(tickets).to_have_count(1)
    tickets.first.get_by_role("button").click()
    expect(page.locator("#monitor-messages li .text")).to_have_text(["My parcel never arrived"])
    link = page.get_by_role("link", name="notes.txt")
    expect(link).to_be_visible()
    signed = requests.get(server.url + link.get_attribute("href"), timeout=10)  # no cookie
    assert (signed.status_code, signed.content) == (200, notes)
    assert serious_violations(page) == []

    page.get_by_label("Send as admin").fill("We are on it: a new parcel leaves today.")
    page.get_by_role("button", name="Send", exact=True).click()
    if sending_exists(server):
        heard = customer.wait_for("chat:message", lambda message: message["seq"] == 2)
        assert heard["text"] == "We are on it: a new parcel leaves today."
        expect(page.locator("#monitor-messages li .text")).to_have_count(2)
    else:  # POST /api/admin/messages is not on this server yet: the page says so
        expect(page.locator("#send-error")).to_have_text(re.compile("cannot send from the Monitor"))

    page.get_by_label("Customer or text contains").fill("")
    page.get_by_label("Status").select_option("closed")
    expect(tickets).to_have_count(0)
    expect(page.locator("#sessions-empty")).to_be_visible()
    page.get_by_label("Status").select_option("all")
    page.locator("#sessions li", has_text="onerror").get_by_role("button").click()
    expect(page.locator("#monitor-messages li .text")).to_have_text(
        ["<img src=x onerror=alert(1)>"]
    )
    assert tab.dialogs == [] and tab.errors == []


def sending_exists(server) -> bool:
    """Whether this server documents POST /api/admin/messages (the Monitor's send)."""
    spec = requests.get(server.url + "/api/openapi.json", timeout=10).json()
    return "post" in spec["paths"].get("/api/admin/messages", {})


def test_the_database_page_upgrades_idempotently(server, browsers):
    tab = admin_page(browsers, server, "/admin/database")
    page = tab.page
    revision = page.locator("#current-revision").inner_text()
    expect(page.locator("#db-state")).to_have_text("The schema is up to date.")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Create or upgrade the schema").click()
    expect(page.get_by_role("status")).to_have_text(f"Done: the schema is at revision {revision}.")
    page.get_by_role("button", name="Create or upgrade the schema").click()
    expect(page.locator("#current-revision")).to_have_text(revision)
    assert tab.errors == []


def test_every_page_passes_axe_in_the_dark_colour_scheme_too(server, browsers):
    tab = browsers.tab(color_scheme="dark")
    Dashboard(tab, server).sign_in()
    ready = {
        "/admin/": "#agents[data-ready]",
        "/admin/settings": "#settings-form[data-ready]",
        "/admin/blocklist": "#blocklist-form[data-ready]",
        "/admin/monitor": "#sessions[data-ready]",
        "/admin/database": "#db-init[data-ready]",
    }
    for path, marker in ready.items():
        tab.page.goto(server.url + path)
        expect(tab.page.locator(marker)).to_have_count(1)
        assert serious_violations(tab.page) == [], path
    assert tab.errors == []
