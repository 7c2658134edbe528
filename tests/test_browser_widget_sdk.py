"""The widget's languages and v1.1 SDK in a real Chromium, embedded in another website
(PROTOCOL.md §5): the language of the page, `setLocale`, `toggle`, `setColorScheme`,
`setCustomAttributes`, `reset`, the reply tone, and what a screen reader is told."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from support.browser import (  # noqa: F401
    WAIT_MS,
    HostSite,
    Tab,
    Widget,
    browsers,
    chromium,
    host_site,
    luminance,
    screenshot,
    serious_violations,
)
from support.socket_clients import peers, server_app  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(live_server_factory, host_site: HostSite):
    """A live server that lets the host site embed the widget."""
    return live_server_factory(ALLOWED_ORIGINS=host_site.origin)


def shop(host_site: HostSite, server, *calls, name: str = "shop.html") -> str:
    """A host page whose SupportChat calls (``["init", {...}]``, ``["setLocale", "fr"]``…) are
    queued before /widget.js has arrived; returns its URL."""
    queued = "\n".join(f"SupportChat.q.push({json.dumps(list(call))});" for call in calls)
    (host_site.root / name).write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Shop</h1>
<script>window.SupportChat = window.SupportChat || {{q: []}};
{queued}</script>
<script src="{server.url}/widget.js" async></script>
</body></html>""")
    return f"{host_site.origin}/{name}"


def init(**options) -> list:
    return ["init", {"title": "Acme support", **options}]


def tab_in(browsers, locale: str, color_scheme: str = "light") -> Tab:
    """A page in a new browser context whose navigator.language is ``locale``."""
    context = browsers.chromium.new_context(locale=locale, color_scheme=color_scheme)
    context.set_default_timeout(WAIT_MS)
    browsers.contexts.append(context)
    tab = Tab(context.new_page())
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    return tab


def widget_lang(page) -> str | None:
    return page.locator("div[data-supportchat]").get_attribute("lang")


def ticket(agent, index: int = 0) -> dict:
    """A ticket as agents see it over the API, newest first."""
    return agent.ok("ticket:list", {"status": "all"})["tickets"][index]


# ---- languages


def test_a_german_page_gets_the_widget_in_german(server, host_site, browsers):
    customer = Widget(tab_in(browsers, "de-DE"))
    page = customer.page
    page.goto(shop(host_site, server, init()))

    launcher = page.get_by_role("button", name="Chat öffnen: Acme support")
    expect(launcher).to_be_visible()
    assert widget_lang(page) == "de"
    launcher.click()
    box = page.get_by_role("textbox", name="Nachricht")
    expect(box).to_be_focused()
    assert box.evaluate("e => e.matches(':lang(de)')")  # the shadow root's text is German
    assert box.get_attribute("placeholder") == "Nachricht schreiben…"
    expect(page.get_by_role("button", name="Senden")).to_be_visible()
    expect(page.get_by_role("button", name="Chat schließen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Datei anhängen")).to_be_visible()
    box.fill("Wo ist mein Paket?")
    box.press("Enter")
    expect(page.locator(".msg.mine.sent .sr-only")).to_have_text("Sie:")
    screenshot(page, "widget-de")
    assert customer.tab.errors == []


def test_the_locale_option_beats_the_page_s_language(server, host_site, browsers):
    page = tab_in(browsers, "de-DE").page
    page.goto(shop(host_site, server, init(locale="fr-CA")))

    expect(page.get_by_role("button", name="Ouvrir le chat : Acme support")).to_be_visible()
    assert widget_lang(page) == "fr"


def test_a_page_in_a_language_the_widget_lacks_gets_the_server_s_default(
    live_server_factory, host_site, browsers
):
    server = live_server_factory(ALLOWED_ORIGINS=host_site.origin, DEFAULT_LOCALE="es")
    page = tab_in(browsers, "ja-JP").page
    page.goto(shop(host_site, server, init()))

    expect(page.get_by_role("button", name="Abrir el chat: Acme support")).to_be_visible()
    assert widget_lang(page) == "es"


