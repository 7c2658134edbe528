"""The admin console's JSON API beyond accounts and settings (PROTOCOL.md §3.7): sending into
a ticket over HTTP, personal API tokens, the audit log and the reports."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, g, jsonify, request

from .. import schemas
from ..context import current
from ..extensions import limiter
from ..services import audit, messages, reports, tokens
from ..services.messages import message_view
from . import api
from .admin_api import admins_only, agents_only

bp = Blueprint("admin_tools", __name__, url_prefix="/api/admin")


def _sender_key() -> str:
    # Counted before the caller is verified: per credential (bearer header or sign-in cookie),
    # so agents behind one office address do not share a budget.
    credential = request.headers.get("Authorization") or request.cookies.get("token") or ""
    digest = hashlib.sha256(credential.encode()).hexdigest()[:24]
    return f"admin-message:{digest if credential else request.remote_addr}"


@bp.post("/messages")
@limiter.limit(api.message_limit, key_func=_sender_key, exempt_when=api.message_limit_off)
@agents_only
def send_message():
    """An agent's or admin's message (or note) into a ticket, as ``chat:message`` sends it:
    stored, then broadcast to the ticket's room and the inbox."""
    payload = api.json_payload(schemas.AdminMessage)
    ctx = current()
    written = messages.write(
        ctx, g.actor, payload.text, ticket_id=payload.conversationId, kind=payload.kind
    )
    return jsonify({"message": message_view(ctx, written.message, for_agent=True)}), 201


@bp.get("/tokens")
@admins_only
def list_tokens():
    """Every personal API token, newest first (never the token itself)."""
    return jsonify({"tokens": [tokens.token_view(stored) for stored in tokens.list_tokens()]})


@bp.post("/tokens")
@admins_only
def create_token():
    """A new personal API token; the answer holds the token this once."""
    payload = api.json_payload(schemas.ApiTokenCreate)
    stored, token = tokens.create(
        g.actor, payload.name, payload.role, payload.expiresInDays, request.remote_addr
    )
    return jsonify({"token": {**tokens.token_view(stored), "token": token}}), 201


@bp.delete("/tokens/<token_id>")
@admins_only
def revoke_token(token_id: str):
    """Revoke a personal API token: refused from the next request on."""
    tokens.revoke(g.actor, token_id, request.remote_addr)
    return "", 204


@bp.get("/audit")
@admins_only
def audit_log():
    """Audit events newest first, optionally of one action or family of actions."""
    params = api.query(schemas.AuditQuery)
    events, next_cursor = audit.page(params.cursor, params.action, params.limit)
    return jsonify({"events": events, "nextCursor": next_cursor})


@bp.get("/reports")
@agents_only
def read_report():
    """Conversations, messages, response and resolution times, CSAT and bot resolutions of
    the tickets created from ``from`` to ``to`` (days, UTC), per day or week; CSV on asking."""
    params = api.query(schemas.ReportQuery)
    figures = reports.report(current(), params.start, params.end, params.bucket)
    if params.format == "csv":
        name = f"report-{figures['start']}-{figures['end']}-{params.bucket}.csv"
        return Response(
            reports.as_csv(figures),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return jsonify(figures)
