"""Agent sign-in, sign-out, the dashboard's door and the admin pages (PROTOCOL.md §3.1, §3.2).

The browser-level tests run twice per database: through Flask's test client and through a
real ``supportchat serve`` process with ``requests.Session``.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

import jwt as pyjwt
import pytest
import requests
from flask_jwt_extended import create_access_token

from support.apps import base_config, create_account, make_app

LOGIN_LIMIT = 3
ANA = {"email": "ana@example.com", "name": "Ana", "password": "correct horse 1"}


class Forms(HTMLParser):
    """The forms of a page (action → fields with values) and its alert texts."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.alerts: list[str] = []
        self._action: str | None = None
        self._in_alert = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._action = attrs.get("action", "")
            self.forms[self._action] = {}
        elif tag == "input" and self._action is not None and attrs.get("name"):
            self.forms[self._action][attrs["name"]] = attrs.get("value") or ""
        elif attrs.get("role") == "alert":
            self._in_alert = True
            self.alerts.append("")

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None
        self._in_alert = False

    def handle_data(self, data):
        if self._in_alert:
            self.alerts[-1] += data


@dataclass
class Page:
    """One response, whichever way it was fetched."""

    status: int
    headers: dict[str, str]
    text: str
    set_cookies: list[str]

    @property
    def location(self) -> str:
        """The redirect target's path and query."""
        parts = urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def cookie_header(self, name: str) -> str:
        """The Set-Cookie header for ``name``."""
        return next(header for header in self.set_cookies if header.startswith(f"{name}="))

    def form(self, action: str) -> dict[str, str]:
        """The hidden and filled fields of the form posting to ``action``."""
        return dict(Forms(self.text).forms[action])

    @property
    def alerts(self) -> list[str]:
        return Forms(self.text).alerts


class Browser:
    """A user agent: Flask's test client, or requests.Session against a live server."""

    def __init__(self, app=None, base_url: str | None = None):
        self.client = app.test_client() if app is not None else None
        self.base_url = base_url
        self.session = requests.Session() if base_url else None

    def get(self, path: str) -> Page:
        return self._send("GET", path, None)

    def post(self, path: str, data: dict[str, str]) -> Page:
        return self._send("POST", path, data)

    def _send(self, method: str, path: str, data) -> Page:
        if self.client is not None:
            response = self.client.open(
                path, method=method, data=data, headers={"Accept": "text/html"}
            )
            return Page(
                response.status_code,
                dict(response.headers),
                response.get_data(as_text=True),
                response.headers.getlist("Set-Cookie"),
            )
        response = self.session.request(
            method,
            self.base_url + path,
            data=data,
            allow_redirects=False,
            timeout=10,
            headers={"Accept": "text/html"},
        )
        return Page(
            response.status_code,
            dict(response.headers),
            response.text,
            response.raw.headers.getlist("Set-Cookie"),
        )

    def cookie(self, name: str) -> str | None:
        if self.client is not None:
            found = self.client.get_cookie(name)
            return found.value if found else None
        return self.session.cookies.get(name)

    def set_cookie(self, name: str, value: str) -> None:
        self.delete_cookie(name)
        if self.client is not None:
            self.client.set_cookie(name, value)
        else:
            self.session.cookies.set(name, value, domain="127.0.0.1", path="/")

    def delete_cookie(self, name: str) -> None:
        if self.client is not None:
            self.client.delete_cookie(name)
        else:
            for cookie in [c for c in self.session.cookies if c.name == name]:
                self.session.cookies.clear(cookie.domain, cookie.path, cookie.name)

    def sign_in(self, email: str, password: str, next: str | None = None) -> Page:
        """Fill in and submit the login form as a person would."""
        form = self.get("/agent/login" + (f"?next={quote(next, safe='')}" if next else ""))
        fields = form.form("/agent/login")
        fields.update(email=email, password=password)
        return self.post("/agent/login", fields)

    def sign_out(self) -> Page:
        """Press "Sign out" on the dashboard."""
        return self.post("/agent/logout", self.get("/agent/dashboard").form("/agent/logout"))


@pytest.fixture
def site(tmp_path, database_url):
    """The application under test, on each database, with a low login limit."""
    app = make_app(
        base_config(tmp_path / "site", database_url, LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute")
    )
    create_account(app, **ANA)
    yield app
    from supportchat.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["test_client", "live_server"])