def test_set_locale_relabels_the_open_widget_at_once(server, host_site, browsers, peers):
    peers.agent(server)  # somebody is online: no offline form
    customer = Widget(tab_in(browsers, "en-US"))
    page = customer.page
    page.goto(shop(host_site, server, init()))
    customer.open()
    customer.send("Hello")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)

    page.evaluate("SupportChat.setLocale('pt-BR')")
    box = page.get_by_role("textbox", name="Mensagem")
    expect(box).to_have_attribute("placeholder", "Escreva uma mensagem…")
    expect(page.get_by_role("button", name="Fechar o chat: Acme support")).to_be_visible()
    expect(page.get_by_role("button", name="Anexar um arquivo")).to_be_visible()
    expect(page.locator(".msg.mine.sent .sr-only")).to_have_text("Você:")
    expect(customer.bubble("Hello")).to_be_visible()  # the conversation stays
    assert widget_lang(page) == "pt"

    warnings = []
    page.on("console", lambda message: warnings.append(message.text))
    page.evaluate("SupportChat.setLocale('tlh')")  # Klingon: not spoken, nothing changes
    expect(box).to_have_attribute("placeholder", "Escreva uma mensagem…")
    assert any("setLocale" in text and "tlh" in text for text in warnings), warnings
    assert customer.tab.errors == []


def test_the_forms_speak_the_chosen_language(server, host_site, browsers, server_app):
    from supportchat.services import settings

    fields = [{"name": "order", "label": "Bestellung", "type": "text", "required": True}]
    with server_app(server).app.app_context():
        settings.update({"behavior": {"preChatForm": {"enabled": True, "fields": fields}}})
    page = tab_in(browsers, "en-GB").page
    page.goto(shop(host_site, server, ["setLocale", "de"], init(defaultOpen=True)))

    order = page.get_by_role("textbox", name="Bestellung (Pflichtfeld)")
    expect(order).to_be_visible()
    page.get_by_role("button", name="Chat starten").click()
    expect(page.get_by_text("Bitte füllen Sie „Bestellung“ aus.")).to_be_visible()
    expect(order).to_be_focused()
    page.evaluate("SupportChat.setLocale('es')")
    expect(page.get_by_role("textbox", name="Bestellung (obligatorio)")).to_be_visible()
    expect(page.get_by_text("Rellena el campo «Bestellung».")).to_be_visible()  # said again
    expect(page.get_by_role("button", name="Iniciar el chat")).to_be_visible()
    expect(
        page.get_by_role("textbox", name="Tu correo electrónico, para que podamos responderte")
    ).to_be_visible()  # the offline form too: nobody is online


# ---- the SDK methods


def test_toggle_opens_and_closes_also_when_called_before_the_widget_arrived(
    server, host_site, browsers
):
    page = browsers.tab().page
    page.goto(shop(host_site, server, init(), ["toggle"]))
    dialog = page.get_by_role("dialog", name="Acme support")
    expect(dialog).to_be_visible()

    page.evaluate("SupportChat.toggle()")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Open chat: Acme support")).to_be_visible()
    page.evaluate("SupportChat.toggle()")
    expect(dialog).to_be_visible()


def panel_background(page) -> float:
    return luminance(page.locator(".log").evaluate("e => getComputedStyle(e).backgroundColor"))


@pytest.mark.parametrize("system", ["light", "dark"])
def test_the_page_chooses_light_or_dark_and_auto_follows_the_system(
    server, host_site, browsers, system
):
    other = "dark" if system == "light" else "light"
    page = browsers.tab(color_scheme=system).page
    page.goto(shop(host_site, server, init(colorScheme=other, defaultOpen=True)))
    expect(page.get_by_role("dialog")).to_be_visible()
    dark = lambda: panel_background(page) < 0.2  # noqa: E731

    assert dark() == (other == "dark")
    page.evaluate("SupportChat.setColorScheme('auto')")
    assert dark() == (system == "dark")
    page.evaluate(f"SupportChat.setColorScheme('{other}')")
    assert dark() == (other == "dark")
    page.evaluate("SupportChat.setColorScheme('purple')")  # not a scheme: ignored
    assert dark() == (other == "dark")


