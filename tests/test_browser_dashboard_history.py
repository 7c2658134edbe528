"""The conversation history on the dashboard, windowed (static/dashboard/window.js): long
threads keep a bounded DOM and the reader's place, in a real Chromium against a live server."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from support.browser import Dashboard, browsers, chromium  # noqa: F401
from support.socket_clients import new_ticket, peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROW_BOUND = 200  # message rows in the DOM, whatever the thread's length
ROWS = "#messages li[data-seq]"


@pytest.fixture
def server(live_server_factory):
    return live_server_factory(CONNECT_RATE_LIMIT="off", MESSAGE_RATE_LIMIT="off")


def seed(
    server_app, server, ticket_id: str, count: int, first: int = 2, agents: bool = True
) -> None:
    """Append ``count`` messages of varying length straight through the store; every third
    from the customer, the others from an agent unless ``agents`` is false."""
    from supportchat.stores import NewMessage

    app = server_app(server).app
    store = app.extensions["supportchat.store"]
    guest = {"id": "seed-guest", "role": "guest", "name": "Visitor"}
    agent = {"id": "seed-agent", "role": "agent", "name": "Ana"}

    def append(number: int) -> None:
        text = f"Message {number}" + " and more words" * (number % 9) * 4
        store.append_message(
            ticket_id, NewMessage(sender=agent if agents and number % 3 else guest, text=text)
        )

    with app.app_context(), ThreadPoolExecutor(8) as pool:
        # Numbers follow arrival, not submission: the text is only a label for the eye.
        list(pool.map(append, range(first, first + count)))


def rendered(page) -> int:
    return page.locator(ROWS).count()


def first_visible(page) -> dict:
    """The topmost message row on screen: its seq and its distance from the list's top."""
    return page.evaluate(
        """() => {
          const list = document.getElementById("messages");
          const top = list.getBoundingClientRect().top;
          for (const row of list.querySelectorAll("li[data-seq]")) {
            const box = row.getBoundingClientRect();
            if (box.bottom > top) return {seq: row.dataset.seq, offset: box.top - top};
          }
          return null;
        }"""
    )


def test_a_10000_message_ticket_stays_windowed_and_keeps_the_readers_place(
    server, browsers, peers, server_app
):
    guest = peers.guest(server)
    ticket = new_ticket(guest, "Start of a very long thread")["ticket"]
    began = time.perf_counter()
    seed(server_app, server, ticket["id"], 9_999)
    print(f"\nseeded 10,000 messages in {time.perf_counter() - began:.1f} s")
    agent = Dashboard(browsers.tab(), server).sign_in()
    page = agent.page

    began = time.perf_counter()
    page.locator("#ticket-list li").first.click()  # its preview is the latest message
    expect(page.locator(f'{ROWS}[data-seq="10000"]')).to_be_visible()
    print(f"opened the 10,000-message ticket in {time.perf_counter() - began:.2f} s")
    assert 0 < rendered(page) <= ROW_BOUND

    # To the top: earlier pages load as the agent scrolls; the DOM stays bounded.
    began = time.perf_counter()
    page.wait_for_function(
        """() => {
          const list = document.getElementById("messages");
          list.scrollTop = 0;
          return Boolean(list.querySelector('li[data-seq="1"]'));
        }""",
        polling=100,
        timeout=120_000,
    )
    print(f"scrolled to the first message in {time.perf_counter() - began:.2f} s")
    expect(page.locator(f'{ROWS}[data-seq="1"]')).to_contain_text("Start of a very long thread")
    assert rendered(page) <= ROW_BOUND

    frames = page.evaluate(
        """() => new Promise((done) => {
          const list = document.getElementById("messages");
          const times = [];
          let last = performance.now();
          const step = (now) => {
            times.push(now - last);
            last = now;
            list.scrollTop += 400;
            if (times.length < 240) requestAnimationFrame(step);
            else done(times.slice(1).sort((a, b) => a - b));
          };
          requestAnimationFrame(step);
        })"""
    )
    print(
        "scroll frame time over 240 frames of 400 px: "
        f"median {frames[len(frames) // 2]:.1f} ms, p95 {frames[int(len(frames) * 0.95)]:.1f} ms, "
        f"max {frames[-1]:.1f} ms"
    )
    assert rendered(page) <= ROW_BOUND

    # Back to the bottom, then a little way up: a new message must not move the view.
    page.wait_for_function(
        """() => {
          const list = document.getElementById("messages");
          list.scrollTop = list.scrollHeight;
          return Boolean(list.querySelector('li[data-seq="10000"]'));
        }""",
        polling=100,
    )
    page.locator("#messages").evaluate("list => { list.scrollTop = list.scrollHeight - 3000; }")
    page.wait_for_timeout(300)
    before = first_visible(page)
    guest.ok("chat:message", {"ticketId": ticket["id"], "text": "A new question at the end"})
    pill = page.locator("#new-messages")
    expect(pill).to_have_text(re.compile(r"^1 new message"))
    page.wait_for_timeout(300)
    after = first_visible(page)
    assert after["seq"] == before["seq"]
    assert abs(after["offset"] - before["offset"]) < 2
    assert rendered(page) <= ROW_BOUND

    pill.click()
    expect(agent.message("A new question at the end")).to_be_in_viewport()
    expect(pill).to_be_hidden()
    assert agent.tab.errors == []


