"""The customer widget in a real Chromium, embedded in another website, talking to a live
server, with an agent on the real dashboard (PROTOCOL.md §3.3, §3.4, §4, §5)."""

from __future__ import annotations

import re
import struct
import time
import zlib

import pytest
from playwright.sync_api import expect

from support.browser import (  # noqa: F401
    Dashboard,
    HostSite,
    Widget,
    agent_and_customer,
    browsers,
    chromium,
    host_site,
    loaded_width,
    luminance,
    screenshot,
)
from support.socket_clients import peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRANSPORTS = ["websocket", "polling"]


@pytest.fixture
def server(live_server_factory, host_site: HostSite):
    """A live server that lets the host site embed the widget."""
    return live_server_factory(ALLOWED_ORIGINS=host_site.origin)


def joined_ticket(agent) -> str:
    """The id of the only ticket, which the python-socketio ``agent`` joins."""
    tickets = agent.ok("ticket:list", {"status": "all"})["tickets"]
    assert len(tickets) == 1, tickets
    agent.ok("ticket:join", {"ticketId": tickets[0]["id"]})
    return tickets[0]["id"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_customer_on_another_site_and_an_agent_talk_until_the_ticket_closes(
    server, host_site, browsers, transport
):
    agent, customer = agent_and_customer(server, host_site, browsers, transport=transport)

    customer.send("Hello, my order #12 is late")
    expect(customer.bubble("Hello, my order #12 is late")).to_be_visible()
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)  # stored, not pending

    expect(agent.ticket("Hello, my order #12 is late")).to_be_visible()  # live, no reload
    agent.open("Hello, my order #12 is late")
    expect(agent.message("Hello, my order #12 is late")).to_be_visible()
    agent.reply("Sorry about that, it ships today.")

    expect(customer.bubble("Sorry about that, it ships today.")).to_be_visible()
    assert customer.texts() == ["Hello, my order #12 is late", "Sorry about that, it ships today."]

    agent.close_ticket()
    expect(customer.page.get_by_text("This conversation has been closed.")).to_be_visible()
    expect(customer.page.get_by_role("textbox", name="Message")).to_be_hidden()
    screenshot(customer.page, f"widget-closed-{transport}")
    customer.page.get_by_role("button", name="Start a new conversation").click()
    expect(customer.page.get_by_role("textbox", name="Message")).to_be_focused()
    assert customer.texts() == []
    assert customer.tab.errors == [] and agent.tab.errors == []


def test_markup_in_messages_shows_as_text_on_both_sides(server, host_site, browsers):
    attack = "<img src=x onerror=alert(1)>"
    answer = "<script>alert(2)</script><b onmouseover=alert(3)>bold?</b>"
    agent, customer = agent_and_customer(server, host_site, browsers, transport="websocket")

    customer.send(attack)
    expect(customer.bubble(attack)).to_be_visible()
    agent.open(attack)  # the inbox preview shows it as text too
    expect(agent.message(attack)).to_be_visible()
    agent.reply(answer)
    expect(customer.bubble(answer)).to_be_visible()

    for side in (customer, agent):
        assert side.page.locator(".log img, #messages img, #ticket-list img").count() == 0
        assert side.page.locator(".log script, .log b, #messages script, #messages b").count() == 0
        assert side.tab.dialogs == [] and side.tab.errors == []


