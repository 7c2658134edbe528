"""Webhooks: subscriptions, the address guard, signing and one delivery attempt (§3.9).

The guard resolves a URL's host and refuses loopback, private, link-local and other
non-public addresses unless WEBHOOK_ALLOW_PRIVATE is set; a delivery then connects to the
very address that was checked (the Host header and TLS name stay the URL's), so a name that
resolves elsewhere a moment later reaches nothing new. Redirects are never followed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from flask import current_app
from sqlalchemy import delete, select

from ..clock import iso, utcnow
from ..errors import AppError, not_found
from ..extensions import db
from ..models import Delivery, OutboxEvent, Webhook
from . import secrets_box

SECRET_PURPOSE = "webhook"
BODY_LIMIT = 1024  # bytes of a receiver's answer kept for the deliveries log


class Refused(Exception):
    """A URL the guard will not connect to; the message says why, for a person."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to name."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def check_url(url: str, allow_private: bool) -> Target:
    """``url`` resolved and checked, or Refused naming the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused("The webhook URL must start with http:// or https://.")
    if parts.username or parts.password:
        raise Refused("The webhook URL must not carry a user name or password.")
    try:
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("The webhook URL's port is not a number between 1 and 65535.") from None
    if not host:
        raise Refused("The webhook URL has no host name.")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(f"The host name {host} could not be resolved.") from None
    addresses = [info[4][0] for info in found]
    for address in addresses:
        if not allow_private and not _public(address):
            raise Refused(
                f"The webhook URL's host {host} resolves to {address}, a loopback, private or "
                "link-local address; use a public address (or set WEBHOOK_ALLOW_PRIVATE=true)."
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, addresses[0], path)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Supportchat-Signature value: sha256=HMAC-SHA256(secret, timestamp + "." + body)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def body(event: OutboxEvent) -> bytes:
    """What a delivery of ``event`` sends: the same bytes on every attempt."""
    document = {
        "id": event.id,
        "type": event.type,
        "createdAt": iso(event.created_at),
        "data": event.data,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Attempt:
    """How one delivery attempt went."""

    ok: bool
    code: int | None
    duration_ms: int
    error: str | None


def post(config: dict[str, Any], hook: Webhook, event: OutboxEvent) -> Attempt:
    """POST ``event`` to ``hook`` once (models or rows of them); 2xx within
    WEBHOOK_TIMEOUT_SECONDS delivers it."""
    started = time.monotonic()
    timeout = config["WEBHOOK_TIMEOUT_SECONDS"]

    def failed(error: str, code: int | None = None) -> Attempt:
        return Attempt(False, code, int((time.monotonic() - started) * 1000), error[:500])

    try:
        target = check_url(hook.url, config["WEBHOOK_ALLOW_PRIVATE"])
    except Refused as refused:
        return failed(str(refused))
    payload = body(event)
    timestamp = str(int(time.time()))
    default_port = 443 if target.scheme == "https" else 80
    headers = {
        "Host": target.host if target.port == default_port else f"{target.host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": "supportchat-webhooks/1",
        "X-Supportchat-Event": event.type,
        "X-Supportchat-Delivery": event.id,
        "X-Supportchat-Timestamp": timestamp,
        "X-Supportchat-Signature": sign(
            secrets_box.unseal(hook.secret, SECRET_PURPOSE), timestamp, payload
        ),
    }
    options: dict[str, Any] = {
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "maxsize": 1,
    }
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=payload,
            headers=headers,
            retries=False,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        answer = response.read(BODY_LIMIT)
        response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        return failed(f"The receiver could not be reached: {error.__class__.__name__}: {error}")
    finally:
        pool.close()
    duration = int((time.monotonic() - started) * 1000)
    if duration > timeout * 1000:
        return failed(
            f"The receiver took {duration} ms; the limit is {timeout:g} s.", response.status
        )
    if 200 <= response.status < 300:
        return Attempt(True, response.status, duration, None)
    if 300 <= response.status < 400:
        where = response.headers.get("Location", "")
        return failed(
            f"The receiver redirected to {where!r}; redirects are not followed.", response.status
        )
    text = answer.decode("utf-8", "replace").strip()
    return failed(f"The receiver answered HTTP {response.status}: {text[:200]}", response.status)


# Subscriptions (the admin API's service)


def webhook_view(hook: Webhook) -> dict[str, Any]:
    """A webhook for the admin API; the secret is write-only."""
    return {
        "id": hook.id,
        "url": hook.url,
        "events": json.loads(hook.events),
        "active": hook.active,
        "disabledReason": hook.disabled_reason,
        "createdAt": iso(hook.created_at),
    }


def delivery_view(delivery: Delivery, type: str) -> dict[str, Any]:
    """One event's delivery to one webhook."""
    return {
        "eventId": delivery.event_id,
        "type": type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "responseCode": delivery.response_code,
        "durationMs": delivery.duration_ms,
        "lastError": delivery.last_error,
        "nextAttemptAt": iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "createdAt": iso(delivery.created_at),
        "updatedAt": iso(delivery.updated_at),
    }


