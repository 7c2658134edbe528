"""The widget's connection in a real Chromium on another site (PROTOCOL.md §5): WebSocket falling
back to long polling on apiUrl and coming back, heartbeatMs noticing a dead connection, one
retry policy for a failed send, and files dropped or pasted into the panel."""

from __future__ import annotations

import base64
import re
import time

import pytest
from playwright.sync_api import expect
from test_browser_widget import joined_ticket, tiny_png

from support.browser import (  # noqa: F401
    HostSite,
    Widget,
    browsers,
    chromium,
    host_site,
    loaded_width,
)
from support.socket_clients import peers  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOCKET_IO = re.compile(r"/socket\.io/")
# Records what the widget reports: window.telemetry on the host page.
RECORDER = "[{name: 'recorder', onTelemetry(event) { (window.telemetry ||= []).push(event); }}]"


@pytest.fixture
def server(live_server_factory, host_site: HostSite):
    """A live server that lets the host site embed the widget."""
    return live_server_factory(ALLOWED_ORIGINS=host_site.origin)


def customer_on(browsers, host_site, server, plugins_js: str = RECORDER, **options) -> Widget:
    customer = Widget(browsers.tab())
    customer.url = host_site.page_with_widget(server, plugins_js=plugins_js, **options)
    return customer


def switches(customer: Widget) -> list[str]:
    """The transports the widget switched to, in order."""
    events = customer.page.evaluate("window.telemetry || []")
    return [event["transport"] for event in events if event["type"] == "transport"]


def stored_texts(agent, ticket_id: str) -> list[str]:
    return [m["text"] for m in agent.ok("ticket:join", {"ticketId": ticket_id})["messages"]]


@pytest.mark.parametrize(
    "block", ["proxy closes the socket", "upgrade refused", "no WebSocket constructor"]
)
def test_with_the_websocket_blocked_the_chat_works_over_long_polling(
    server, host_site, browsers, peers, block
):
    # "upgrade refused": a plain web server (the host site's) answers the handshake with a 404.
    refused = {"webSocketUrl": f"{host_site.origin}/socket.io"} if "refused" in block else {}
    customer = customer_on(
        browsers, host_site, server, transport="websocket", transportOptions=refused
    )
    if block == "no WebSocket constructor":
        customer.page.add_init_script("delete window.WebSocket;")
    elif block == "proxy closes the socket":
        customer.page.route_web_socket(SOCKET_IO, lambda socket: socket.close())
    customer.page.goto(customer.url)
    customer.open()
    customer.send("Is anyone there?")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    assert switches(customer) == ["polling"]

    agent = peers.agent(server)
    ticket_id = joined_ticket(agent)
    customer.page.get_by_role("textbox", name="Message").fill("Hello?")
    agent.wait_for("typing", lambda event: event.get("typing") is True)
    agent.ok("typing", {"ticketId": ticket_id, "typing": True})
    expect(customer.page.locator(".typing")).to_contain_text("is typing")
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Yes, over long polling."})
    expect(customer.bubble("Yes, over long polling.")).to_be_visible()
    agent.wait_for("read", lambda event: event.get("seq") == 2)  # the customer has seen it
    agent.ok("read", {"ticketId": ticket_id, "seq": 2})
    expect(customer.page.locator(".msg.mine").get_by_text("Seen")).to_be_visible()
    assert customer.texts() == ["Is anyone there?", "Yes, over long polling."]
    expect(customer.status()).to_have_text("")
    assert customer.tab.errors == []


