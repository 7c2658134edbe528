"""Agents attach files in the composer: picked, dropped or pasted, uploaded through
POST /api/upload, previewed, and sent with the reply; in a real Chromium against a live
server, with the customer on a python-socketio connection."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401
from support.socket_clients import new_ticket, peers  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# A 2×2 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAwMDAxMDAAAAdBgEBq2cHbQAAAABJRU5ErkJggg=="
)

DROP_OR_PASTE = """([kind, name, bytes]) => {
  const file = new File([new Uint8Array(bytes)], name, {type: "image/png"});
  const data = new DataTransfer();
  data.items.add(file);
  if (kind === "paste") {
    document.getElementById("reply").dispatchEvent(
      new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
  } else {
    const composer = document.getElementById("composer");
    composer.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true, cancelable: true}));
    composer.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}"""


@pytest.fixture
def server(live_server_factory):
    return live_server_factory()


def test_an_agent_sends_picked_dropped_and_pasted_images_with_previews(
    server, browsers, peers, tmp_path
):
    guest = peers.guest(server)
    ticket = new_ticket(guest, "Can you show me where?")["ticket"]
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Can you show me where?")
    page = agent.page

    picked = tmp_path / "picked.png"
    picked.write_bytes(PNG)
    page.locator("#attach").set_input_files(str(picked))
    page.evaluate(DROP_OR_PASTE, ["drop", "dropped.png", list(PNG)])
    page.evaluate(DROP_OR_PASTE, ["paste", "pasted.png", list(PNG)])
    tray = page.get_by_role("list", name="Files to send")
    expect(tray.locator("li")).to_have_count(3)
    expect(tray.locator("li", has_text="Ready")).to_have_count(3)
    for name in ("picked.png", "dropped.png", "pasted.png"):
        expect(tray.get_by_role("img", name=f"Preview of {name}")).to_be_visible()
    tray.get_by_role("button", name="Remove dropped.png").click()
    expect(tray.locator("li")).to_have_count(2)

    agent.reply("Here, circled in red")
    expect(tray).to_be_hidden()
    sent = agent.message("Here, circled in red")
    expect(sent).not_to_have_class(re.compile("pending"))
    images = sent.locator(".files img")
    expect(images).to_have_count(2)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#messages .files img'))"
        ".every((img) => img.complete && img.naturalWidth === 2)"
    )
    history = guest.ok("ticket:join", {"ticketId": ticket["id"]})["messages"]
    assert [file["name"] for file in history[-1]["attachments"]] == ["picked.png", "pasted.png"]


def test_a_refused_file_says_why_and_is_not_sent(server, browsers, peers, tmp_path):
    new_ticket(peers.guest(server), "Send me the installer")
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Send me the installer")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ\x90\x00" + bytes(200))
    agent.page.locator("#attach").set_input_files(str(program))
    failed = agent.page.get_by_role("list", name="Files to send").locator("li")
    expect(failed.locator(".error")).to_contain_text(re.compile("type|supported", re.I))
    agent.reply("Only text then")
    sent = agent.message("Only text then")
    expect(sent).not_to_have_class(re.compile("pending"))
    expect(sent.locator(".files")).to_have_count(0)


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    live_server_factory, browsers, peers, tmp_path
):
    server = live_server_factory(MAX_UPLOAD_MB="1")
    new_ticket(peers.guest(server), "Can you send the log?")
    agent = Dashboard(browsers.tab(), server).sign_in()
    posts = []
    agent.page.on(
        "request",
        lambda request: posts.append(request.url) if request.method == "POST" else None,
    )
    agent.open("Can you send the log?")
    log = tmp_path / "server.log"
    log.write_bytes(b"x" * (1536 * 1024))
    agent.page.locator("#attach").set_input_files(str(log))
    refused = agent.page.get_by_role("list", name="Files to send").locator("li")
    expect(refused.locator(".error")).to_have_text(
        "Too large (1.5 MB): files up to 1 MB can be sent."
    )
    agent.reply("Too big, here is the gist")
    expect(agent.message("Too big, here is the gist")).not_to_have_class(re.compile("pending"))
    assert not [url for url in posts if url.endswith("/api/upload")]
