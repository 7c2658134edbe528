"""Alerts on the dashboard: a tone and a browser notification while the tab is hidden, the
unread count in the title and on the favicon, and each agent's own choices, kept on the server
(/api/admin/preferences) so that they follow the agent to another browser, in a real Chromium.

The browser's own Notification, AudioContext and visibilityState are stood in for by an init
script that records what the page asks of them (headless Chromium shows and plays nothing)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium, serious_violations  # noqa: F401
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


def alerts(agent: Dashboard):
    """Open the Alerts panel; returns the page."""
    page = agent.page
    page.locator("#alert-prefs summary").click()
    expect(page.get_by_role("checkbox", name="Play a sound")).to_be_visible()
    return page


def choose(page, name: str, on: bool) -> None:
    """Set one preference and wait until the server has stored it."""
    page.get_by_role("checkbox", name=name).set_checked(on)
    expect(page.locator("#prefs-status")).to_have_text("Saved")


def recorded_dashboard(browsers, server) -> Dashboard:
    """A signed-in dashboard in a fresh browser context, its alerts recorded."""
    tab = browsers.tab()
    tab.page.add_init_script(RECORDER)
    return Dashboard(tab, server).sign_in()


def test_a_hidden_tab_alerts_as_the_agents_preferences_say(server, browsers, peers):
    agent = recorded_dashboard(browsers, server)
    page = alerts(agent)
    expect(page.get_by_role("checkbox", name="Play a sound")).to_be_checked()  # the defaults
    expect(page.get_by_role("checkbox", name="Show a browser notification")).not_to_be_checked()
    email = "Email me about my assigned conversations while I'm offline"
    expect(page.get_by_role("checkbox", name=email)).not_to_be_checked()
    first_guest = peers.guest(server)
    ticket = new_ticket(first_guest, "Before I was away")["ticket"]
    expect(agent.ticket("Before I was away")).to_be_visible()
    new_ticket(peers.guest(server), "Seen while looking")
    expect(agent.ticket("Seen while looking")).to_be_visible()
    assert page.evaluate("[window.__tones, window.__notes]") == [0, []]  # visible: no alert

    agent.open("Before I was away")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#ticket-meta")).to_contain_text("assigned to you")
    hide(page, True)
    new_ticket(peers.guest(server), "Anyone there at night?")
    page.wait_for_function("window.__tones === 1")  # sound on, notifications off by default
    assert page.evaluate("window.__notes") == []

    choose(page, "Play a sound", False)
    choose(page, "Show a browser notification", True)
    first_guest.ok("chat:message", {"ticketId": ticket["id"], "text": "Following up on mine"})
    page.wait_for_function("window.__notes.length === 1")
    assert page.evaluate("window.__notes[0]").endswith("| Following up on mine")
    assert page.evaluate("window.__tones") == 1
    new_ticket(peers.guest(server), "Another one")
    page.wait_for_function("window.__notes.length === 2")
    assert re.match(
        r"^New conversation: Visitor \w+ \| $",  # created before its first message
        page.evaluate("window.__notes[1]"),
    )
    expect(page).to_have_title(re.compile(r"^\(\d\) Inbox"))
    assert page.locator('link[rel="icon"]').get_attribute("href").startswith("data:image/png")

    choose(page, "Show a browser notification", False)  # both off: nothing more
    new_ticket(peers.guest(server), "Asked with alerts off")
    expect(agent.ticket("Asked with alerts off")).to_be_visible()
    page.wait_for_timeout(1500)
    assert page.evaluate("[window.__tones, window.__notes.length]") == [1, 2]

    hide(page, False)
    page.locator("#alert-prefs summary").click()
    page.get_by_role("checkbox", name="Unread").uncheck()
    for label in (
        "Anyone there at night?",
        "Seen while looking",
        "Another one",
        "Asked with alerts off",
        "Following up on mine",
    ):
        agent.open(label)
    expect(page).to_have_title(re.compile(r"^Inbox"))
    assert page.locator('link[rel="icon"]').get_attribute("href").endswith("favicon.svg")


def test_preferences_follow_the_agent_to_a_fresh_browser(server, browsers, peers):
    page = alerts(Dashboard(browsers.tab(), server).sign_in())
    email = "Email me about my assigned conversations while I'm offline"
    choose(page, "Play a sound", False)
    choose(page, "Show a browser notification", True)
    choose(page, email, True)

    elsewhere = recorded_dashboard(browsers, server)  # new cookies, new localStorage
    other = alerts(elsewhere)
    expect(other.get_by_role("checkbox", name="Play a sound")).not_to_be_checked()
    expect(other.get_by_role("checkbox", name="Show a browser notification")).to_be_checked()
    expect(other.get_by_role("checkbox", name=email)).to_be_checked()
    hide(other, True)  # and the new browser alerts as chosen: a notification, no tone
    new_ticket(peers.guest(server), "Followed me here")
    other.wait_for_function("window.__notes.length === 1")
    assert other.evaluate("window.__tones") == 0
    choose(other, "Play a sound", True)
    page.reload()  # and the first browser reads the change back
    expect(page.locator("#connection")).to_have_text("Live")
    page.locator("#alert-prefs summary").click()
    expect(page.get_by_role("checkbox", name="Play a sound")).to_be_checked()
    expect(page.get_by_role("checkbox", name=email)).to_be_checked()


def test_a_preference_that_cannot_be_saved_says_so_and_saves_on_retry(server, browsers):
    agent = Dashboard(browsers.tab(), server).sign_in()
    page = alerts(agent)
    email = page.get_by_role(
        "checkbox", name="Email me about my assigned conversations while I'm offline"
    )
    error = page.get_by_role("alert").filter(has_text="Not saved")
    page.route("**/api/admin/preferences", lambda route: route.abort("internetdisconnected"))
    email.check()
    expect(error).to_have_text(
        "Not saved: the server is not reachable. This page uses your choice until you reload it."
    )
    expect(email).to_be_checked()
    page.unroute("**/api/admin/preferences")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator("#prefs-status")).to_have_text("Saved")
    expect(error).to_be_hidden()
    expect(page.get_by_role("button", name="Retry")).to_be_hidden()

    stalled = []  # a server that never answers: the wait ends with an error, not forever
    page.route("**/api/admin/preferences", lambda route: stalled.append(route))
    email.uncheck()
    expect(page.locator("#prefs-status")).to_have_text("Saving…")
    expect(error).to_contain_text("the server did not answer in time", timeout=15_000)
    expect(page.locator("#prefs-status")).to_have_text("")
    assert len(stalled) == 1
    page.unroute("**/api/admin/preferences")

    fresh = alerts(Dashboard(browsers.tab(), server).sign_in())
    expect(
        fresh.get_by_role(
            "checkbox", name="Email me about my assigned conversations while I'm offline"
        )
    ).to_be_checked()


def test_the_alerts_panel_is_labelled_keyboard_reachable_and_axe_finds_nothing_serious(
    server, browsers
):
    page = Dashboard(browsers.tab(), server).sign_in().page
    summary = page.locator("#alert-prefs summary")
    summary.focus()
    page.keyboard.press("Enter")
    sound = page.get_by_role("checkbox", name="Play a sound")
    expect(sound).to_be_visible()
    group = page.get_by_role("group", name="While this tab is hidden")
    expect(group.get_by_role("checkbox")).to_have_count(2)
    page.keyboard.press("Tab")
    expect(sound).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#prefs-status")).to_have_text("Saved")
    expect(sound).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("checkbox", name="Show a browser notification")).to_be_focused()
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    expect(sound).to_be_hidden()
    expect(summary).to_be_focused()
