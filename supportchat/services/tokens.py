"""Personal API tokens for scripts (PROTOCOL.md §3.7): shown once, kept only as a sha256,
revocable, and accepted as ``Authorization: Bearer`` acting as their owner with their role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from ..clock import iso, utcnow
from ..errors import AppError, not_found
from ..extensions import db
from ..models import Agent, ApiToken
from . import audit
from .actors import Actor
from .actors import agent as agent_actor

# What every token starts with: tells it apart from a JWT at the door, and lets secret
# scanners find leaked ones.
PREFIX = "sct_"
SHOWN_PREFIX = 12  # characters kept in clear to tell tokens apart in the list
# lastUsedAt is written at most this often per token: a busy script costs no write a request.
LAST_USED_EVERY = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_api_token(value: str) -> bool:
    """Whether a bearer value is one of ours (else it is a JWT)."""
    return value.startswith(PREFIX)


def create(
    creator: Actor, name: str, role: str, days: int, address: str | None
) -> tuple[ApiToken, str]:
    """A new token of ``creator`` (an admin account); the clear token is returned this once."""
    if db.session.get(Agent, creator.id) is None:
        raise AppError("forbidden", "Sign in with an admin account to create API tokens.")
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    stored = ApiToken(
        name=name,
        role=role,
        agent_id=creator.id,
        prefix=token[:SHOWN_PREFIX],
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(stored)
    db.session.commit()
    audit.record(creator.id, "token.create", stored.id, address, {"name": name, "role": role})
    return stored, token


def list_tokens() -> list[ApiToken]:
    """Every token, newest first."""
    return list(
        db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id))
    )


def revoke(actor: Actor, token_id: str, address: str | None) -> None:
    """Delete a token: it is refused from the next request on."""
    stored = db.session.get(ApiToken, token_id)
    if stored is None:
        raise not_found("token")
    db.session.delete(stored)
    db.session.commit()
    audit.record(actor.id, "token.revoke", token_id, address, {"name": stored.name})


def actor_for(token: str) -> Actor:
    """The actor a presented token acts as, or AppError ``unauthorized``: unknown, revoked,
    expired, or its owner deactivated. An admin token of an owner no longer admin acts as
    an agent."""
    now = utcnow()
    found = db.session.execute(
        select(ApiToken, Agent)
        .join(Agent, Agent.id == ApiToken.agent_id)
        .where(ApiToken.token_hash == _digest(token))
    ).first()
    if found is None or found[0].expires_at <= now or not found[1].active:
        raise AppError("unauthorized", "This API token is unknown, revoked or expired.")
    stored, owner = found
    if stored.last_used_at is None or stored.last_used_at < now - LAST_USED_EVERY:
        db.session.execute(  # one writer wins when several requests see it stale together
            update(ApiToken)
            .where(
                ApiToken.id == stored.id,
                or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at < now - LAST_USED_EVERY,
                ),
            )
            .values(last_used_at=now)
        )
        db.session.commit()
    role = "admin" if stored.role == owner.role == "admin" else "agent"
    return agent_actor(owner.id, role, owner.name)


def token_view(stored: ApiToken) -> dict[str, Any]:
    """What the list shows of a token (never the token or its hash)."""
    return {
        "id": stored.id,
        "name": stored.name,
        "role": stored.role,
        "prefix": stored.prefix,
        "createdAt": iso(stored.created_at),
        "lastUsedAt": iso(stored.last_used_at),
        "expiresAt": iso(stored.expires_at),
    }