def test_web_addresses_in_messages_are_links_on_both_sides_and_nothing_else_is(
    server, host_site, browsers
):
    question = "Is (https://shop.example/orders?id=7&x=1) mine? Not javascript:alert(1)"
    answer = "Yes: see https://help.example/orders/7."
    agent, customer = agent_and_customer(server, host_site, browsers, transport="websocket")

    customer.send(question)
    expect(customer.bubble(question)).to_be_visible()
    agent.open("Is (https://shop.example")
    agent.reply(answer)
    expect(customer.bubble(answer)).to_be_visible()

    for side, question_at, answer_at in (
        (customer, customer.bubble(question), customer.bubble(answer)),
        (agent, agent.message(question).locator(".text"), agent.message(answer).locator(".text")),
    ):
        order = question_at.get_by_role("link")
        expect(order).to_have_count(1)  # javascript: stays text
        expect(order).to_have_text("https://shop.example/orders?id=7&x=1")
        expect(order).to_have_attribute("href", "https://shop.example/orders?id=7&x=1")
        expect(order).to_have_attribute("target", "_blank")
        expect(order).to_have_attribute("rel", re.compile(r"\bnoopener\b.*\bnoreferrer\b"))
        expect(answer_at.get_by_role("link")).to_have_attribute(
            "href", "https://help.example/orders/7"
        )
        assert side.tab.errors == []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_messages_written_while_the_server_restarts_arrive_once_and_in_order(
    server, host_site, browsers, peers, transport
):
    customer = Widget(browsers.tab())
    customer.page.goto(
        host_site.page_with_widget(
            server,
            transport=transport,
            transportOptions={"backoffBaseMs": 1000, "backoffMaxMs": 2000},
        )
    )
    customer.open()
    customer.send("Before the restart")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)

    server.stop()
    expect(customer.status()).to_have_text(re.compile("reconnecting", re.IGNORECASE))
    customer.send("Written while offline")
    expect(customer.page.locator(".msg.mine.failed")).to_have_count(1)  # shown, with Retry
    expect(customer.page.get_by_role("button", name="Retry")).to_be_visible()
    screenshot(customer.page, f"widget-offline-{transport}")

    server.start()  # same port, same database
    agent = peers.agent(server)
    ticket_id = joined_ticket(agent)
    for number in (1, 2, 3):
        agent.ok("chat:message", {"ticketId": ticket_id, "text": f"Agent reply {number}"})
    expect(customer.bubble("Agent reply 3")).to_be_visible()
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(2)  # sent by itself
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Agent reply 4"})
    expect(customer.bubble("Agent reply 4")).to_be_visible()  # nothing late is still coming

    texts = customer.texts()
    assert [text for text in texts if text.startswith("Agent")] == [
        "Agent reply 1",
        "Agent reply 2",
        "Agent reply 3",
        "Agent reply 4",
    ]
    assert texts.count("Before the restart") == 1 and texts.count("Written while offline") == 1
    stored = [
        message["text"] for message in agent.ok("ticket:join", {"ticketId": ticket_id})["messages"]
    ]
    assert stored.count("Written while offline") == 1
    expect(customer.status()).to_have_text("")
    assert customer.tab.errors == []


def test_what_could_not_reach_a_closed_conversation_waits_in_the_new_ones_message_box(
    server, host_site, browsers, peers, server_app
):
    from supportchat.context import current
    from supportchat.services import actors, tickets

    customer = Widget(browsers.tab())
    customer.page.goto(
        host_site.page_with_widget(
            server, transportOptions={"backoffBaseMs": 1000, "backoffMaxMs": 2000}
        )
    )
    customer.open()
    customer.send("My parcel is late")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    ticket_id = joined_ticket(peers.agent(server))

    server.stop()
    customer.send("Also, my address changed")
    expect(customer.page.locator(".msg.mine.failed")).to_have_count(1)
    with server_app(server).app.app_context():  # an agent closes it meanwhile
        tickets.close(current(), actors.agent("a-1", "agent", "Ana"), ticket_id)
    server.start()

    unsent = customer.page.locator(".msg.mine.failed", has_text="Also, my address changed")
    expect(unsent).to_contain_text("Not sent: this conversation has been closed.")
    box = customer.page.get_by_role("textbox", name="Message")
    expect(box).to_be_hidden()
    customer.page.get_by_role("button", name="Start a new conversation").click()
    expect(box).to_be_focused()
    expect(box).to_have_value("Also, my address changed")
    box.press("Enter")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    assert customer.texts() == ["Also, my address changed"] and customer.tab.errors == []


def test_the_hosted_chat_page_is_branded_from_the_settings(server, browsers, server_app, peers):
    from supportchat.services import settings

    with server_app(server).app.app_context():
        settings.update(
            {
                "branding": {
                    "title": "Acme Help",
                    "primaryColor": "#7c3aed",
                    "welcomeMessage": "Hi! Ask us anything.",
                    "customCss": "body { background: rgb(1, 2, 3); } </style><script>alert(1)</script>",
                }
            }
        )
    customer = Widget(browsers.tab())
    customer.page.goto(server.url + "/chat")

    expect(customer.page).to_have_title("Acme Help")
    expect(customer.page.get_by_role("heading", name="Acme Help")).to_be_visible()
    expect(customer.bubble("Hi! Ask us anything.")).to_be_visible()
    header = customer.page.locator(".head")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(124, 58, 237)"
    assert (
        customer.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(1, 2, 3)"
    )
    expect(customer.page.get_by_role("textbox", name="Message")).to_be_focused()
    expect(customer.page.locator(".launcher")).to_be_hidden()  # full page: nothing to open

    customer.send("Where is my parcel?")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    screenshot(customer.page, "chat-page-light")
    customer.page.emulate_media(color_scheme="dark")
    screenshot(customer.page, "chat-page-dark")
    agent = peers.agent(server)
    joined_ticket(agent)
    assert customer.tab.dialogs == [] and customer.tab.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_widget_fits_the_window_and_follows_the_color_scheme(
    server, host_site, browsers, peers, scheme
):
    customer = Widget(browsers.tab(color_scheme=scheme))
    customer.page.goto(host_site.page_with_widget(server, transport="websocket"))
    customer.open()
    customer.send("Hi, can I still change my delivery address?")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    agent = peers.agent(server)
    ticket_id = joined_ticket(agent)
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Of course! What is the new address?"})
    expect(customer.bubble("Of course! What is the new address?")).to_be_visible()
    customer.page.get_by_role("textbox", name="Message").fill("It is 12 Long Street")
    screenshot(customer.page, f"widget-{scheme}")

    panel = customer.page.locator(".panel").bounding_box()
    launcher = customer.page.locator(".launcher").bounding_box()
    assert panel["x"] >= 0 and panel["y"] >= 0
    assert panel["x"] + panel["width"] <= 1280 and panel["y"] + panel["height"] <= 800
    assert launcher["y"] >= panel["y"] + panel["height"]  # the launcher does not cover the panel
    background = luminance(
        customer.page.locator(".log").evaluate("e => getComputedStyle(e).backgroundColor")
    )
    text = luminance(
        customer.page.locator(".msg.theirs:not(.welcome) .bubble").evaluate(
            "e => getComputedStyle(e).color"
        )
    )
    assert (
        (background < 0.2 and text > 0.8) if scheme == "dark" else (background > 0.9 and text < 0.2)
    )