def test_custom_attributes_reach_the_agent_before_and_during_the_conversation(
    server, host_site, browsers, peers
):
    agent = peers.agent(server)
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(shop(host_site, server, init(), ["setCustomAttributes", {"plan": "pro"}]))
    customer.open()
    customer.send("Can I add seats?")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    metadata = ticket(agent)["customer"]["metadata"]
    assert metadata["plan"] == "pro" and metadata["page"].endswith("/shop.html")

    page.evaluate("SupportChat.setCustomAttributes({plan: 'team', seats: 12})")
    customer.send("Twelve, please")
    heard = agent.wait_for(
        "ticket:updated", lambda t: t["customer"]["metadata"].get("plan") == "team"
    )
    assert heard["customer"]["metadata"]["seats"] == 12
    page.evaluate("SupportChat.setCustomAttributes({seats: null})")
    customer.send("Actually, forget the seats")
    agent.wait_for("ticket:updated", lambda t: "seats" not in t["customer"]["metadata"])
    assert ticket(agent)["customer"]["metadata"]["plan"] == "team"


def test_reset_signs_the_customer_out_new_identity_empty_conversation(
    server, host_site, browsers, peers
):
    agent = peers.agent(server)
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(
        shop(
            host_site,
            server,
            init(),
            ["setUser", {"email": "ada@example.com"}],
            ["setCustomAttributes", {"plan": "pro"}],
        )
    )
    customer.open()
    customer.send("My invoice is wrong")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    before = page.evaluate("JSON.parse(localStorage.getItem('cs_client_id')).id")
    assert ticket(agent)["customer"]["label"] == "ada@example.com"

    after = page.evaluate("SupportChat.reset()")
    assert re.fullmatch(r"[0-9a-f-]{36}", after) and after != before
    assert page.evaluate("JSON.parse(localStorage.getItem('cs_client_id')).id") == after
    expect(page.locator(".log .msg:not(.welcome)")).to_have_count(0)
    customer.send("Hello again")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    new = ticket(agent)
    assert new["customer"]["label"].startswith("Visitor")  # setUser forgotten
    assert "plan" not in new["customer"]["metadata"]  # attributes forgotten
    assert agent.ok("ticket:list", {"status": "all"})["tickets"][1]["customer"]["label"] == (
        "ada@example.com"
    )
    page.reload()
    customer.open()
    expect(customer.bubble("Hello again")).to_be_visible()
    expect(customer.bubble("My invoice is wrong")).to_have_count(0)


def test_reset_queued_before_the_widget_arrived_starts_afresh(server, host_site, browsers):
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(shop(host_site, server, init()))
    customer.open()
    customer.send("Before signing out")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    before = page.evaluate("JSON.parse(localStorage.getItem('cs_client_id')).id")

    page.goto(shop(host_site, server, init(), ["reset"], name="signed-out.html"))
    customer.open()
    expect(page.locator(".log .msg:not(.welcome)")).to_have_count(0)
    assert page.evaluate("JSON.parse(localStorage.getItem('cs_client_id')).id") != before


# ---- the reply tone and what screen readers hear

TONES = """
window.tones = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.tones.push(this.frequency.value);
  return start.apply(this, args);
};
"""


def test_a_reply_while_the_panel_is_closed_chimes_only_when_the_site_asks(
    server, host_site, browsers, peers
):
    agent = peers.agent(server)
    pages = {}
    for sound in (True, False):
        customer = Widget(browsers.tab())
        customer.page.add_init_script(TONES)
        customer.page.goto(
            shop(host_site, server, init(sound=sound, transport="websocket"), name=f"{sound}.html")
        )
        customer.open()
        customer.send(f"Sound {sound}")
        expect(customer.page.locator(".msg.mine.sent")).to_have_count(1)
        pages[sound] = customer.page
    tickets = {t["lastMessagePreview"]: t["id"] for t in agent.ok("ticket:list")["tickets"]}

    loud = pages[True]
    agent.ok("ticket:join", {"ticketId": tickets["Sound True"]})
    agent.ok("chat:message", {"ticketId": tickets["Sound True"], "text": "Seen it open"})
    expect(loud.locator(".bubble", has_text="Seen it open")).to_be_visible()
    loud.wait_for_timeout(300)
    assert loud.evaluate("window.tones") == []  # the panel is open: no tone

    loud.get_by_role("button", name="Close chat", exact=True).click()
    agent.ok("chat:message", {"ticketId": tickets["Sound True"], "text": "Back soon"})
    expect(loud.get_by_role("status").filter(has_text="Back soon")).to_have_text(
        re.compile(r"^New message from .+: Back soon$")
    )
    loud.wait_for_function("window.tones.length === 2")
    assert loud.evaluate("window.tones") == [660, 880]

    quiet = pages[False]
    quiet.get_by_role("button", name="Close chat", exact=True).click()
    agent.ok("ticket:join", {"ticketId": tickets["Sound False"]})
    agent.ok("chat:message", {"ticketId": tickets["Sound False"], "text": "Hush"})
    expect(quiet.locator(".badge")).to_have_text("1")
    quiet.wait_for_timeout(500)
    assert quiet.evaluate("window.tones") == []


