"""Agents' own email, received by a real SMTP server (aiosmtpd) on a loopback port: a customer
message in a ticket assigned to an agent who opted in (``emailWhenOffline``) and has no
dashboard open, once per wait for an answer. An agent with the dashboard open: test_presence.py.
"""

from __future__ import annotations

import pytest

from support.http import sign_in
from support.receivers import MailReceiver

GUEST = "6f1e3f6d-2a8e-4d4f-8c55-1d2f3a4b5c6e"
OPTED_IN = {"emailWhenOffline": True}


@pytest.fixture
def smtp():
    server = MailReceiver()
    yield server
    server.close()


def mail_config(smtp) -> dict[str, str]:
    return {
        "SMTP_URL": smtp.url,
        "MAIL_FROM": "support@example.com",
        "BASE_URL": "https://help.example.com",
    }


class Conversation:
    """A customer (over HTTP) and Ana, the agent assigned to their ticket (through the
    services, as the dashboard's socket events would)."""

    def __init__(self, app):
        self.app, self.client = app, app.test_client()
        self.ana = sign_in(self.client, "agent")
        self.ticket_id = self.customer("Hello, I have a question")["ticketId"]
        self.agent_call(
            lambda ctx, actor, tickets, _: tickets.assign(ctx, actor, self.ticket_id, actor.id)
        )

    def customer(self, text: str) -> dict:
        body = {"sessionId": "s-1", "message": text}
        response = self.client.post("/api/chat", json=body, headers={"X-Client-Id": GUEST})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def agent_says(self, text: str) -> None:
        self.agent_call(
            lambda ctx, actor, _, messages: messages.write(
                ctx, actor, text, ticket_id=self.ticket_id
            )
        )

    def agent_call(self, action) -> None:
        from supportchat.context import current
        from supportchat.services import actors, messages, tickets

        with self.app.test_request_context():
            action(current(), actors.agent(self.ana.id, "agent", "Ana"), tickets, messages)

    def ana_is(self, preferences: dict | None, active: bool = True) -> None:
        from sqlalchemy import update

        from supportchat.extensions import db
        from supportchat.models import Agent

        with self.app.app_context():
            db.session.execute(
                update(Agent)
                .where(Agent.id == self.ana.id)
                .values(preferences=preferences, active=active)
            )
            db.session.commit()

    def deliver(self) -> None:
        with self.app.app_context():
            self.app.extensions["supportchat.outbox_worker"].run_once()


def parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def an_offline_agent_gets_one_email_per_wait(app, smtp) -> None:
    talk = Conversation(app)
    talk.ana_is(OPTED_IN)
    talk.agent_says("How can I help?")  # the customer no longer waits
    talk.customer('My order <b>#42</b> & "more" is late')
    talk.customer("Still there?")  # the same wait: no second email
    talk.deliver()
    [message] = smtp.wait_for(1)
    assert message["To"] == "ana@example.com" and message["From"] == "support@example.com"
    assert message["List-Unsubscribe"] == "<mailto:support@example.com?subject=unsubscribe>"
    plain, html = parts(message)
    link = f"https://help.example.com/agent/dashboard#ticket={talk.ticket_id}"
    assert 'My order <b>#42</b> & "more" is late' in plain and link in plain
    assert "My order &lt;b&gt;#42&lt;/b&gt; &amp; &quot;more&quot; is late" in html
    assert "<b>#42" not in html and f'href="{link}"' in html
    assert "Still there?" not in plain

    talk.agent_says("Let me check.")
    talk.customer("Thanks, waiting again")  # a new wait: a new email
    talk.deliver()
    assert len(smtp.wait_for(2)) == 2
    assert "Thanks, waiting again" in parts(smtp.messages[1])[0]
    talk.deliver()
    assert len(smtp.messages) == 2


def test_an_opted_in_agent_who_is_offline_gets_one_email_per_wait(build, smtp):
    an_offline_agent_gets_one_email_per_wait(build(**mail_config(smtp)), smtp)


@pytest.mark.mongo
def test_an_opted_in_agent_gets_email_with_mongodb_tickets(app_builder, mongo_uri, smtp):
    an_offline_agent_gets_one_email_per_wait(
        app_builder(None, MONGO_URI=mongo_uri, **mail_config(smtp)), smtp
    )


@pytest.mark.parametrize(
    ("preferences", "active"),
    [(None, True), ({}, True), ({"emailWhenOffline": False}, True), (OPTED_IN, False)],
    ids=["never-chosen", "no-choice", "opted-out", "deactivated"],
)
def test_agents_who_did_not_opt_in_or_are_deactivated_get_no_email(
    build, smtp, preferences, active
):
    talk = Conversation(build(**mail_config(smtp)))
    talk.agent_says("How can I help?")
    talk.ana_is(preferences, active)
    talk.customer("Hello again")
    talk.deliver()
    assert smtp.messages == []


def test_an_agent_who_opts_out_before_the_email_leaves_gets_none(build, smtp):
    talk = Conversation(build(**mail_config(smtp)))
    talk.ana_is(OPTED_IN)
    talk.agent_says("How can I help?")
    talk.customer("Hello again")
    talk.ana_is({"emailWhenOffline": False})
    talk.deliver()
    assert smtp.messages == []


def test_without_smtp_no_agent_email_is_queued(build):
    from sqlalchemy import func, select

    from supportchat.extensions import db
    from supportchat.models import Delivery

    app = build(MAIL_FROM="support@example.com")
    talk = Conversation(app)
    talk.ana_is(OPTED_IN)
    talk.agent_says("How can I help?")
    talk.customer("Hello again")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
