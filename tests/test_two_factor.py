"""Two-factor sign-in (TOTP): enrolment with a QR code and recovery codes, the code step on
/agent/login and on the token API, admins sent to enrolment, remembered browsers, limits."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import text
from test_login import Browser

from support.apps import create_account

ANA = {"email": "ana@example.com", "name": "Ana", "password": "correct horse 1"}
SETUP, CODE_STEP = "/agent/2fa/setup", "/agent/login/2fa"


def enrol(browser: Browser) -> tuple[pyotp.TOTP, list[str]]:
    """Scan (read the key), confirm with the current code; the app and the recovery codes."""
    page = browser.get(SETUP)
    assert page.status == 200 and "<svg" in page.text
    totp = pyotp.TOTP(re.search(r'class="totp-secret">([A-Z2-7]+)<', page.text).group(1))
    fields = page.form(SETUP)
    fields["code"] = totp.now()
    done = browser.post(SETUP, fields)
    assert done.status == 200, done.alerts
    return totp, re.findall(r"<li><code>([0-9a-f]{10})</code></li>", done.text)


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step: one never used yet, still accepted for clock drift."""
    return totp.at(time.time() + totp.interval)


def submit_code(browser: Browser, code: str, remember: bool = False):
    fields = browser.get(CODE_STEP).form(CODE_STEP)
    fields["code"] = code
    if remember:
        fields["remember"] = "y"
    return browser.post(CODE_STEP, fields)


def audit_actions(app) -> list[str]:
    from supportchat.extensions import db

    with app.app_context():
        return [
            row[0]
            for row in db.session.execute(
                text("SELECT action FROM audit_events WHERE action LIKE 'auth.2fa.%' ORDER BY id")
            )
        ]


def test_an_agent_enrols_with_a_qr_code_and_then_needs_a_code_to_sign_in(build):
    app = build()
    create_account(app, **ANA)
    browser = Browser(app)
    assert browser.sign_in(ANA["email"], ANA["password"]).location == "/agent/dashboard"
    page = browser.get(SETUP)
    wrong = page.form(SETUP)
    wrong["code"] = "000000"
    assert browser.post(SETUP, wrong).status == 401
    totp, recovery = enrol(browser)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    from supportchat.extensions import db

    with app.app_context():  # the secret is not readable in the database
        stored = db.session.execute(text("SELECT secret FROM two_factor")).scalar_one()
    assert totp.secret not in stored and len(stored) > 80

    later = Browser(app)
    step = later.sign_in(ANA["email"], ANA["password"])
    assert (step.status, step.location) == (303, CODE_STEP)
    assert later.cookie("token") is None  # no session before the second factor
    assert later.get("/agent/dashboard").status == 302
    refused = submit_code(later, "123456")
    assert refused.status == 401 and "not right" in refused.alerts[0]
    code = next_code(totp)
    done = submit_code(later, code)
    assert (done.status, done.location) == (303, "/agent/dashboard")
    assert later.get("/agent/dashboard").status == 200
    # A code works once.
    replay = Browser(app)
    replay.sign_in(ANA["email"], ANA["password"])
    assert submit_code(replay, code).status == 401
    assert audit_actions(app) == [
        "auth.2fa.refused",
        "auth.2fa.enrol",
        "auth.2fa.refused",
        "auth.2fa.ok",
        "auth.2fa.refused",
    ]


def test_the_token_api_asks_for_the_code_and_takes_a_recovery_code_once(build):
    app = build()
    create_account(app, **ANA)
    browser = Browser(app)
    browser.sign_in(ANA["email"], ANA["password"])
    totp, recovery = enrol(browser)
    client = app.test_client()
    asked = client.post("/api/admin/auth/token", json=ANA)
    assert asked.status_code == 401
    assert asked.get_json()["error"]["details"] == {
        "field": "totp",
        "reason": "two_factor_required",
    }
    wrong = client.post("/api/admin/auth/token", json={**ANA, "totp": "000000"})
    assert wrong.get_json()["error"]["details"]["reason"] == "two_factor_invalid"
    issued = client.post("/api/admin/auth/token", json={**ANA, "totp": recovery[0]})
    assert issued.status_code == 200 and issued.get_json()["accessToken"]
    again = client.post("/api/admin/auth/token", json={**ANA, "totp": recovery[0]})
    assert again.status_code == 401
    assert (
        client.post("/api/admin/auth/token", json={**ANA, "totp": next_code(totp)}).status_code
        == 200
    )


def test_an_admin_without_two_factor_is_sent_to_enrolment_when_it_is_required(build):
    app = build(REQUIRE_2FA_FOR_ADMINS="true")
    admin = create_account(
        app, email="root@example.com", name="Root", password="admin password 1", role="admin"
    )
    credentials = {"email": admin["email"], "password": admin["password"]}
    refused = app.test_client().post("/api/admin/auth/token", json=credentials)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["details"]["reason"] == "two_factor_enrolment_required"
    browser = Browser(app)
    sent = browser.sign_in(admin["email"], admin["password"], next="/admin/")
    assert (sent.status, sent.location) == (303, SETUP)
    assert browser.cookie("token") is None
    totp, _recovery = enrol(browser)
    assert browser.cookie("token")  # signed in by finishing enrolment
    assert browser.get("/admin/").status == 200
    # Agents are not forced.
    create_account(app, **ANA)
    assert Browser(app).sign_in(ANA["email"], ANA["password"]).location == "/agent/dashboard"


def test_a_remembered_browser_is_not_asked_again(build):
    app = build()
    create_account(app, **ANA)
    browser = Browser(app)
    browser.sign_in(ANA["email"], ANA["password"])
    totp, _recovery = enrol(browser)
    browser.delete_cookie("token")
    browser.delete_cookie("refresh_token")
    browser.sign_in(ANA["email"], ANA["password"])
    assert submit_code(browser, next_code(totp), remember=True).status == 303
    assert browser.cookie("cs_2fa_device")
    browser.delete_cookie("token")
    browser.delete_cookie("refresh_token")
    assert browser.sign_in(ANA["email"], ANA["password"]).location == "/agent/dashboard"
    other = Browser(app)
    assert other.sign_in(ANA["email"], ANA["password"]).location == CODE_STEP
    other.set_cookie("cs_2fa_device", browser.cookie("cs_2fa_device")[:-2] + "xx")
    assert other.sign_in(ANA["email"], ANA["password"]).location == CODE_STEP


@pytest.mark.parametrize("days", ["0"])
def test_remembering_can_be_turned_off(build, days):
    app = build(TWO_FACTOR_REMEMBER_DAYS=days)
    create_account(app, **ANA)
    browser = Browser(app)
    browser.sign_in(ANA["email"], ANA["password"])
    totp, _recovery = enrol(browser)
    browser.sign_in(ANA["email"], ANA["password"])
    assert "remember" not in browser.get(CODE_STEP).form(CODE_STEP)


def test_refused_codes_are_rate_limited(build):
    app = build(LOGIN_RATE_LIMIT="3 per minute")
    create_account(app, **ANA)
    browser = Browser(app)
    browser.sign_in(ANA["email"], ANA["password"])
    totp, _recovery = enrol(browser)  # one try of three
    later = Browser(app)
    later.sign_in(ANA["email"], ANA["password"])
    assert [submit_code(later, "000000").status for _ in range(2)] == [401, 401]
    limited = submit_code(later, next_code(totp))
    assert limited.status == 429 and "wait" in limited.alerts[0]
