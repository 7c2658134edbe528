"""Email through the outbox: new conversations while the chat is offline to TEAM_EMAIL, a
message in an agent's ticket to that agent while they are offline (their own opt-in), and a
closed conversation's transcript to the customer (MAIL_TRANSCRIPTS). Off unless SMTP_URL and
MAIL_FROM are set. Every email has a plain-text and an HTML part; user text in the HTML part
is escaped."""

from __future__ import annotations

import smtplib
import time
from datetime import UTC
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app

from ..extensions import db
from ..models import Agent, OutboxEvent
from . import business_hours, settings
from .outbox import MAIL_AGENT, wants_offline_mail
from .webhooks import Attempt

TRANSCRIPT_LIMIT = 1000  # messages in one transcript


def compose(config: dict[str, Any], target: str, event: OutboxEvent) -> EmailMessage | None:
    """The email a mail delivery sends, or None when there is no one to send it to."""
    if target == "mail:team":
        return _new_conversation(config, event)
    if target == MAIL_AGENT:
        return _to_agent(config, event.data["agentId"], event.data["message"])
    return _transcript(config, event.data)


def deliver(config: dict[str, Any], target: str, event: OutboxEvent) -> Attempt:
    """Send one email once; failures are retried by the outbox like webhooks."""
    started = time.monotonic()
    try:
        message = compose(config, target, event)
        if message is not None:
            send(config, message)
    except (OSError, smtplib.SMTPException, ValueError) as error:
        elapsed = int((time.monotonic() - started) * 1000)
        return Attempt(False, None, elapsed, f"Sending the email failed: {error}"[:500])
    return Attempt(True, None, int((time.monotonic() - started) * 1000), None)


def send(config: dict[str, Any], message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server of SMTP_URL (smtp:// with STARTTLS when offered,
    smtps:// for TLS from the start)."""
    url = urlsplit(config["SMTP_URL"])
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must start with smtp:// or smtps://")
    timeout = config["WEBHOOK_TIMEOUT_SECONDS"]
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=timeout)
    else:
        client = smtplib.SMTP(url.hostname, url.port or 25, timeout=timeout)
    with client:
        client.ehlo()
        if url.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls()
            client.ehlo()
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


def _envelope(config: dict[str, Any], to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    return message


def _dashboard(config: dict[str, Any], ticket_id: str | None = None) -> str:
    link = (config.get("BASE_URL") or "").rstrip("/") + "/agent/dashboard"
    return f"{link}#ticket={ticket_id}" if ticket_id else link


def _unsubscribe(config: dict[str, Any], message: EmailMessage) -> None:
    """Optional mail says how to stop it (RFC 2369)."""
    message["List-Unsubscribe"] = f"<mailto:{config['MAIL_FROM']}?subject=unsubscribe>"


def _text(data: dict[str, Any]) -> str:
    """A message's text, or the names of its files when it has only files."""
    names = ", ".join(item["name"] for item in data.get("attachments") or [])
    return data["text"] or f"(files: {names})"


def _new_conversation(config: dict[str, Any], event: OutboxEvent) -> EmailMessage | None:
    team = config.get("TEAM_EMAIL")
    if not team:
        return None
    # Offline (services.chat_config.online) outside business hours, or with nobody online.
    hours = settings.section("behavior")["businessHours"]
    closed = business_hours.within(hours, event.created_at.replace(tzinfo=UTC)) is False
    when = "outside business hours" if closed else "while nobody was online"
    name, text = event.data["sender"]["name"], _text(event.data)
    message = _envelope(config, team, f"New conversation from {name} ({when})")
    link = _dashboard(config, event.data["ticketId"])
    message.set_content(f"{name} started a conversation {when}:\n\n{text}\n\nAnswer it: {link}\n")
    message.add_alternative(
        f"<p><strong>{escape(name)}</strong> started a conversation {when}:</p>"
        f'<blockquote style="white-space: pre-wrap">{escape(text)}</blockquote>'
        f'<p><a href="{escape(link)}">Answer it in the dashboard</a></p>',
        subtype="html",
    )
    return message


def _to_agent(config: dict[str, Any], agent_id: str, data: dict[str, Any]) -> EmailMessage | None:
    agent = db.session.get(Agent, agent_id)
    if agent is None or not wants_offline_mail(agent.active, agent.preferences):
        return None  # deactivated or opted out since the message arrived
    name, text = data["sender"]["name"], _text(data)
    message = _envelope(config, agent.email, f"{name} is waiting for your answer")
    _unsubscribe(config, message)
    link = _dashboard(config, data["ticketId"])
    why = (
        "You get this email because you asked for email about your conversations while you "
        "are offline; turn it off in the dashboard's preferences."
    )
    message.set_content(
        f"{name} wrote in a conversation assigned to you while you were offline:\n\n"
        f"{text}\n\nAnswer it: {link}\n\n{why}\n"
    )
    message.add_alternative(
        f"<p><strong>{escape(name)}</strong> wrote in a conversation assigned to you while "
        f'you were offline:</p><blockquote style="white-space: pre-wrap">{escape(text)}'
        f'</blockquote><p><a href="{escape(link)}">Answer it in the dashboard</a></p>'
        f'<p style="color: #666">{why}</p>',
        subtype="html",
    )
    return message


def _transcript(config: dict[str, Any], ticket: dict[str, Any]) -> EmailMessage | None:
    email = (ticket["customer"].get("userIdentifier") or {}).get("email")
    if not email or not config.get("MAIL_TRANSCRIPTS"):
        return None
    store = current_app.extensions["supportchat.store"]
    messages = [
        item
        for item in store.messages_after(ticket["id"], 0, TRANSCRIPT_LIMIT, include_notes=False)
        if item.kind == "message"
    ]
    message = _envelope(config, email, "Your conversation with our support team")
    _unsubscribe(config, message)
    lines = [f"{item.sender['name']}: {item.text}" for item in messages]
    message.set_content(
        "Here is the transcript of your conversation with us.\n\n" + "\n\n".join(lines) + "\n"
    )
    rows = "".join(
        f"<p><strong>{escape(item.sender['name'])}</strong><br>"
        f'<span style="white-space: pre-wrap">{escape(item.text)}</span></p>'
        for item in messages
    )
    message.add_alternative(
        f"<p>Here is the transcript of your conversation with us.</p>{rows}", subtype="html"
    )
    return message
