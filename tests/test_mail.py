"""Email through the outbox, received by a real SMTP server (aiosmtpd) on a loopback port:
new conversations while the chat is offline to the team, transcripts to customers
(agents' own email: test_mail_agents.py; with agents online: test_presence.py)."""

from __future__ import annotations

import pytest

from support.http import sign_in
from support.receivers import MailReceiver

GUEST = "9a1e3f6d-2a8e-4d4f-8c55-1d2f3a4b5c6d"
CLOSED_ALL_WEEK = {"timezone": "Europe/Berlin", "days": {}}
OPEN_ALL_DAY = {
    "timezone": "UTC",
    "days": {
        day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
}


@pytest.fixture
def smtp():
    server = MailReceiver()
    yield server
    server.close()


@pytest.fixture
def mail_app(build, smtp):
    return build(
        SMTP_URL=smtp.url,
        MAIL_FROM="support@example.com",
        TEAM_EMAIL="team@example.com",
        MAIL_TRANSCRIPTS="true",
        BASE_URL="https://help.example.com",
    )


def deliver(app) -> None:
    with app.app_context():
        app.extensions["supportchat.outbox_worker"].run_once()


def hours(app, value) -> None:
    from supportchat.services import settings

    with app.app_context():
        settings.update({"behavior": {"businessHours": value}})
        app.extensions.pop("supportchat.settings", None)  # no cached section


def say(client, text, email=None, session="s-1"):
    body = {"sessionId": session, "message": text}
    if email:
        body["userIdentifier"] = {"email": email}
    response = client.post("/api/chat", json=body, headers={"X-Client-Id": GUEST})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def parts(message) -> tuple[str, str]:
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return plain, html


def test_a_new_conversation_outside_business_hours_is_emailed_to_the_team(mail_app, smtp):
    hours(mail_app, CLOSED_ALL_WEEK)
    client = mail_app.test_client()
    say(client, 'Hi <script>alert("x")</script> & thanks')
    say(client, "a second message sends no second email")
    deliver(mail_app)
    [message] = smtp.wait_for(1)
    assert message["To"] == "team@example.com" and message["From"] == "support@example.com"
    assert "outside business hours" in message["Subject"]
    plain, html = parts(message)
    assert 'Hi <script>alert("x")</script> & thanks' in plain
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; thanks" in html
    assert "<script>" not in html
    assert "https://help.example.com/agent/dashboard" in plain
    deliver(mail_app)
    assert len(smtp.messages) == 1


def test_within_business_hours_no_email_is_sent(mail_app, smtp):
    hours(mail_app, OPEN_ALL_DAY)
    say(mail_app.test_client(), "open now")
    deliver(mail_app)
    assert smtp.messages == []


def test_without_hours_a_conversation_nobody_is_online_for_is_emailed_to_the_team(mail_app, smtp):
    # No business hours and no agent connected: /api/chat/config says offline, and the
    # widget's offline form sends the customer's details with the first message.
    client = mail_app.test_client()
    assert client.get("/api/chat/config").get_json()["online"] is False
    body = {
        "sessionId": "offline-form",
        "message": "Please call me back <soon>",
        "userIdentifier": {"name": "Jane & Co", "email": "jane@example.com"},
    }
    response = client.post("/api/chat", json=body, headers={"X-Client-Id": GUEST})
    assert response.status_code == 200, response.get_data(as_text=True)
    ticket_id = response.get_json()["ticketId"]
    deliver(mail_app)
    [message] = smtp.wait_for(1)
    assert message["To"] == "team@example.com"
    assert message["Subject"].endswith("(while nobody was online)")
    plain, html = parts(message)
    assert "Please call me back <soon>" in plain and "while nobody was online" in plain
    assert "Please call me back &lt;soon&gt;" in html
    assert f"https://help.example.com/agent/dashboard#ticket={ticket_id}" in plain


def test_closing_a_conversation_emails_its_transcript_without_notes(mail_app, smtp):
    from supportchat.context import current
    from supportchat.services import actors, messages, tickets

    hours(mail_app, OPEN_ALL_DAY)  # online: no email to the team
    client = mail_app.test_client()
    admin = sign_in(client, "admin", "admin@example.com")
    ticket_id = say(client, "My order <#42> is late", email="jane@example.com")["message"][
        "ticketId"
    ]
    with mail_app.test_request_context():
        ctx, actor = current(), actors.agent(admin.id, "admin", "Ana & Co")
        messages.write(ctx, actor, "Internal: refund approved", ticket_id=ticket_id, kind="note")
        messages.write(ctx, actor, "Sorry! It ships <today>.", ticket_id=ticket_id)
        tickets.close(ctx, actor, ticket_id)
    deliver(mail_app)
    [message] = smtp.wait_for(1)
    assert message["To"] == "jane@example.com"
    assert message["List-Unsubscribe"] == "<mailto:support@example.com?subject=unsubscribe>"
    plain, html = parts(message)
    assert "My order <#42> is late" in plain and "Sorry! It ships <today>." in plain
    assert "My order &lt;#42&gt; is late" in html and "Ana &amp; Co" in html
    assert "refund" not in plain and "refund" not in html


def test_no_transcript_without_a_known_email_or_without_the_setting(build, smtp):
    from supportchat.context import current
    from supportchat.services import actors, tickets

    for app, email in (
        (build(SMTP_URL=smtp.url, MAIL_FROM="support@example.com", MAIL_TRANSCRIPTS="true"), None),
        (build(SMTP_URL=smtp.url, MAIL_FROM="support@example.com"), "jane@example.com"),
    ):
        client = app.test_client()
        admin = sign_in(client, "admin", f"admin{id(app)}@example.com")
        ticket_id = say(client, "hello", email=email, session=f"s{id(app)}")["message"]["ticketId"]
        with app.test_request_context():
            tickets.close(current(), actors.agent(admin.id, "admin", "Ana"), ticket_id)
        deliver(app)
    assert smtp.messages == []


def test_an_unreachable_mail_server_is_retried_later(build, smtp):
    app = build(
        SMTP_URL="smtp://127.0.0.1:9",
        MAIL_FROM="support@example.com",
        TEAM_EMAIL="team@example.com",
    )
    hours(app, CLOSED_ALL_WEEK)
    say(app.test_client(), "anyone there?")
    deliver(app)
    from sqlalchemy import select

    from supportchat.extensions import db
    from supportchat.models import Delivery

    with app.app_context():
        [delivery] = db.session.scalars(select(Delivery).where(Delivery.target == "mail:team"))
        assert delivery.status == "pending" and delivery.attempts == 1
        assert "Sending the email failed" in delivery.last_error