def test_on_a_phone_the_open_widget_fills_the_screen(server, host_site, browsers):
    customer = Widget(browsers.tab(viewport=(390, 844)))
    customer.page.goto(host_site.page_with_widget(server, transport="websocket"))
    customer.open()
    screenshot(customer.page, "widget-phone")
    assert customer.page.locator(".panel").bounding_box() == {
        "x": 0,
        "y": 0,
        "width": 390,
        "height": 844,
    }
    expect(customer.page.locator(".launcher")).to_be_hidden()  # it would cover the send button
    customer.page.get_by_role("button", name="Close chat", exact=True).click()
    expect(customer.page.locator(".panel")).to_be_hidden()
    expect(customer.page.get_by_role("button", name=re.compile("^Open chat"))).to_be_focused()


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG, 2×2 unless told otherwise."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xd9\x2d\x20" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_customer_sends_a_picture_with_a_message(server, host_site, browsers, transport):
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server, transport=transport))
    customer.open()
    customer.page.locator("input[type=file]").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    expect(customer.page.locator(".chip")).to_have_text("receipt.png")
    customer.send("Here is my receipt")

    picture = customer.page.locator(".msg.mine.sent img[alt='receipt.png']")
    expect(picture).to_be_visible()
    assert loaded_width(picture) == 2  # the link works
    expect(customer.page.locator(".chip")).to_have_count(0)
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Here is my receipt")
    link = agent.message("Here is my receipt").get_by_role("link", name="📎 receipt.png")
    expect(link).to_have_attribute("href", re.compile(r"^/uploads/"))


@pytest.mark.parametrize("where", ["embedded", "hosted"])
def test_after_a_reload_the_log_ends_at_the_newest_message_below_a_picture(
    server, host_site, browsers, where
):
    customer = Widget(browsers.tab())
    if where == "hosted":  # /chat: the panel is always open, the picture loads after the history
        customer.page.goto(server.url + "/chat")
    else:
        customer.page.goto(host_site.page_with_widget(server, transport="websocket"))
        customer.open()
    customer.page.locator("input[type=file]").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": tiny_png(220, 160)}]
    )
    expect(customer.page.locator(".chip")).to_have_text("photo.png")  # uploaded
    customer.send("A photo of the damage")
    expect(customer.page.locator(".msg.mine.sent img[alt='photo.png']")).to_be_visible()
    for number in range(8):
        customer.send(f"filler {number}")
        expect(customer.bubble(f"filler {number}")).to_be_visible()

    customer.page.reload()
    if where == "embedded":  # a reload closes the panel; /chat has it open always
        customer.open()
    expect(customer.page.locator("img[alt='photo.png']")).to_be_visible()
    log = customer.page.locator(".log")
    below = "log => log.scrollHeight - log.scrollTop - log.clientHeight"
    for _ in range(30):  # the picture loads after the history is shown, and moves it
        if log.evaluate(below) < 2:
            break
        customer.page.wait_for_timeout(100)
    # There is something to scroll, and it is scrolled to its end.
    assert log.evaluate("log => log.scrollHeight > log.clientHeight")
    assert log.evaluate(below) < 2
    expect(customer.bubble("filler 7")).to_be_in_viewport()


def test_a_file_that_is_not_a_picture_shows_its_name_and_size_in_words(server, host_site, browsers):
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server))
    customer.open()
    customer.page.locator("input[type=file]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"sixteen bytes!!\n"}]
    )
    expect(customer.page.locator(".chip")).to_have_text("notes.txt")  # uploaded
    customer.send("My notes")
    sent = customer.page.locator(".msg.mine.sent", has_text="My notes")
    expect(sent).to_contain_text("📎 notes.txt (16 bytes)")