def browser(request, site, database_url):
    """A browser talking to ``site`` in-process, or to a real server on the same database."""
    if request.param == "test_client":
        return Browser(site)
    server = request.getfixturevalue("live_server_factory")(
        database_url, LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute"
    )
    return Browser(base_url=server.url)


def token_claims(token: str) -> dict:
    """The payload of a JWT, unverified."""
    return json.loads(_b64decode(token.split(".")[1]))


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- the login form ------------------------------------------------------------------------


def test_the_login_page_carries_a_csrf_token(browser):
    page = browser.get("/agent/login")
    assert page.status == 200
    assert len(page.form("/agent/login")["csrf_token"]) > 20


def test_signing_in_opens_the_dashboard_with_httponly_token_cookies(browser):
    page = browser.sign_in(ANA["email"], ANA["password"])
    assert page.status == 303
    assert page.location == "/agent/dashboard"
    for name in ("token", "refresh_token"):
        assert "httponly" in page.cookie_header(name).lower()
        assert browser.cookie(name)
    dashboard = browser.get("/agent/dashboard")
    assert dashboard.status == 200
    assert "Hello, Ana" in dashboard.text


def test_signing_in_ignores_the_email_case(browser):
    assert browser.sign_in("  ANA@Example.COM ", ANA["password"]).status == 303


def test_the_dashboard_escapes_the_agents_name(browser, site):
    create_account(site, email="x@example.com", name="<script>x</script>", password="long enough 1")
    browser.sign_in("x@example.com", "long enough 1")
    page = browser.get("/agent/dashboard")
    assert page.status == 200
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x</script>" not in page.text


def test_a_password_of_spaces_signs_in_as_the_api_accepted_it(browser, site):
    create_account(site, email="sp@example.com", name="Spaces", password=" " * 10)
    assert browser.sign_in("sp@example.com", " " * 10).status == 303
    assert browser.sign_in("sp@example.com", " " * 9).status == 401


def test_a_wrong_password_is_refused_with_a_generic_message(browser):
    page = browser.sign_in(ANA["email"], "wrong password")
    assert page.status == 401
    assert page.alerts == ["Invalid email or password"]
    assert browser.cookie("token") is None


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(browser):
    page = browser.sign_in("nobody@example.com", ANA["password"])
    assert page.status == 401
    assert page.alerts == ["Invalid email or password"]
    assert browser.cookie("token") is None


def test_a_login_without_the_csrf_token_is_forbidden(browser):
    browser.get("/agent/login")
    page = browser.post("/agent/login", {"email": ANA["email"], "password": ANA["password"]})
    assert page.status == 403
    assert "did not come from this site; reload the page" in page.text
    assert browser.cookie("token") is None


def test_signing_in_returns_to_the_page_that_asked_for_it(browser):
    page = browser.sign_in(ANA["email"], ANA["password"], next="/agent/dashboard?ticket=42")
    assert page.status == 303
    assert page.location == "/agent/dashboard?ticket=42"


def test_signing_in_never_redirects_to_another_site(browser):
    # Browsers drop tabs inside URLs, so "/\t/evil.example" would become "//evil.example".
    for target in (
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    ):
        page = browser.sign_in(ANA["email"], ANA["password"], next=target)
        assert page.status == 303
        assert page.headers["Location"] in (
            "/agent/dashboard",
            f"{browser.base_url}/agent/dashboard",
        ), target


# --- the dashboard's door ------------------------------------------------------------------


def test_the_dashboard_sends_a_stranger_to_the_login_page(browser):
    page = browser.get("/agent/dashboard")
    assert page.status == 302
    target = urlsplit(page.location)
    assert target.path == "/agent/login"
    assert parse_qs(target.query) == {"next": ["/agent/dashboard"]}


def test_the_login_link_from_the_dashboard_leads_back_to_it(browser):
    login_url = browser.get("/agent/dashboard?ticket=7").location
    assert parse_qs(urlsplit(login_url).query)["next"] == ["/agent/dashboard?ticket=7"]
    fields = browser.get(login_url).form("/agent/login")
    fields.update(email=ANA["email"], password=ANA["password"])
    assert browser.post("/agent/login", fields).location == "/agent/dashboard?ticket=7"


def test_signing_out_revokes_the_session(browser):
    browser.sign_in(ANA["email"], ANA["password"])
    stolen = {name: browser.cookie(name) for name in ("token", "refresh_token")}
    page = browser.sign_out()
    assert page.status == 303
    assert page.location == "/agent/login"
    assert browser.cookie("token") is None and browser.cookie("refresh_token") is None
    for name, value in stolen.items():
        browser.set_cookie(name, value)
    replay = browser.get("/agent/dashboard")
    assert replay.status == 302
    assert replay.location.startswith("/agent/login")


