"""Browser fixtures: Debian's Chromium driven by Playwright, a customer's website on another
origin, and small page helpers for the widget (inside its shadow root) and the dashboard.

Without /usr/bin/chromium these tests skip with the reason; with CI=true they fail.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .apps import LiveServer, free_port, require
from .http import QuietHandler

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WAIT_MS = 20_000  # generous: several helpers share two cores
SCREENSHOTS = Path("/tmp/supportchat-screenshots")  # outside the repository on purpose
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module (Playwright's sync API)."""
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A page plus what it did that a test must notice: dialogs and uncaught errors."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Browsers:
    """Fresh browser contexts (separate cookies and storage), all closed at the test's end."""

    def __init__(self, chromium) -> None:
        self.chromium = chromium
        self.contexts: list[Any] = []

    def tab(self, color_scheme: str = "light", viewport: tuple[int, int] = (1280, 800)) -> Tab:
        """A page in a new context; dialogs are recorded and dismissed."""
        context = self.chromium.new_context(
            color_scheme=color_scheme, viewport={"width": viewport[0], "height": viewport[1]}
        )
        context.set_default_timeout(WAIT_MS)
        self.contexts.append(context)
        tab = Tab(context.new_page())
        tab.page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
        return tab

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(chromium) -> Iterator[Browsers]:
    """Open browser tabs for one test."""
    opened = Browsers(chromium)
    yield opened
    opened.close()


class _QuietHandler(QuietHandler, SimpleHTTPRequestHandler):
    """Serves the host site's files."""


@dataclass
class HostSite:
    """A customer's website: static pages served from another origin than the support server."""

    root: Path
    port: int

    @property
    def origin(self) -> str:
        # "localhost", not 127.0.0.1: another host name as well as another port, so not even
        # cookies are shared with the support server.
        return f"http://localhost:{self.port}"

    def page_with_widget(
        self, server: LiveServer, name: str = "index.html", plugins_js: str = "[]", **options
    ) -> str:
        """A shop page embedding <script src=".../widget.js">, initialised with ``options``
        (JSON) and ``plugins_js`` (a JavaScript array expression); returns its URL."""
        init = (
            json.dumps({"title": "Acme support", **options})[:-1] + f', "plugins": {plugins_js}}}'
        )
        html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
<style>body {{ font: 16px Georgia, serif; margin: 2rem; color: #333; line-height: 2; }}</style>
</head><body>
<h1>Acme shop</h1><p>Plenty of things for sale. Questions? Use the chat button.</p>
<script>window.SupportChat = window.SupportChat || {{q: []}};
SupportChat.q.push(["init", {init}]);</script>
<script src="{server.url}/widget.js" async></script>
</body></html>"""
        (self.root / name).write_text(html)
        return f"{self.origin}/{name}"


@pytest.fixture
def host_site(tmp_path) -> Iterator[HostSite]:
    """A static website on its own port, stopped at the end of the test."""
    root = tmp_path / "site"
    root.mkdir()
    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield HostSite(root, port)
    httpd.shutdown()
    httpd.server_close()


class Widget:
    """The customer's side: the widget on a page (Playwright's CSS pierces its shadow root)."""

    def __init__(self, tab: Tab) -> None:
        self.tab = tab
        self.page = tab.page

    def open(self) -> None:
        self.page.get_by_role("button", name=re.compile(r"^Open chat")).click()
        expect(self.page.get_by_role("textbox", name="Message")).to_be_focused()

    def send(self, text: str) -> None:
        box = self.page.get_by_role("textbox", name="Message")
        box.fill(text)
        box.press("Enter")

    def bubble(self, text: str):
        """The bubble showing exactly ``text``."""
        return self.page.locator(".log .bubble").filter(has_text=re.compile(f"^{re.escape(text)}$"))

    def texts(self) -> list[str]:
        """Every message's text, top to bottom (not the welcome message)."""
        return self.page.locator(".log .msg:not(.welcome) .bubble").all_inner_texts()

    def status(self):
        return self.page.locator(".head .status")


class Dashboard:
    """The agent's side: sign in through the real login form, then use the inbox."""

    def __init__(self, tab: Tab, server: LiveServer) -> None:
        self.tab = tab
        self.page = tab.page
        self.server = server

    def sign_in(
        self, email: str = "admin@example.com", password: str = "admin-password-1"
    ) -> Dashboard:
        self.page.goto(self.server.url + "/agent/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/agent/dashboard")
        expect(self.page.locator("#connection")).to_have_text("Live")
        return self

    def ticket(self, label_or_preview: str):
        """The inbox row mentioning ``label_or_preview``."""
        return self.page.locator("#ticket-list li").filter(has_text=label_or_preview)

    def open(self, label_or_preview: str) -> None:
        self.ticket(label_or_preview).first.click()
        expect(self.page.locator("#conversation-body")).to_be_visible()
        expect(self.page.locator("#messages")).not_to_have_attribute("aria-busy", "true")

    def reply(self, text: str, note: bool = False) -> None:
        self.page.locator("#as-note").set_checked(note)
        box = self.page.get_by_role("textbox", name="Reply to the customer")
        box.fill(text)
        box.press("Enter")

    def message(self, text: str):
        """The message row whose text is exactly ``text``."""
        return self.page.locator("#messages li").filter(
            has=self.page.locator(".text", has_text=re.compile(f"^{re.escape(text)}$"))
        )

    def texts(self) -> list[str]:
        return self.page.locator("#messages li .text").all_inner_texts()

    def close_ticket(self) -> None:
        button = self.page.get_by_role("button", name="Close ticket")
        button.click()
        self.page.get_by_role("button", name="Confirm close").click()
        expect(self.page.locator("#closed-note")).to_be_visible()


def agent_and_customer(
    server: LiveServer, host_site: HostSite, browsers: Browsers, **widget_options
) -> tuple[Dashboard, Widget]:
    """A signed-in agent, and a customer with the widget open on the host site's page."""
    agent = Dashboard(browsers.tab(), server).sign_in()
    customer = Widget(browsers.tab())
    customer.page.goto(host_site.page_with_widget(server, **widget_options))
    customer.open()
    return agent, customer


def loaded_width(picture) -> int:
    """A picture's natural width once the browser is done loading it (0 if it failed to load).

    Pictures keep their box while loading, so being visible does not mean being loaded."""
    picture.page.wait_for_function("img => img.complete", arg=picture.element_handle())
    return picture.evaluate("img => img.naturalWidth")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under SCREENSHOTS (never in the repository)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def luminance(css_color: str) -> float:
    """Relative luminance (0 black … 1 white) of a computed ``rgb(…)``/``rgba(…)`` colour."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"[\d.]+", css_color)[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
