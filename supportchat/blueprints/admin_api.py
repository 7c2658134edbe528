"""The agents' and admins' JSON API (PROTOCOL.md §3.6, §3.7): tokens, the inbox, history,
settings, accounts, the blocklist and schema upgrades. Every admin change is audited."""

from __future__ import annotations

from functools import wraps
from typing import Any

from alembic.runtime.migration import MigrationContext
from flask import Blueprint, current_app, g, jsonify, request
from flask_jwt_extended import (
    decode_token,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_migrate import upgrade
from jwt import PyJWTError

from .. import schemas, settings_schema
from ..clock import iso
from ..context import current
from ..errors import AppError
from ..extensions import db, limiter
from ..services import (
    agents,
    ai,
    audit,
    auth,
    network,
    search,
    settings,
    tickets,
    twofactor,
    uploads,
)
from ..services.agent_activity import listed_accounts
from ..services.inbox import row as inbox_row
from ..services.messages import message_view
from ..services.tickets import ticket_view
from . import api, login_limits

bp = Blueprint("admin_api", __name__, url_prefix="/api")


def _caller(admin: bool):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.actor = api.agent(admin=admin)
            return view(*args, **kwargs)

        return wrapper

    return decorate


agents_only, admins_only = _caller(admin=False), _caller(admin=True)


def _audit(action: str, target: str | None = None, details: dict[str, Any] | None = None) -> None:
    audit.record(g.actor.id, action, target, request.remote_addr, details)


def _failed(response) -> bool:
    return response.status_code == 401


def _account_key() -> str:
    return f"login-account:{str(api.body_field('email') or '').strip().lower()}"


def _tokens(access: str, refresh: str) -> dict[str, Any]:
    return {
        "accessToken": access,
        "refreshToken": refresh,
        "expiresIn": current_app.config["ACCESS_TOKEN_MINUTES"] * 60,
    }


# Tokens


@bp.post("/admin/auth/token")
@login_limits.guarded(_account_key)
def issue_token():
    """Tokens for an agent's email and password (API clients; browsers use /agent/login)."""
    payload = api.json_payload(schemas.TokenRequest)
    agent = agents.authenticate(payload.email, payload.password)
    if agent is None:
        raise AppError("unauthorized", "Invalid email or password.")
    twofactor.second_step(agent, payload.totp, request.remote_addr)
    access, refresh = auth.issue_tokens(agent)
    audit.record(agent.id, "auth.token", agent.id, request.remote_addr)
    return jsonify(_tokens(access, refresh))


@bp.post("/admin/auth/refresh")
@limiter.limit(api.login_limit, deduct_when=_failed, exempt_when=api.login_limit_off)
def refresh_token():
    """A new access token and a rotated refresh token; a reused one revokes its family."""
    verify_jwt_in_request(refresh=True)
    _agent, access, refresh = auth.rotate(get_jwt(), request.remote_addr)
    response = jsonify(_tokens(access, refresh))
    if get_jwt_request_location() == "cookies":
        set_access_cookies(response, access)
        set_refresh_cookies(response, refresh)
    return response


@bp.post("/admin/auth/revoke")
@limiter.limit(api.login_limit, deduct_when=_failed, exempt_when=api.login_limit_off)
def revoke_token():
    """Revoke the presented token (bearer header, else the cookie) and its whole family."""
    header = request.headers.get("Authorization", "")
    from_cookie = header[:7].lower() != "bearer "
    if not from_cookie:
        try:
            # Expired tokens are revoked too: their family may still hold a live refresh token.
            payload = decode_token(header[7:].strip(), allow_expired=True)
        except (JWTExtendedException, PyJWTError):
            raise AppError("unauthorized", "This is not a token this server issued.") from None
    else:
        verify_jwt_in_request(locations=["cookies"])
        payload = get_jwt()
    auth.revoke(payload, request.remote_addr)
    response = jsonify({"revoked": True})
    if from_cookie:
        unset_jwt_cookies(response)
    return response


# Inbox and history (agents)


@bp.get("/conversations")
@bp.get("/admin/inbox")
@agents_only
def inbox():
    """A page of conversations, newest activity first or the longest waiting first, with a
    keyset cursor for the next."""
    params = api.query(schemas.InboxQuery)
    ctx, q = current(), search.words(params.q)
    found, next_cursor = tickets.page(
        ctx,
        g.actor,
        params.status,
        params.assigned,
        params.cursor,
        params.limit,
        q,
        params.label,
        params.sort,
    )
    rows = [inbox_row(ticket) for ticket in found]
    if q:
        why = search.matches(ctx, found, q)
        rows = [{**row, "match": why.get(row["id"])} for row in rows]
    return jsonify({"conversations": rows, "nextCursor": next_cursor})


@bp.get("/admin/messages")
@agents_only
def history():
    """A conversation's messages before ``before``, oldest first, notes included."""
    params = api.query(schemas.HistoryQuery)
    ctx = current()
    found, more = tickets.history(ctx, g.actor, params.conversationId, params.before, params.limit)
    return jsonify(
        {
            "messages": [message_view(ctx, message, for_agent=True) for message in found],
            "hasMore": more,
        }
    )


@bp.get("/admin/sessions")
@agents_only
def sessions():
    """A page of tickets with their customers' details, newest activity first."""
    params = api.query(schemas.SessionsQuery)
    found, next_cursor = tickets.page(
        current(), g.actor, params.status, "any", params.cursor, params.limit
    )
    return jsonify(
        {
            "sessions": [ticket_view(ticket, for_agent=True) for ticket in found],
            "nextCursor": next_cursor,
        }
    )


@bp.get("/admin/files")
@agents_only
def files():
    """A page of uploaded files, newest first, of one ticket or all."""
    params = api.query(schemas.FilesQuery)
    found, next_cursor = uploads.list_files(
        current(), g.actor, params.ticketId, params.cursor, params.limit
    )
    return jsonify({"files": found, "nextCursor": next_cursor})


# Settings, accounts, blocklist, schema (admins)


@bp.get("/admin/settings")
@admins_only
def read_settings():
    """Branding, behaviour and AI settings; secrets only as ``…Set`` flags."""
    return jsonify(settings.read_all())


@bp.put("/admin/settings")
@admins_only
def write_settings():
    """Change some settings; the audit names the fields changed, never their values."""
    payload = api.json_payload(settings_schema.SettingsUpdate)
    changes = {  # the fields given replace the stored ones whole (nested defaults included)
        name: section.model_dump(include=section.model_fields_set)
        for name in payload.model_fields_set
        if (section := getattr(payload, name)) is not None
    }
    values = settings.update(changes)
    _audit("settings.update", None, {name: sorted(fields) for name, fields in changes.items()})
    return jsonify(values)


@bp.get("/admin/agents")
@admins_only
def list_agents():
    """Every agent and admin account, with when each was last seen and whether signed in."""
    return jsonify({"agents": listed_accounts()})


@bp.post("/admin/agents")
@admins_only
def create_agent():
    """Create an account."""
    payload = api.json_payload(schemas.AgentCreate)
    agent = agents.create_agent(payload.email, payload.name, payload.password, payload.role)
    _audit("agent.create", agent.id, {"email": agent.email, "role": agent.role})
    return jsonify({"agent": agents.account_view(agent)}), 201


@bp.patch("/admin/agents/<agent_id>")
@admins_only
def update_agent(agent_id: str):
    """Rename, change the role or password of, deactivate or reactivate an account."""
    payload = api.json_payload(schemas.AgentUpdate)
    agent = agents.update_agent(
        agent_id, payload.name, payload.role, payload.active, payload.password
    )
    _audit("agent.update", agent.id, {"fields": sorted(payload.model_dump(exclude_unset=True))})
    return jsonify({"agent": agents.account_view(agent)})


@bp.delete("/admin/agents/<agent_id>")
@admins_only
def delete_agent(agent_id: str):
    """Delete an account (never the last active admin)."""
    agents.delete_agent(agent_id)
    _audit("agent.delete", agent_id)
    return "", 204


@bp.get("/admin/blocklist")
@admins_only
def read_blocklist():
    """The stored entries, and those from the BLOCKLIST variable (read-only here)."""
    return jsonify(_blocklist())


@bp.put("/admin/blocklist")
@admins_only
def write_blocklist():
    """Replace the stored entries (addresses or networks, IPv4 or IPv6)."""
    payload = api.json_payload(schemas.BlocklistUpdate)
    pairs = [
        (entry, None) if isinstance(entry, str) else (entry.network, entry.note)
        for entry in payload.entries
    ]
    network.replace_entries(pairs, request.remote_addr)
    _audit("blocklist.update", None, {"entries": [entry for entry, _note in pairs]})
    return jsonify(_blocklist())


def _blocklist() -> dict[str, Any]:
    return {
        "entries": [
            {"network": entry.network, "note": entry.note, "createdAt": iso(entry.created_at)}
            for entry in network.stored_entries()
        ],
        "environment": list(current_app.config["BLOCKLIST"]),
    }


@bp.post("/admin/db/init")
@admins_only
def init_database():
    """Create or upgrade the schema to the newest revision; running it again changes nothing."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    with db.engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    _audit("db.init", revision)
    return jsonify({"status": "ok", "revision": revision})


@bp.post("/admin/settings/ai/test")
@admins_only
def test_ai():
    """Send one short prompt to the configured AI provider: ``{ok, model, latencyMs}``, or
    ``ok: false`` with the provider's error message."""
    target = ai.provider(settings.section("ai"), settings.secret("ai"), current_app.config)
    result = ai.check(target)
    _audit("settings.ai.test", None, {"ok": result["ok"]})
    return jsonify(result)