def test_signing_out_without_the_csrf_token_is_forbidden(browser):
    browser.sign_in(ANA["email"], ANA["password"])
    assert browser.post("/agent/logout", {}).status == 403
    assert browser.get("/agent/dashboard").status == 200


def test_repeated_failures_from_one_address_are_throttled(browser):
    for n in range(LOGIN_LIMIT):
        assert browser.sign_in(f"guess{n}@example.com", "wrong password").status == 401
    page = browser.sign_in("another@example.com", "wrong password")
    assert page.status == 429
    assert int(page.headers["Retry-After"]) > 0


def test_successful_logins_do_not_count_toward_the_limit(browser):
    for _ in range(LOGIN_LIMIT + 2):
        assert browser.sign_in(ANA["email"], ANA["password"]).status == 303


# --- forged, expired and refreshed tokens (test client) -----------------------------------


@pytest.fixture
def signed_in(site):
    """A test-client browser in which Ana has signed in, and her access token's claims."""
    browser = Browser(site)
    assert browser.sign_in(ANA["email"], ANA["password"]).status == 303
    return browser, token_claims(browser.cookie("token"))


def _expired(site, claims: dict) -> str:
    with site.app_context():
        extra = {key: claims[key] for key in ("role", "name", "fam")}
        return create_access_token(
            identity=claims["sub"], additional_claims=extra, expires_delta=timedelta(seconds=-60)
        )


def _forge(site, token: str, how: str) -> str:
    header, payload, signature = token.split(".")
    claims = token_claims(token)
    if how == "tampered signature":
        middle = len(signature) // 2
        flipped = "A" if signature[middle] != "A" else "B"
        return f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    if how == "role raised without re-signing":
        raised = _b64encode(json.dumps({**claims, "role": "admin"}).encode())
        return f"{header}.{raised}.{signature}"
    if how == "alg none":
        none = _b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{none}.{payload}."
    if how == "signed with another key":
        return pyjwt.encode(claims, "another-secret-" + "k" * 32, algorithm="HS256")
    if how == "expired":
        return _expired(site, claims)
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "tampered signature",
        "role raised without re-signing",
        "alg none",
        "signed with another key",
        "expired",
    ],
)
@pytest.mark.parametrize("path", ["/agent/dashboard", "/admin/"])
def test_a_forged_or_expired_token_is_sent_to_the_login_page(site, signed_in, how, path):
    real, _claims = signed_in
    attacker = Browser(site)
    attacker.set_cookie("token", _forge(site, real.cookie("token"), how))
    page = attacker.get(path)
    assert page.status == 302
    assert page.location.startswith("/agent/login?next=")


@pytest.mark.parametrize("role", ["owner", "guest", "", None])
def test_a_signed_token_of_another_role_is_refused_at_every_door(site, signed_in, role):
    _real, claims = signed_in
    with site.app_context():
        extra = {"name": claims["name"], "fam": claims["fam"]}
        if role is not None:
            extra["role"] = role
        token = create_access_token(identity=claims["sub"], additional_claims=extra)
    stranger = Browser(site)
    stranger.set_cookie("token", token)
    for path in ("/agent/dashboard", "/admin/"):
        page = stranger.get(path)
        assert (page.status, page.location.split("?")[0]) == (302, "/agent/login"), path
    api = site.test_client().get("/api/admin/inbox", headers={"Authorization": f"Bearer {token}"})
    assert (api.status_code, api.get_json()["error"]["code"]) == (401, "unauthorized")
    with site.test_request_context():
        from supportchat.errors import AppError
        from supportchat.services import auth

        with pytest.raises(AppError) as refused:  # what the /agent socket door calls
            auth.verify_access_token(token)
    assert refused.value.code == "unauthorized"


def test_an_expired_token_is_renewed_from_the_refresh_cookie(site, signed_in):
    browser, claims = signed_in
    old_refresh, expired = browser.cookie("refresh_token"), _expired(site, claims)
    browser.set_cookie("token", expired)
    page = browser.get("/agent/dashboard")
    assert page.status == 200
    assert "Hello, Ana" in page.text
    assert browser.cookie("token") != expired
    assert token_claims(browser.cookie("token"))["exp"] > time.time()
    assert browser.cookie("refresh_token") != old_refresh
    assert browser.get("/agent/dashboard").status == 200


