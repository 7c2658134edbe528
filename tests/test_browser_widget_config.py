"""The widget follows what the server says about it (PROTOCOL.md §3.4 ``/api/chat/config``):
branding the page did not set, and a clear message when the server refuses the site."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.browser import HostSite, Widget, browsers, chromium, host_site  # noqa: F401
from support.socket_clients import peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory, host_site: HostSite):
    """A live server that lets the host site embed the widget."""
    return live_server_factory(ALLOWED_ORIGINS=host_site.origin)


def brand(server_app, server) -> None:
    from supportchat.services import settings

    with server_app(server).app.app_context():
        settings.update(
            {
                "branding": {
                    "title": "Acme Help",
                    "primaryColor": "#7c3aed",
                    "welcomeMessage": "Hi! <b>Ask</b> us anything.",
                }
            }
        )


def shop_page(host_site: HostSite, server, init: str) -> str:
    """A page on the host site whose init call is ``init`` (a JavaScript object literal)."""
    (host_site.root / "shop.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Shop</h1>
<script>window.SupportChat = {{q: [["init", {init}]]}};</script>
<script src="{server.url}/widget.js" async></script>
</body></html>""")
    return f"{host_site.origin}/shop.html"


def test_the_widget_takes_title_colour_and_welcome_from_the_settings(
    server, host_site, browsers, server_app
):
    brand(server_app, server)
    customer = Widget(browsers.tab())
    customer.page.goto(shop_page(host_site, server, '{transport: "polling"}'))

    launcher = customer.page.get_by_role("button", name="Open chat: Acme Help")
    expect(launcher).to_be_visible()
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(124, 58, 237)"
    customer.open()
    expect(customer.page.get_by_role("heading", name="Acme Help")).to_be_visible()
    expect(customer.bubble("Hi! <b>Ask</b> us anything.")).to_be_visible()  # as text
    assert customer.page.locator(".log b").count() == 0
    assert customer.tab.errors == []


def test_options_given_to_init_win_over_the_settings(server, host_site, browsers, server_app):
    brand(server_app, server)
    customer = Widget(browsers.tab())
    customer.page.goto(
        shop_page(host_site, server, '{title: "Shop help", primaryColor: "rgb(1, 2, 3)"}')
    )

    customer.open()
    expect(customer.page.get_by_role("heading", name="Shop help")).to_be_visible()
    expect(customer.bubble("Hi! <b>Ask</b> us anything.")).to_be_visible()  # not given: server's
    launcher = customer.page.locator(".launcher")
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(1, 2, 3)"
    assert customer.tab.errors == []


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_site_the_server_does_not_allow_is_told_so_in_the_panel(
    live_server_factory, host_site, browsers, transport
):
    server = live_server_factory()  # the host site is not in ALLOWED_ORIGINS
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server, transport=transport))

    customer.page.get_by_role("button", name=re.compile(r"^Open chat")).click()
    alert = customer.page.get_by_role("alert")
    expect(alert).to_have_text(re.compile("not available on this website"))
    expect(alert).to_contain_text(host_site.origin)
    # No message box: nothing typed there could be sent, so no "trying again" either.
    expect(customer.page.get_by_role("textbox", name="Message")).to_be_hidden()
    customer.page.wait_for_timeout(1500)  # the transport's own failures do not replace it
    expect(alert).to_contain_text("not available on this website")
    expect(customer.page.locator(".msg.mine")).to_have_count(0)


def enable_csat(server_app, server) -> None:
    from supportchat.services import settings

    with server_app(server).app.app_context():
        settings.update({"behavior": {"csat": {"enabled": True}}})


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_after_the_ticket_closes_the_customer_rates_it_with_the_keyboard(
    server, host_site, browsers, server_app, peers, transport
):
    enable_csat(server_app, server)
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server, transport=transport))
    customer.open()
    customer.send("My parcel is late")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    agent = peers.agent(server)
    ticket_id = agent.ok("ticket:list", {"status": "all"})["tickets"][0]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.ok("ticket:close", {"ticketId": ticket_id})

    page = customer.page
    stars = page.get_by_role("radiogroup", name="How did we do?")
    expect(page.get_by_role("form", name="Rate this conversation")).to_be_visible()
    page.get_by_role("radio", name="1 star").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # four stars, by keyboard alone
    expect(page.get_by_role("radio", name="4 stars")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Quick and <b>kind</b>")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text="Thank you for your feedback!")
    ).to_be_visible()
    expect(stars).to_have_count(0)

    heard = agent.wait_for("ticket:updated", lambda t: t["id"] == ticket_id and t.get("rating"))
    assert (heard["rating"]["score"], heard["rating"]["comment"]) == (4, "Quick and <b>kind</b>")
    page.reload()  # rated once: not asked again
    page.get_by_role("button", name=re.compile("^Open chat")).click()
    expect(page.get_by_text("This conversation has been closed.")).to_be_visible()
    expect(page.get_by_role("form", name="Rate this conversation")).to_have_count(0)
    assert customer.tab.errors == []