def test_a_dropping_socket_gives_way_to_polling_then_comes_back_without_gaps_or_doubles(
    server, host_site, browsers, peers
):
    dropping = {"on": False}

    def proxy(socket) -> None:
        """Passes frames both ways; while dropping, cuts the line after each acknowledgement."""
        upstream = socket.connect_to_server()

        def down(message) -> None:
            socket.send(message)
            if dropping["on"] and isinstance(message, str) and message.startswith("43/guest,"):
                socket.close()
                upstream.close()

        upstream.on_message(down)
        socket.on_message(lambda message: upstream.send(message))

    customer = customer_on(
        browsers,
        host_site,
        server,
        transport="websocket",
        transportOptions={"heartbeatMs": 1500, "backoffBaseMs": 200, "backoffMaxMs": 500},
    )
    customer.page.route_web_socket(SOCKET_IO, proxy)
    customer.page.goto(customer.url)
    customer.open()
    customer.send("First, on the socket")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    agent = peers.agent(server)
    ticket_id = joined_ticket(agent)

    dropping["on"] = True  # the next heartbeat's answer cuts the line, and every one after
    customer.page.wait_for_function(
        "(window.telemetry || []).some(e => e.type === 'transport' && e.transport === 'polling')"
    )
    customer.send("Second, over polling")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(2)
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Agent, while polling"})
    expect(customer.bubble("Agent, while polling")).to_be_visible()
    assert switches(customer) == ["polling"]  # trials that drop do not take over

    dropping["on"] = False
    customer.page.wait_for_function(
        "(window.telemetry || []).some(e => e.type === 'transport' && e.transport === 'websocket')",
        timeout=30_000,
    )
    customer.send("Third, on the socket again")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(3)
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Agent, on the socket"})
    expect(customer.bubble("Agent, on the socket")).to_be_visible()

    expected = [
        "First, on the socket",
        "Second, over polling",
        "Agent, while polling",
        "Third, on the socket again",
        "Agent, on the socket",
    ]
    assert switches(customer) == ["polling", "websocket"]
    assert customer.texts() == expected
    assert stored_texts(agent, ticket_id) == expected
    assert customer.tab.errors == []


def test_the_heartbeat_notices_a_silently_dead_socket_and_reconnects(
    server, host_site, browsers, peers
):
    lines: list[dict] = []

    def proxy(socket) -> None:
        """Passes frames both ways until the line is silenced (a proxy that lost it)."""
        upstream = socket.connect_to_server()
        line = {"silent": False}
        lines.append(line)
        upstream.on_message(lambda message: None if line["silent"] else socket.send(message))
        socket.on_message(lambda message: None if line["silent"] else upstream.send(message))

    customer = customer_on(
        browsers,
        host_site,
        server,
        transport="websocket",
        transportOptions={"heartbeatMs": 1000, "backoffBaseMs": 200, "backoffMaxMs": 500},
    )
    customer.page.route_web_socket(SOCKET_IO, proxy)
    customer.page.goto(customer.url)
    customer.open()
    customer.send("Hello")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    agent = peers.agent(server)
    ticket_id = joined_ticket(agent)

    for line in lines:
        line["silent"] = True  # no close, no error: just nothing any more
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Sent into the silence"})
    # Socket.IO alone would notice after its 20 s ping interval and 20 s timeout.
    expect(customer.bubble("Sent into the silence")).to_be_visible(timeout=8_000)
    events = customer.page.evaluate("window.telemetry")
    assert any(event["type"] == "heartbeat_missed" for event in events)
    assert customer.texts() == ["Hello", "Sent into the silence"]


def test_the_heartbeat_notices_a_hanging_long_poll(server, host_site, browsers, peers):
    hanging = {"on": True}
    held = []

    def proxy(route) -> None:
        if hanging["on"] and route.request.method == "GET":
            held.append(route)  # never answered
        else:
            route.fallback()

    customer = customer_on(
        browsers,
        host_site,
        server,
        transport="polling",
        transportOptions={"heartbeatMs": 1000, "backoffBaseMs": 200, "backoffMaxMs": 500},
    )
    customer.page.route(re.compile(r"/api/chat\?"), proxy)
    customer.page.goto(customer.url)
    customer.open()
    customer.send("Hello")
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    started = time.monotonic()
    # The long poll may hang for 30 s (longPollTimeoutMs); the heartbeat tells within seconds.
    expect(customer.status()).to_have_text("Reconnecting…", timeout=5_000)
    assert time.monotonic() - started < 5 and held

    agent = peers.agent(server)
    ticket_id = joined_ticket(agent)
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Back again"})
    hanging["on"] = False
    expect(customer.bubble("Back again")).to_be_visible()
    expect(customer.status()).to_have_text("")
    for route in held:
        try:
            route.abort()
        except Exception:  # noqa: BLE001 - the widget gave it up already
            pass