def test_new_messages_are_in_a_live_region_while_the_panel_is_open(
    server, host_site, browsers, peers
):
    agent = peers.agent(server)
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(shop(host_site, server, init(transport="websocket")))
    customer.open()
    customer.send("Anyone there?")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    ticket_id = ticket(agent)["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "Yes, here!"})

    log = page.get_by_role("log", name="Messages")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator(".bubble", has_text="Yes, here!")).to_be_visible()


# ---- accessibility (axe-core) and focus


def test_the_open_panel_with_a_conversation_has_no_serious_axe_violations(
    server, host_site, browsers, peers
):
    agent = peers.agent(server)
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(shop(host_site, server, init(transport="websocket")))
    customer.open()
    customer.send("Is this accessible?")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    ticket_id = ticket(agent)["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.ok("chat:message", {"ticketId": ticket_id, "text": "We hope so."})
    expect(customer.bubble("We hope so.")).to_be_visible()

    assert serious_violations(page) == []
    page.evaluate("SupportChat.setColorScheme('dark')")
    assert serious_violations(page) == []


def test_the_pre_chat_form_has_no_serious_axe_violations_with_its_errors_shown(
    server, host_site, browsers, server_app, peers
):
    from supportchat.services import settings

    fields = [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "email", "label": "Email", "type": "email", "required": True},
        {"name": "about", "label": "What is it about?", "type": "textarea", "required": False},
    ]
    with server_app(server).app.app_context():
        settings.update({"behavior": {"preChatForm": {"enabled": True, "fields": fields}}})
    peers.agent(server)
    page = browsers.tab().page
    page.goto(shop(host_site, server, init()))
    page.get_by_role("button", name=re.compile("^Open chat")).click()
    expect(page.get_by_role("textbox", name="Name (required)")).to_be_focused()
    assert serious_violations(page) == []

    page.get_by_role("textbox", name="Email (required)").fill("nope")
    page.get_by_role("button", name="Start the chat").click()
    expect(page.get_by_role("textbox", name="Name (required)")).to_be_focused()
    assert serious_violations(page) == []


def test_the_offline_form_has_no_serious_axe_violations_and_enter_moves_on_to_the_message(
    server, host_site, browsers, server_app
):
    from supportchat.services import settings

    with server_app(server).app.app_context():
        settings.update({"behavior": {"offlineMessage": "We are away until Monday."}})
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(shop(host_site, server, init()))
    customer.open()
    email = page.get_by_role("textbox", name="Your email, so we can answer you")
    expect(email).to_be_visible()
    assert serious_violations(page) == []

    email.fill("ada@example.com")
    email.press("Enter")
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()


def test_the_rating_prompt_takes_the_focus_and_has_no_serious_axe_violations(
    server, host_site, browsers, server_app, peers
):
    from supportchat.services import settings

    with server_app(server).app.app_context():
        settings.update({"behavior": {"csat": {"enabled": True}}})
    agent = peers.agent(server)
    customer = Widget(browsers.tab())
    page = customer.page
    page.goto(shop(host_site, server, init(transport="websocket")))
    customer.open()
    customer.send("Thanks for the help")
    expect(page.locator(".msg.mine.sent")).to_have_count(1)
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    ticket_id = ticket(agent)["id"]
    agent.ok("ticket:join", {"ticketId": ticket_id})
    agent.ok("ticket:close", {"ticketId": ticket_id})

    expect(page.get_by_role("radio", name="1 star")).to_be_focused()
    assert serious_violations(page) == []
    page.get_by_role("radio", name="5 stars").check()
    page.get_by_role("button", name="Send rating").click()
    thanks = page.get_by_role("status").filter(has_text="Thank you for your feedback!")
    expect(thanks).to_be_focused()
    assert serious_violations(page) == []