def set_behavior(server_app, server, **behavior) -> None:
    from supportchat.services import settings

    with server_app(server).app.app_context():
        settings.update({"behavior": behavior})


def test_the_pre_chat_form_is_checked_and_its_answers_come_with_the_first_message(
    server, host_site, browsers, server_app, peers
):
    fields = [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "email", "label": "Email", "type": "email", "required": True},
        {"name": "order", "label": "Order number", "type": "text", "required": False},
    ]
    set_behavior(server_app, server, preChatForm={"enabled": True, "fields": fields})
    agent = peers.agent(server)  # somebody is online
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(host_site.page_with_widget(server, transport="websocket"))
    page.get_by_role("button", name=re.compile("^Open chat")).click()

    expect(page.get_by_role("textbox", name="Name (required)")).to_be_focused()
    expect(page.get_by_role("textbox", name="Message")).to_be_hidden()
    start = page.get_by_role("button", name="Start the chat")
    start.click()
    expect(page.get_by_text("Please fill in Name.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Name (required)")).to_be_focused()
    page.get_by_role("textbox", name="Name (required)").fill("Ada <Lovelace>")
    page.get_by_role("textbox", name="Email (required)").fill("not-an-address")
    start.click()
    expect(page.get_by_text("Please enter an email address like name@example.com.")).to_be_visible()
    assert agent.ok("ticket:list", {"status": "all"})["tickets"] == []  # nothing sent yet
    page.get_by_role("textbox", name="Email (required)").fill("ada@example.com")
    page.get_by_role("textbox", name="Order number").fill("A-12")
    start.click()

    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    customer.send("Where is my order?")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    ticket = agent.ok("ticket:list", {"status": "all"})["tickets"][0]
    assert ticket["customer"]["userIdentifier"] == {
        "name": "Ada <Lovelace>",
        "email": "ada@example.com",
    }
    assert customer.tab.errors == []


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_while_nobody_is_online_the_customer_leaves_a_message_and_an_email(
    server, host_site, browsers, server_app, peers, transport
):
    set_behavior(server_app, server, offlineMessage="We are away. Leave a message!")
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(host_site.page_with_widget(server, transport=transport))
    customer.open()

    expect(page.get_by_text("We are away. Leave a message!")).to_be_visible()
    email = page.get_by_role("textbox", name="Your email, so we can answer you")
    email.fill("ada@")
    customer.send("Please call me back")
    expect(page.get_by_text("Please enter an email address like name@example.com.")).to_be_visible()
    expect(email).to_be_focused()
    email.fill("ada@example.com")
    page.get_by_role("textbox", name="Message").press("Enter")

    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    expect(email).to_be_hidden()  # asked once, before the first message
    ticket = peers.agent(server).ok("ticket:list", {"status": "all"})["tickets"][0]
    assert ticket["customer"]["userIdentifier"] == {"email": "ada@example.com"}
    assert customer.tab.errors == []


def test_while_nobody_is_online_an_email_the_pre_chat_form_asks_for_is_asked_once(
    server, host_site, browsers, server_app, peers
):
    fields = [{"name": "email", "label": "Email", "type": "email", "required": True}]
    set_behavior(
        server_app,
        server,
        offlineMessage="We are away. Leave a message!",
        preChatForm={"enabled": True, "fields": fields},
    )
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(host_site.page_with_widget(server, transport="websocket"))
    page.get_by_role("button", name=re.compile("^Open chat")).click()

    expect(page.get_by_text("We are away. Leave a message!")).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile("email", re.IGNORECASE))).to_have_count(1)
    page.get_by_role("textbox", name="Email (required)").fill("ada@example.com")
    page.get_by_role("button", name="Start the chat").click()
    customer.send("Please call me back")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    ticket = peers.agent(server).ok("ticket:list", {"status": "all"})["tickets"][0]
    assert ticket["customer"]["userIdentifier"] == {"email": "ada@example.com"}
    assert customer.tab.errors == []


def test_while_closed_an_answer_shows_as_a_badge_and_a_preview_on_the_launcher(
    server, host_site, browsers, peers
):
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(host_site.page_with_widget(server, transport="websocket"))
    customer.open()
    customer.send("Is the shop open on Sunday?")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    page.get_by_role("button", name="Close chat").first.click()
    agent = peers.agent(server)
    ticket_id = agent.ok("ticket:list", {"status": "all"})["tickets"][0]["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Yes, <i>10</i> to 4."})

    expect(page.get_by_role("button", name="Open chat: Acme support (1 new)")).to_be_visible()
    expect(page.locator(".badge")).to_have_text("1")
    preview = page.get_by_role("button", name="New message: Yes, <i>10</i> to 4.")
    expect(preview).to_be_visible()
    preview.click()
    expect(page.get_by_role("dialog", name="Acme support")).to_be_visible()
    expect(preview).to_be_hidden()
    expect(page.locator(".badge")).to_be_hidden()
    assert customer.tab.errors == []