def test_an_expired_token_with_a_revoked_refresh_cookie_goes_to_login(site, signed_in):
    browser, claims = signed_in
    refresh = browser.cookie("refresh_token")
    browser.sign_out()
    browser.set_cookie("refresh_token", refresh)
    browser.set_cookie("token", _expired(site, claims))
    page = browser.get("/agent/dashboard")
    assert page.status == 302
    assert page.location.startswith("/agent/login")


# --- admin pages ---------------------------------------------------------------------------


def test_an_agent_may_not_open_the_admin_pages(signed_in):
    browser, _claims = signed_in
    page = browser.get("/admin/")
    assert page.status == 403
    assert "admins only" in page.text


@pytest.fixture
def admin_browser(site):
    """A test-client browser in which an admin has signed in."""
    create_account(
        site, email="boss@example.com", name="Boss", password="admin password 1", role="admin"
    )
    browser = Browser(site)
    assert browser.sign_in("boss@example.com", "admin password 1").status == 303
    return browser


def test_an_admin_creates_an_agent_who_can_then_sign_in(site, admin_browser):
    page = admin_browser.get("/admin/")
    assert page.status == 200
    fields = page.form("/admin/agents")
    assert fields["jwt_csrf"]
    fields.update(email="new@example.com", name="Newcomer", password="new password 1", role="agent")
    created = admin_browser.post("/admin/agents", fields)
    assert created.status == 303
    assert "new@example.com" in admin_browser.get(created.location).text
    assert Browser(site).sign_in("new@example.com", "new password 1").status == 303


def test_the_admin_form_without_its_token_csrf_field_is_refused(site, admin_browser):
    fields = admin_browser.get("/admin/").form("/admin/agents")
    del fields["jwt_csrf"]
    fields.update(
        email="sneaky@example.com", name="Sneaky", password="new password 1", role="admin"
    )
    assert admin_browser.post("/admin/agents", fields).status == 403
    assert Browser(site).sign_in("sneaky@example.com", "new password 1").status == 401


def test_the_admin_form_explains_a_duplicate_email(admin_browser):
    fields = admin_browser.get("/admin/").form("/admin/agents")
    fields.update(
        email="ANA@example.com", name="Ana again", password="new password 1", role="agent"
    )
    page = admin_browser.post("/admin/agents", fields)
    assert page.status == 409
    assert page.alerts == ["An account for ana@example.com already exists."]


# --- throttling per account (test client: it can speak from several addresses) ------------


def login_attempts(app):
    """``attempt(address, email, password)``: one form sign-in from ``address``, its status."""
    client = app.test_client()

    def attempt(address: str, email: str, password: str) -> int:
        client.environ_base["REMOTE_ADDR"] = address
        form = client.get("/agent/login").get_data(as_text=True)
        token = Forms(form).forms["/agent/login"]["csrf_token"]
        return client.post(
            "/agent/login", data={"csrf_token": token, "email": email, "password": password}
        ).status_code

    return attempt


def test_failures_from_one_address_do_not_lock_the_agent_out_from_another(site):
    """The fast limit counts per (account, address); the account key is the trimmed,
    lower-cased email, so case changes do not help the guesser."""
    attempt = login_attempts(site)
    emails = ["ana@example.com", "ANA@example.com", " Ana@Example.com "]
    assert len(emails) == LOGIN_LIMIT
    for email in emails:
        assert attempt("10.0.0.66", email, "wrong password") == 401
    assert attempt("10.0.0.66", ANA["email"], ANA["password"]) == 429
    assert attempt("10.0.0.7", ANA["email"], ANA["password"]) == 303


def test_guessing_one_account_from_many_addresses_is_throttled_per_account(build):
    app = build(
        LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute",
        LOGIN_ACCOUNT_RATE_LIMIT="4 per minute; 6 per hour",
    )
    create_account(app, **ANA)
    attempt = login_attempts(app)
    for n in range(4):
        assert attempt(f"10.0.1.{n + 1}", ANA["email"], "wrong password") == 401
    assert attempt("10.0.1.99", ANA["email"], ANA["password"]) == 429
    # Another account from a fresh address is unaffected.
    create_account(app, email="ben@example.com", name="Ben", password="ben password 1")
    assert attempt("10.0.1.100", "ben@example.com", "ben password 1") == 303