def test_a_send_failing_until_the_cap_waits_for_retry_then_is_sent_once(
    server, host_site, browsers, peers
):
    failing = {"on": True, "posts": 0}

    def proxy(route) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        failing["posts"] += 1
        if not failing["on"]:
            route.fallback()
            return
        route.fulfill(
            status=503,
            headers={"Access-Control-Allow-Origin": host_site.origin},
            json={"error": {"code": "unavailable", "message": "Down for maintenance."}},
        )

    retry_always = "[{name: 'stubborn', onSendError() { return {retry: true, waitMs: 0}; }}]"
    customer = customer_on(
        browsers,
        host_site,
        server,
        plugins_js=retry_always,
        transport="polling",
        transportOptions={"backoffBaseMs": 100, "backoffMaxMs": 200},
    )
    customer.page.route(re.compile(r"/api/chat$"), proxy)
    customer.page.goto(customer.url)
    customer.open()
    customer.send("Please get through")

    failed = customer.page.locator(".msg.mine.failed")
    expect(failed).to_contain_text("Not sent. Press Retry to try again.")
    time.sleep(1.5)  # longer than any backoff left: nothing more goes out by itself
    assert failing["posts"] == 5  # MAX_ATTEMPTS, the plugin's retries included

    failing["on"] = False
    failed.get_by_role("button", name="Retry").click()
    expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
    assert failing["posts"] == 6
    agent = peers.agent(server)
    assert stored_texts(agent, joined_ticket(agent)) == ["Please get through"]
    assert customer.texts() == ["Please get through"]


PUT_FILE = """([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, {type: "image/png"}));
  return data;
}"""


@pytest.mark.parametrize("how", ["drop", "paste"])
def test_a_picture_dropped_or_pasted_is_uploaded_and_shown_as_a_thumbnail(
    server, host_site, browsers, how
):
    customer = customer_on(browsers, host_site, server, transport="websocket")
    customer.page.goto(customer.url)
    customer.open()
    png = base64.b64encode(tiny_png()).decode()
    name = f"{how}.png"
    if how == "drop":
        data = customer.page.evaluate_handle(PUT_FILE, [png, name])
        panel = customer.page.locator(".panel")
        panel.dispatch_event("dragover", {"dataTransfer": data})
        assert "dashed" in panel.evaluate("e => e.style.outline")  # where to drop it
        panel.dispatch_event("drop", {"dataTransfer": data})
    else:
        customer.page.get_by_role("textbox", name="Message").evaluate(
            f"""(box, [b64, name]) => box.dispatchEvent(new ClipboardEvent("paste",
                 {{clipboardData: ({PUT_FILE})([b64, name]), bubbles: true, cancelable: true}}))""",
            [png, name],
        )
    expect(customer.page.locator(".chip")).to_have_text(name)
    customer.send(f"Here it is, by {how}")

    picture = customer.page.locator(f".msg.mine.sent img[alt='{name}']")
    expect(picture).to_be_visible()
    assert loaded_width(picture) == 2
    assert re.search(r"/uploads/.+[?&]sig=", picture.get_attribute("src"))  # the signed URL
    assert customer.tab.errors == []


def test_send_pressed_while_a_file_uploads_sends_once_the_file_is_there(
    server, host_site, browsers
):
    customer = customer_on(browsers, host_site, server, transport="websocket")
    held = []  # the upload, kept waiting until the customer has pressed Enter
    customer.page.route("**/api/chat/upload", lambda route: held.append(route))
    customer.page.goto(customer.url)
    customer.open()
    customer.page.locator("input[type=file]").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    expect(customer.page.locator(".chip")).to_have_text("Uploading receipt.png…")
    customer.send("Here is the receipt")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        customer.page.wait_for_timeout(50)
    assert customer.texts() == []  # not without the file
    held[0].continue_()

    expect(customer.bubble("Here is the receipt")).to_be_visible()
    expect(customer.page.locator(".msg.mine.sent img[alt='receipt.png']")).to_be_visible()
    expect(customer.page.locator(".chip")).to_have_count(0)
    assert customer.texts() == ["Here is the receipt"] and customer.tab.errors == []
