"""The dashboard by keyboard alone, and checked with axe-core, in a real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium, serious_violations  # noqa: F401
from support.socket_clients import new_ticket, peers  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(CONNECT_RATE_LIMIT="off")


def test_an_agent_works_the_inbox_with_the_keyboard_alone(server, browsers, peers):
    for text in ("Oldest question", "Middle question", "Newest question"):
        new_ticket(peers.guest(server), text)
    agent = Dashboard(browsers.tab(), server).sign_in()
    page = agent.page
    expect(page.locator("#ticket-list li")).to_have_count(3)

    page.keyboard.press("j")
    expect(agent.ticket("Newest question")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(agent.ticket("Oldest question")).to_be_focused()
    page.keyboard.press("k")
    expect(agent.ticket("Middle question")).to_be_focused()
    page.keyboard.press("Enter")
    expect(agent.message("Middle question")).to_be_visible()

    page.keyboard.press("Escape")  # out of the reply box the ticket focused
    page.keyboard.press("n")
    reply = page.get_by_role("textbox", name="Reply to the customer")
    expect(reply).to_be_focused()
    expect(page.locator("#as-note")).to_be_checked()
    page.keyboard.type("n and r typed here stay text")
    expect(reply).to_have_value("n and r typed here stay text")
    page.keyboard.press("Enter")
    expect(agent.message("n and r typed here stay text")).to_have_class(re.compile(r"\bnote\b"))
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(reply).to_be_focused()
    expect(page.locator("#as-note")).not_to_be_checked()
    page.keyboard.press("Escape")

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Close the ticket")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("e")
    expect(page.get_by_role("button", name="Confirm close")).to_be_focused()
    page.keyboard.press("e")
    expect(page.locator("#closed-note")).to_be_visible()
    assert agent.tab.errors == []


def test_every_control_is_labelled_reachable_and_axe_finds_nothing_serious(server, browsers, peers):
    new_ticket(peers.guest(server), "Checked for accessibility")
    agent = Dashboard(browsers.tab(), server).sign_in()
    page = agent.page
    assert serious_violations(page) == []  # the empty conversation pane

    agent.open("Checked for accessibility")
    agent.reply("An answer", note=False)
    expect(agent.message("An answer")).not_to_have_class(re.compile("pending"))
    assert serious_violations(page) == []

    unnamed = page.evaluate(
        """() => Array.from(document.querySelectorAll("button, input, select, textarea"))
            .filter((el) => el.offsetParent !== null)
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                            && !el.textContent.trim())
            .map((el) => el.outerHTML)"""
    )
    assert unnamed == []

    reached = set()  # Tab visits every visible control, each with a visible focus ring
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement;
              const style = getComputedStyle(el);
              return [el.id || el.tagName, style.outlineStyle !== "none"]; }"""
        )
        reached.add(focused[0])
        assert focused[1] or focused[0] == "BODY", f"{focused[0]} has no visible focus"
    for control in ("filter-status", "filter-assigned", "assign", "close-ticket", "reply", "send"):
        assert control in reached

    page.keyboard.press("Escape")  # the Tab walk may end in a field, where "?" is text
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert serious_violations(page) == []
