"""Alerts on the dashboard: a tone and a browser notification while the tab is hidden, the
unread count in the title and on the favicon, and a per-agent on/off, in a real Chromium.

The browser's own Notification, AudioContext and visibilityState are stood in for by an init
script that records what the page asks of them (headless Chromium shows and plays nothing)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401
from support.socket_clients import new_ticket, peers  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORDER = """
window.__notes = []; window.__tones = 0; window.__hidden = false;
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notes.push(title + " | " + (options.body || "")); }
};
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.__tones += 1;
  return createOscillator.call(this); };
Object.defineProperty(Document.prototype, "visibilityState",
  {configurable: true, get() { return window.__hidden ? "hidden" : "visible"; }});
"""


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(CONNECT_RATE_LIMIT="off")


def hide(page, hidden: bool) -> None:
    page.evaluate(
        "hidden => { window.__hidden = hidden; document.dispatchEvent(new Event('visibilitychange')); }",
        hidden,
    )


def test_a_hidden_tab_alerts_for_new_conversations_and_messages_in_my_tickets(
    server, browsers, peers
):
    tab = browsers.tab()
    tab.page.add_init_script(RECORDER)
    agent = Dashboard(tab, server).sign_in()
    page = agent.page
    first_guest = peers.guest(server)
    ticket = new_ticket(first_guest, "Before alerts were on")["ticket"]
    expect(agent.ticket("Before alerts were on")).to_be_visible()
    assert page.evaluate("window.__notes") == []  # off by default

    alerts = page.get_by_role("checkbox", name="Alerts")
    alerts.check()
    page.reload()  # the choice is kept for this agent
    expect(page.locator("#connection")).to_have_text("Live")
    expect(alerts).to_be_checked()
    new_ticket(peers.guest(server), "Seen while looking")
    expect(agent.ticket("Seen while looking")).to_be_visible()
    assert page.evaluate("window.__notes") == []  # the tab is visible: no alert

    agent.open("Before alerts were on")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#ticket-meta")).to_contain_text("assigned to you")
    hide(page, True)
    new_ticket(peers.guest(server), "Anyone there at night?")
    page.wait_for_function("window.__notes.length === 1")
    assert re.match(
        r"^New conversation: Visitor \w+ \| $",  # created before its first message
        page.evaluate("window.__notes[0]"),
    )
    first_guest.ok("chat:message", {"ticketId": ticket["id"], "text": "Following up on mine"})
    page.wait_for_function("window.__notes.length === 2")
    assert page.evaluate("window.__notes[1]").endswith("| Following up on mine")
    assert page.evaluate("window.__tones") == 2
    expect(page).to_have_title(re.compile(r"^\(\d\) Inbox"))
    assert page.locator('link[rel="icon"]').get_attribute("href").startswith("data:image/png")

    alerts.uncheck()  # off: nothing more
    new_ticket(peers.guest(server), "Asked with alerts off")
    expect(agent.ticket("Asked with alerts off")).to_be_visible()
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__notes.length") == 2

    hide(page, False)
    page.get_by_role("checkbox", name="Unread").uncheck()
    for label in (
        "Anyone there at night?",
        "Seen while looking",
        "Asked with alerts off",
        "Following up on mine",
    ):
        agent.open(label)
    expect(page).to_have_title(re.compile(r"^Inbox"))
    assert page.locator('link[rel="icon"]').get_attribute("href").endswith("favicon.svg")
