"""How the widget reaches a customer's browser on another site: a small loader, then modules
from a versioned, cross-origin, long-cached path; the conversation's code only on first open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import HostSite, Widget, browsers, chromium, host_site  # noqa: F401
from support.socket_clients import peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MODULE = re.compile(r"/static/v/[0-9a-f]{16}/(.+)$")


@pytest.fixture
def server(live_server_factory, host_site: HostSite):
    """A live server that lets the host site embed the widget."""
    return live_server_factory(ALLOWED_ORIGINS=host_site.origin)


def fetched_modules(tab) -> dict[str, dict]:
    """Every widget file the page fetches from the versioned path: name → response headers."""
    modules: dict[str, dict] = {}

    def record(response) -> None:
        match = MODULE.search(response.url)
        if match:
            modules[match.group(1)] = response.all_headers()

    tab.page.on("response", record)
    return modules


def test_the_modules_come_cross_origin_from_a_versioned_path_cached_for_good(
    server, host_site, browsers
):
    customer = Widget(browsers.tab())
    modules = fetched_modules(customer.tab)
    customer.page.goto(host_site.page_with_widget(server))
    customer.open()
    customer.send("Hello from the shop")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)

    assert {"widget/main.js", "widget/launcher.js", "widget/chat.js", "shared/helpers.js"} <= set(
        modules
    )
    for name, headers in modules.items():
        assert headers["access-control-allow-origin"] == "*", name
        assert headers["cache-control"] == "public, max-age=31536000, immutable", name
    assert customer.tab.errors == []


def test_the_conversation_code_is_fetched_on_first_open_not_before(server, host_site, browsers):
    customer = Widget(browsers.tab())
    modules = fetched_modules(customer.tab)
    customer.page.goto(host_site.page_with_widget(server, transport="websocket"))
    expect(customer.page.get_by_role("button", name=re.compile("^Open chat"))).to_be_visible()
    customer.page.wait_for_load_state("networkidle")

    assert "widget/main.js" in modules and "widget/launcher.js" in modules
    for later in ("widget/chat.js", "widget/view.js", "widget/socket.js", "socket.io.esm.min.js"):
        assert later not in modules, sorted(modules)
    customer.open()
    customer.send("Now I need help")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    assert {"widget/chat.js", "widget/view.js", "socket.io.esm.min.js"} <= set(modules)


def test_calls_made_before_the_widget_arrived_still_apply(server, host_site, browsers, peers):
    # The loader is a plain script here, so the next script runs before the modules arrive.
    (host_site.root / "queued.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Shop</h1>
<script src="{server.url}/widget.js" data-welcome-message="Hello from a data attribute"></script>
<script>
  window.queuedEarly = Array.isArray(SupportChat.q);
  SupportChat.init({{title: "Queued support", transport: "polling"}});
  SupportChat.setUser({{email: "early@example.com"}});
  SupportChat.open();
  window.queuedCalls = SupportChat.q.length;
</script>
</body></html>""")
    customer = Widget(browsers.tab())
    customer.page.goto(f"{host_site.origin}/queued.html")

    assert customer.page.evaluate("[window.queuedEarly, window.queuedCalls]") == [True, 3]
    expect(
        customer.page.get_by_role("heading", name="Queued support")
    ).to_be_visible()  # init, open
    expect(customer.bubble("Hello from a data attribute")).to_be_visible()  # data-* under init
    customer.send("Who am I?")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    ticket = peers.agent(server).ok("ticket:list")["tickets"][0]
    assert ticket["customer"]["userIdentifier"] == {"email": "early@example.com"}  # setUser
    # A call pushed onto the old queue after the widget arrived is served at once.
    customer.page.evaluate('SupportChat.q.push(["close"])')
    expect(customer.page.locator(".panel")).to_be_hidden()
    assert customer.tab.errors == []


def test_a_slow_answer_about_the_settings_is_not_taken_for_a_refused_site(
    server, host_site, browsers
):
    customer = Widget(browsers.tab())
    held = []  # the widget's first ask waits past its patience; any later one is answered

    def slow(route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    customer.page.route("**/api/chat/config", slow)
    customer.page.goto(host_site.page_with_widget(server))
    customer.open()  # after five seconds, without the settings, but open
    expect(customer.page.get_by_role("alert")).to_have_count(0)
    customer.send("Hello from a slow network")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    assert len(held) == 1 and customer.tab.errors == []
