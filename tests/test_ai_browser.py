"""From the widget to the team: a customer asks, the bot answers, the customer asks for a
person, an agent takes over (real Chromium, a live server, a chat completions server)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_ai_replies import enable_ai

from support.browser import Dashboard, HostSite, Widget, browsers, chromium, host_site  # noqa: F401
from support.openai_server import OpenAIServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def provider():
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_customer_asks_bot_answers_customer_asks_for_a_person_agent_takes_over(
    live_server_factory, host_site: HostSite, browsers, provider, transport
):
    server = live_server_factory(ALLOWED_ORIGINS=host_site.origin)
    enable_ai(server, provider)
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server, transport=transport))
    customer.open()
    customer.send("Do you ship to Norway? <b>now</b>")

    answer = customer.bubble("Answer: Do you ship to Norway? <b>now</b>")  # escaped, as text
    expect(answer).to_be_visible()
    expect(customer.page.locator(".log .msg.bot")).to_have_count(1)
    person = customer.page.get_by_role("button", name="Talk to a person")
    expect(person).to_be_visible()

    dashboard = Dashboard(browsers.tab(), server).sign_in()
    dashboard.open("Do you ship to Norway?")
    bot_row = dashboard.message("Answer: Do you ship to Norway? <b>now</b>")
    expect(bot_row.locator(".sender")).to_have_text("Support · Bot")
    toggle = dashboard.page.locator("#bot-toggle")
    expect(toggle).to_have_text("Turn bot off")

    person.click()
    expect(customer.page.locator(".log .event")).to_have_text("Handed over to the team")
    expect(person).to_be_hidden()
    expect(toggle).to_have_text("Turn bot on")
    expect(dashboard.page.locator("#messages .event")).to_have_text("Handed over to the team")

    dashboard.reply("Hi, Ana here. Yes, we ship to Norway.")
    expect(customer.bubble("Hi, Ana here. Yes, we ship to Norway.")).to_be_visible()
    customer.send("Great, thanks!")
    expect(dashboard.message("Great, thanks!")).to_be_visible()
    assert len(provider.requests) == 1  # the team has it: the bot stays quiet
