"""Email through the outbox: new conversations outside business hours to TEAM_EMAIL, and a
closed conversation's transcript to the customer (MAIL_TRANSCRIPTS). Off unless SMTP_URL and
MAIL_FROM are set. Every email has a plain-text and an HTML part; user text in the HTML part
is escaped."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app

from ..models import OutboxEvent
from .webhooks import Attempt

TRANSCRIPT_LIMIT = 1000  # messages in one transcript


def compose(config: dict[str, Any], target: str, event: OutboxEvent) -> EmailMessage | None:
    """The email a mail delivery sends, or None when there is no one to send it to."""
    if target == "mail:team":
        return _new_conversation(config, event.data)
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


def _dashboard(config: dict[str, Any]) -> str:
    return (config.get("BASE_URL") or "").rstrip("/") + "/agent/dashboard"


def _new_conversation(config: dict[str, Any], data: dict[str, Any]) -> EmailMessage | None:
    team = config.get("TEAM_EMAIL")
    if not team:
        return None
    name, text = data["sender"]["name"], data["text"]
    message = _envelope(config, team, f"New conversation from {name} (outside business hours)")
    link = _dashboard(config)
    message.set_content(
        f"{name} started a conversation outside business hours:\n\n{text}\n\nAnswer it: {link}\n"
    )
    message.add_alternative(
        f"<p><strong>{escape(name)}</strong> started a conversation outside business hours:</p>"
        f'<blockquote style="white-space: pre-wrap">{escape(text)}</blockquote>'
        f'<p><a href="{escape(link)}">Answer it in the dashboard</a></p>',
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
    title = config.get("MAIL_FROM")
    message = _envelope(config, email, "Your conversation with our support team")
    message["List-Unsubscribe"] = f"<mailto:{title}?subject=unsubscribe>"
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
