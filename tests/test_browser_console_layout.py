"""The console's layout in Chromium: pages that fit a phone, the admin pages' shared navigation,
and controls drawn whole (colour swatch, label chips, the Sort select)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium, screenshot, serious_violations  # noqa: F401
from support.socket_clients import new_ticket, peers  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = (375, 800)
CONSOLE_PAGES = [
    "/agent/dashboard",
    "/admin/",
    "/admin/settings",
    "/admin/blocklist",
    "/admin/monitor",
    "/admin/database",
    "/admin/tokens",
    "/admin/audit",
    "/admin/reports",
    "/admin/canned",
    "/admin/webhooks",
]


def overlap(first: dict, second: dict) -> bool:
    """Whether two bounding boxes intersect."""
    return (
        first["x"] < second["x"] + second["width"]
        and second["x"] < first["x"] + first["width"]
        and first["y"] < second["y"] + second["height"]
        and second["y"] < first["y"] + first["height"]
    )


def test_every_console_page_fits_a_phone_and_sign_out_is_reachable(
    live_server_factory, browsers, peers
):
    server = live_server_factory()
    new_ticket(
        peers.guest(server), "A long first message " * 10 + "https://example.com/" + "x" * 80
    )
    admin = Dashboard(browsers.tab(viewport=PHONE), server).sign_in()
    page = admin.page
    sign_out = page.get_by_role("button", name="Sign out")
    for path in CONSOLE_PAGES:
        page.goto(server.url + path)
        expect(page.locator("main h1")).to_be_visible()
        screenshot(page, "console-phone" + path.replace("/", "-"))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0], path
        for link in page.locator(".topbar a, .admin-nav a").all():
            box = link.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], (path, link.inner_text())
        expect(sign_out).to_be_in_viewport()
        sign_out.click(trial=True)  # visible, enabled and not covered by anything
        assert serious_violations(page) == [], path
    sign_out.click()
    page.wait_for_url("**/agent/login*")
    assert admin.tab.errors == []


def test_the_webhooks_canned_and_tokens_pages_share_the_admin_layout(live_server_factory, browsers):
    server = live_server_factory()
    admin = Dashboard(browsers.tab(viewport=PHONE), server).sign_in()
    page = admin.page
    for path, current in (
        ("/admin/webhooks", "Webhooks"),
        ("/admin/canned", "Canned"),
        ("/admin/tokens", "Tokens"),
    ):
        page.goto(server.url + path)
        menu = page.get_by_role("navigation", name="Admin")
        expect(menu.get_by_role("link", name="Settings")).to_be_visible()
        expect(menu.locator('[aria-current="page"]')).to_have_text(current)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(server.url + "/admin/webhooks")
    secret = page.get_by_label("Secret")
    expect(secret).to_have_attribute("type", "password")
    expect(secret).to_have_attribute("autocomplete", "new-password")
    # Each event's checkbox sits on the line of its name.
    event = page.locator("#webhook-form fieldset label").first
    box, text = event.locator("input").bounding_box(), event.bounding_box()
    assert text["y"] <= box["y"] and box["y"] + box["height"] <= text["y"] + text["height"]
    assert box["height"] > text["height"] / 2
    # A refused URL is told next to the form, where the person is looking.
    page.get_by_label("URL").fill("file:///etc/passwd")
    secret.fill("a-receiver-secret-0123456789")
    page.get_by_role("button", name="Add").click()
    error = page.locator("#webhook-error")
    expect(error).to_contain_text("http:// or https://")
    expect(error).to_be_in_viewport()
    screenshot(page, "webhooks-refused")
    assert serious_violations(page) == []
    assert admin.tab.errors == []


def test_the_colour_swatch_shows_and_the_shortcut_pattern_is_checked(live_server_factory, browsers):
    server = live_server_factory()
    admin = Dashboard(browsers.tab(), server).sign_in()
    page = admin.page
    page.goto(server.url + "/admin/settings")
    colour = page.get_by_label("Primary colour")
    expect(colour).to_have_value("#0f766e")
    assert colour.bounding_box()["height"] >= 24
    swatch = colour.evaluate(  # the box minus padding: where the colour is drawn
        """input => {
          const style = getComputedStyle(input);
          return input.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
        }"""
    )
    assert swatch >= 20
    screenshot(page, "settings-colour")

    page.goto(server.url + "/admin/canned")
    shortcut = page.get_by_label("Shortcut")
    shortcut.fill("Bad Shortcut")
    assert shortcut.evaluate("input => input.checkValidity()") is False
    page.get_by_label("Title").fill("Bad")
    page.get_by_label("Text").fill("Refused by the browser")
    page.get_by_role("button", name="Save").click()
    expect(shortcut).to_have_js_property("validity.patternMismatch", True)
    expect(page.locator("#canned-rows tr")).to_have_count(0)
    shortcut.fill("good-one-2")
    assert shortcut.evaluate("input => input.checkValidity()") is True
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#canned-rows tr")).to_have_count(1)
    assert admin.tab.errors == []


@pytest.mark.parametrize("width", [1100, 375])
def test_a_long_label_never_covers_the_ticket_buttons(live_server_factory, browsers, peers, width):
    server = live_server_factory()
    ticket = new_ticket(peers.guest(server))["ticket"]
    peers.agent(server).ok("ticket:label", {"ticketId": ticket["id"], "labels": ["x" * 32, "vip"]})
    admin = Dashboard(browsers.tab(viewport=(width, 800)), server).sign_in()
    page = admin.page
    admin.open("Hello, I need help")
    chip = page.locator(".conversation .labels .chip").filter(has_text="x" * 32)
    expect(chip).to_be_visible()
    screenshot(page, f"long-label-{width}")
    for button in ("#assign", "#close-ticket"):
        expect(page.locator(button)).to_be_visible()  # the header's buttons follow the ticket
        assert not overlap(chip.bounding_box(), page.locator(button).bounding_box()), button
    # The Sort select is as wide as its longest option ("Newest activity").
    sort = page.get_by_label("Sort")
    needed = sort.evaluate(
        """select => {
          const copy = select.cloneNode(true);
          copy.removeAttribute("id");
          copy.style.cssText = "position: absolute; width: auto; min-width: 0";
          select.parentElement.append(copy);
          const width = copy.getBoundingClientRect().width;
          copy.remove();
          return width;
        }"""
    )
    assert sort.bounding_box()["width"] >= needed - 0.5
    assert admin.tab.errors == []