def test_the_view_follows_new_messages_while_the_agent_reads_the_latest(
    server, browsers, peers, server_app
):
    guest = peers.guest(server)
    ticket = new_ticket(guest, "Short thread")["ticket"]
    seed(server_app, server, ticket["id"], 60)
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.page.locator("#ticket-list li").first.click()
    for number in range(3):
        guest.ok("chat:message", {"ticketId": ticket["id"], "text": f"Live message {number}"})
        expect(agent.message(f"Live message {number}")).to_be_in_viewport()
    expect(agent.page.locator("#new-messages")).to_be_hidden()


def test_an_unread_ticket_opens_with_a_divider_and_a_jump_to_the_first_unread(
    server, browsers, peers, server_app
):
    guest = peers.guest(server)
    ticket = new_ticket(guest, "Thread with news")["ticket"]
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Thread with news")
    agent.reply("How can I help?")
    expect(agent.message("How can I help?")).not_to_have_class(re.compile("pending"))
    agent.page.reload()
    expect(agent.page.locator("#connection")).to_have_text("Live")
    guest.ok("chat:message", {"ticketId": ticket["id"], "text": "First unread question"})
    seed(
        server_app, server, ticket["id"], 80, first=4, agents=False
    )  # many more, so it is off screen
    agent.page.reload()
    expect(agent.page.locator("#connection")).to_have_text("Live")
    agent.page.locator("#ticket-list li").first.click()

    jump = agent.page.get_by_role("button", name="Jump to first unread")
    expect(jump).to_be_visible()
    jump.click()
    divider = agent.page.locator("#messages li.divider")
    expect(divider).to_have_text("New messages")
    expect(divider).to_be_in_viewport()
    expect(agent.message("First unread question")).to_be_in_viewport()
    expect(jump).to_be_hidden()


def test_a_reply_shows_sending_then_offers_retry_and_dismiss_when_it_fails(server, browsers, peers):
    new_ticket(peers.guest(server), "Will the reply get through?")
    agent = Dashboard(browsers.tab(), server).sign_in()
    agent.open("Will the reply get through?")
    server.stop()
    expect(agent.page.locator("#connection")).to_have_text(re.compile("reconnecting", re.I))
    agent.reply("Written while offline")
    failed = agent.message("Written while offline")
    expect(failed).to_have_class(re.compile("failed"))
    expect(failed.get_by_role("button", name="Retry")).to_be_visible()
    agent.reply("This one I take back")
    agent.message("This one I take back").get_by_role("button", name="Retry").click()
    expect(agent.message("This one I take back").locator(".meta")).to_have_text(
        re.compile("Not connected")
    )

    server.start()
    expect(agent.page.locator("#connection")).to_have_text("Live")
    expect(failed).not_to_have_class(re.compile("failed|pending"))  # sent on reconnect
    expect(failed.locator("time")).to_be_visible()
