"""When agents were last seen, and whether they hold a session: read from the refresh tokens
the server issues at every sign-in and session renewal (no extra writes on any request)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..clock import iso, utcnow
from ..extensions import db
from ..models import AuthToken
from . import agents


def activity() -> dict[str, dict[str, Any]]:
    """Per agent id: ``lastSeenAt`` (the latest sign-in or session renewal, or None) and
    ``signedIn`` (a refresh token neither revoked, rotated nor expired)."""
    lifetime = timedelta(hours=current_app.config["REFRESH_TOKEN_HOURS"])
    refresh = (AuthToken.kind == "refresh", AuthToken.agent_id.is_not(None))
    latest = db.session.execute(
        select(AuthToken.agent_id, func.max(AuthToken.expires_at))
        .where(*refresh)
        .group_by(AuthToken.agent_id)
    ).all()
    live = set(
        db.session.scalars(
            select(AuthToken.agent_id)
            .where(
                *refresh,
                AuthToken.revoked_at.is_(None),
                AuthToken.rotated_at.is_(None),
                AuthToken.expires_at > utcnow(),
            )
            .distinct()
        )
    )
    return {
        agent_id: {"lastSeenAt": iso(expires - lifetime), "signedIn": agent_id in live}
        for agent_id, expires in latest
    }


def listed_accounts() -> list[dict[str, Any]]:
    """Every account as the admin API lists it: its view and its activity (never seen: no
    time, not signed in)."""
    seen = activity()
    never = {"lastSeenAt": None, "signedIn": False}
    return [
        {**agents.account_view(agent), **seen.get(agent.id, never)}
        for agent in agents.list_agents()
    ]
