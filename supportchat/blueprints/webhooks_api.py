"""Webhooks for admins (PROTOCOL.md §3.7, §3.9): the JSON API and the admin page that uses it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, g, jsonify, render_template, request
from pydantic import Field

from .. import responses, schemas
from ..services import audit, outbox, webhooks
from . import api
from .admin_api import admins_only
from .pages import agent_page

bp = Blueprint("webhooks_api", __name__, url_prefix="/api")
page = Blueprint("webhooks_page", __name__, url_prefix="/admin")

EventType = Literal[outbox.EVENT_TYPES]  # type: ignore[valid-type]
Url = schemas.Text(2048, 1)
Secret = schemas.Text(256, 16)
Events = Annotated[list[EventType], Field(min_length=1, max_length=len(outbox.EVENT_TYPES))]


class WebhookCreate(schemas.Payload):
    url: Url
    events: Events
    secret: Secret
    active: bool = True


class WebhookUpdate(schemas.Payload):
    url: Url | None = None
    events: Events | None = None
    secret: Secret | None = None
    active: bool | None = None


class DeliveryQuery(schemas.Query):
    limit: int = Field(50, ge=1, le=200)


class WebhookView(responses.View):
    id: str
    url: str
    events: list[str]
    active: bool
    disabledReason: str | None
    createdAt: responses.Timestamp


class WebhookBody(responses.View):
    webhook: WebhookView


class WebhookList(responses.View):
    webhooks: list[WebhookView]


class DeliveryView(responses.View):
    eventId: str
    type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    responseCode: int | None
    durationMs: int | None
    lastError: str | None
    nextAttemptAt: responses.Timestamp | None
    createdAt: responses.Timestamp
    updatedAt: responses.Timestamp


class DeliveryList(responses.View):
    deliveries: list[DeliveryView]


class DeliveryBody(responses.View):
    delivery: DeliveryView


def _audit(action: str, target: str, details: dict[str, Any] | None = None) -> None:
    audit.record(g.actor.id, action, target, request.remote_addr, details)


@bp.get("/admin/webhooks")
@admins_only
def list_webhooks():
    """Every webhook; secrets are never shown."""
    return jsonify({"webhooks": [webhooks.webhook_view(hook) for hook in webhooks.list_webhooks()]})


@bp.post("/admin/webhooks")
@admins_only
def create_webhook():
    """Subscribe a URL to events; the URL must pass the address guard now."""
    payload = api.json_payload(WebhookCreate)
    hook = webhooks.create(payload.url, payload.events, payload.secret, payload.active)
    _audit("webhook.create", hook.id, {"url": hook.url})
    return jsonify({"webhook": webhooks.webhook_view(hook)}), 201


@bp.patch("/admin/webhooks/<webhook_id>")
@admins_only
def update_webhook(webhook_id: str):
    """Change the URL, the events, the secret, or turn a webhook off or on again."""
    changes = api.json_payload(WebhookUpdate).model_dump(exclude_unset=True, exclude_none=True)
    hook = webhooks.update(webhook_id, changes)
    _audit("webhook.update", hook.id, {"fields": sorted(changes)})
    return jsonify({"webhook": webhooks.webhook_view(hook)})


@bp.delete("/admin/webhooks/<webhook_id>")
@admins_only
def delete_webhook(webhook_id: str):
    """Delete a webhook and its deliveries log."""
    webhooks.remove(webhook_id)
    _audit("webhook.delete", webhook_id)
    return "", 204


@bp.get("/admin/webhooks/<webhook_id>/deliveries")
@admins_only
def list_deliveries(webhook_id: str):
    """The newest deliveries: status, attempts, response code, time and last error."""
    limit = api.query(DeliveryQuery).limit
    return jsonify({"deliveries": webhooks.deliveries(webhook_id, limit)})


@bp.post("/admin/webhooks/<webhook_id>/test")
@admins_only
def test_webhook(webhook_id: str):
    """Send a ``webhook.test`` event now; a failed one is retried like any other."""
    return jsonify({"delivery": webhooks.send_test(webhook_id)})


@page.get("/webhooks")
@agent_page(admin=True)
def webhooks_page():
    """Manage webhooks and read their deliveries."""
    return render_template("admin/webhooks.html", actor=g.actor, event_types=outbox.EVENT_TYPES)