def test_plugins_run_in_order_and_a_failing_one_breaks_nothing(server, host_site, browsers, peers):
    plugins = """[
      {name: "broken", onWidgetOpen() { throw new Error("boom"); },
       onBeforeSend() { throw new Error("boom"); }},
      {name: "tracing", onBeforeSend(payload) {
         return {payload: {...payload, metadata: {...payload.metadata, traceId: "trace-123"}}}; }},
      {name: "log", onInit() { (window.hooks = window.hooks || []).push("init"); },
       onWidgetMount() { window.hooks.push("mount"); },
       onWidgetOpen() { window.hooks.push("open"); },
       onBeforeSend(payload) { window.hooks.push("before " + payload.metadata.traceId); },
       onAfterSend(payload, response) { window.hooks.push("after " + response.message.text); },
       onMessages(messages) { window.hooks.push("messages " + messages.map((m) => m.text)); }}
    ]"""
    customer = Widget(browsers.tab())
    customer.page.goto(
        host_site.page_with_widget(server, transport="websocket", plugins_js=plugins)
    )
    customer.open()
    customer.send("Traced question")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)

    hooks = customer.page.evaluate("window.hooks")
    assert hooks[:5] == ["init", "mount", "open", "before trace-123", "after Traced question"]
    assert "messages Traced question" in hooks
    ticket = peers.agent(server).ok("ticket:list")["tickets"][0]
    assert ticket["customer"]["metadata"]["traceId"] == "trace-123"


def test_the_client_id_is_kept_in_storage_and_a_lax_cookie_until_rotated(
    server, host_site, browsers
):
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server))
    customer.open()
    customer.send("Remember me")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)

    def identity() -> tuple[str, dict]:
        stored = customer.page.evaluate("JSON.parse(localStorage.getItem('cs_client_id')).id")
        cookies = {c["name"]: c for c in customer.page.context.cookies(host_site.origin)}
        return stored, cookies["cs_client_id"]

    stored, cookie = identity()
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", stored
    )
    assert cookie["value"] == stored and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert abs(cookie["expires"] - time.time() - 180 * 86400) < 3600
    customer.page.reload()
    customer.open()
    expect(customer.bubble("Remember me")).to_be_visible()  # same identity, same conversation

    rotated = customer.page.evaluate("SupportChat.rotateIdentity()")
    assert rotated != stored and identity()[0] == rotated == identity()[1]["value"]
    expect(customer.page.locator(".log .msg:not(.welcome)")).to_have_count(0)


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    live_server_factory, host_site, browsers
):
    server = live_server_factory(ALLOWED_ORIGINS=host_site.origin, MAX_UPLOAD_MB="1")
    customer = Widget(browsers.tab())
    uploads = []  # the files posted: the small one only
    customer.page.on(
        "request",
        lambda request: (
            uploads.append(request.url)
            if request.method == "POST" and request.url.endswith("/upload")
            else None
        ),
    )
    customer.page.goto(host_site.page_with_widget(server))
    customer.open()
    customer.page.locator("input[type=file]").set_input_files(
        files=[
            {"name": "video.zip", "mimeType": "application/zip", "buffer": bytes(1536 * 1024)},
            {"name": "receipt.png", "mimeType": "image/png", "buffer": tiny_png()},
        ]
    )
    expect(customer.page.get_by_role("alert")).to_have_text(
        "video.zip is 1.5 MB; files up to 1 MB can be sent."
    )
    expect(customer.page.locator(".chip")).to_have_text("receipt.png")  # the other one goes
    customer.send("Only the receipt")
    expect(customer.page.locator(".msg.mine.sent img[alt='receipt.png']")).to_be_visible()
    assert len(uploads) == 1 and customer.tab.errors == []


def test_a_refused_message_shows_the_servers_reason(live_server_factory, host_site, browsers):
    server = live_server_factory(ALLOWED_ORIGINS=host_site.origin, MAX_MESSAGE_CHARS="20")
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server))
    customer.open()
    customer.send("This message is far too long for the limit")

    failed = customer.page.locator(".msg.mine.failed")
    expect(failed).to_contain_text("the limit is 20")
    expect(failed.get_by_role("button", name="Retry")).to_have_count(0)  # retrying cannot help
    failed.get_by_role("button", name="Dismiss").click()
    expect(failed).to_have_count(0)


def test_the_automatic_reply_follows_the_first_message(server, host_site, browsers, server_app):
    from supportchat.services import settings

    with server_app(server).app.app_context():
        settings.update({"behavior": {"autoReply": "Thanks! An agent will answer shortly."}})
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server))
    customer.open()
    customer.send("Is anyone there?")
    expect(customer.bubble("Thanks! An agent will answer shortly.")).to_be_visible()
    assert customer.texts() == ["Is anyone there?", "Thanks! An agent will answer shortly."]