def _checked(url: str) -> str:
    try:
        check_url(url, current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except Refused as refused:
        raise AppError("invalid", str(refused), {"field": "url"}) from None
    return url


def list_webhooks() -> list[Webhook]:
    """Every webhook, oldest first."""
    return list(db.session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id)))


def get(webhook_id: str) -> Webhook:
    """One webhook, or AppError ``not_found``."""
    hook = db.session.get(Webhook, webhook_id)
    if hook is None:
        raise not_found("webhook")
    return hook


def create(url: str, events: list[str], secret: str, active: bool = True) -> Webhook:
    """Subscribe ``url`` to ``events``; the URL is checked now and before every delivery."""
    hook = Webhook(
        url=_checked(url),
        events=json.dumps(sorted(set(events))),
        secret=secrets_box.seal(secret, SECRET_PURPOSE),
        active=active,
        created_at=utcnow(),
    )
    db.session.add(hook)
    db.session.commit()
    return hook


def update(webhook_id: str, changes: dict[str, Any]) -> Webhook:
    """Change some of url, events, secret, active; turning a webhook on clears why it stopped."""
    hook = get(webhook_id)
    if "url" in changes:
        hook.url = _checked(changes["url"])
    if "events" in changes:
        hook.events = json.dumps(sorted(set(changes["events"])))
    if "secret" in changes:
        hook.secret = secrets_box.seal(changes["secret"], SECRET_PURPOSE)
    if "active" in changes:
        hook.active = changes["active"]
        if hook.active:
            hook.disabled_reason = None
    db.session.commit()
    return hook


def remove(webhook_id: str) -> None:
    """Delete a webhook and its deliveries."""
    hook = get(webhook_id)
    db.session.execute(delete(Delivery).where(Delivery.target == hook.id))
    db.session.delete(hook)
    db.session.commit()


def deliveries(webhook_id: str, limit: int) -> list[dict[str, Any]]:
    """A webhook's newest deliveries first."""
    get(webhook_id)
    rows = db.session.execute(
        select(Delivery, OutboxEvent.type)
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .where(Delivery.target == webhook_id)
        .order_by(Delivery.created_at.desc(), Delivery.event_id.desc())
        .limit(limit)
    )
    return [delivery_view(delivery, type) for delivery, type in rows]


def send_test(webhook_id: str) -> dict[str, Any]:
    """Send a ``webhook.test`` event to one webhook now; its delivery as it stands after
    this first attempt (a failed one is retried like any other)."""
    from . import outbox

    hook = get(webhook_id)
    event = outbox.Event(
        outbox.event_id("webhook.test"),
        "webhook.test",
        utcnow(),
        {"webhookId": hook.id},
        (hook.id,),
    )
    current_app.extensions["supportchat.outbox"].record(None, [event])
    worker = current_app.extensions["supportchat.outbox_worker"]
    for key in worker.claim(only=(event.id, hook.id)):
        worker.deliver(*key)
    db.session.expire_all()
    return delivery_view(db.session.get(Delivery, (event.id, hook.id)), event.type)
