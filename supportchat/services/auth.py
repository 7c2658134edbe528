"""Agent tokens: issuing them at login, revoking them, and turning verified claims into actors."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from jwt import PyJWTError
from flask_jwt_extended.exceptions import JWTExtendedException
from sqlalchemy import select, update

from ..clock import utcnow
from ..errors import AppError
from ..extensions import db
from ..models import Agent, AuthToken
from .actors import Actor
from .actors import agent as agent_actor


def issue_tokens(agent: Agent, family: str | None = None) -> tuple[str, str]:
    """A new access token and a refresh token of ``family`` (a new family at login)."""
    claims = {"role": agent.role, "name": agent.name}
    family = family or uuid.uuid4().hex
    access = create_access_token(identity=agent.id, additional_claims={**claims, "fam": family})
    refresh = create_refresh_token(identity=agent.id, additional_claims={**claims, "fam": family})
    payload = decode_token(refresh)
    db.session.add(AuthToken(jti=payload["jti"], family=family, agent_id=agent.id, kind="refresh",
                             expires_at=_moment(payload["exp"])))
    db.session.commit()
    return access, refresh


def revoke(payload: dict[str, Any]) -> None:
    """Revoke a token and every other token of its family."""
    now = utcnow()
    family = payload.get("fam") or payload["jti"]
    db.session.execute(update(AuthToken).where(AuthToken.family == family,
                                               AuthToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    if db.session.get(AuthToken, payload["jti"]) is None:
        db.session.add(AuthToken(jti=payload["jti"], family=family, agent_id=payload.get("sub"),
                                 kind=payload.get("type", "access"),
                                 expires_at=_moment(payload["exp"]), revoked_at=now))
    db.session.commit()


def is_revoked(payload: dict[str, Any]) -> bool:
    """Whether the token, or its family, has been revoked."""
    family = payload.get("fam") or payload["jti"]
    stmt = select(AuthToken.jti).where(AuthToken.family.in_((family, payload["jti"])),
                                       AuthToken.revoked_at.is_not(None)).limit(1)
    return db.session.scalar(stmt) is not None


def actor_from_claims(payload: dict[str, Any]) -> Actor:
    """The agent behind verified claims."""
    return agent_actor(payload["sub"], payload["role"], payload["name"])


def verify_access_token(token: str) -> dict[str, Any]:
    """Claims of a valid, unrevoked agent access token, or AppError ``unauthorized``."""
    try:
        payload = decode_token(token)
    except (PyJWTError, JWTExtendedException):
        payload = None
    if (payload is None or payload.get("type") != "access" or is_revoked(payload)
            or payload.get("role") not in ("agent", "admin")):
        raise AppError("unauthorized", "Sign in again: the session token is missing, invalid "
                       "or expired.")
    return payload


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)


def rotate(payload: dict[str, Any]) -> tuple[Agent, str, str]:
    """Trade a verified refresh token for a new pair in the same family. A token used twice
    means it was stolen: the whole family is revoked and the caller must sign in again."""
    record = db.session.get(AuthToken, payload["jti"])
    refused = AppError("unauthorized", "Sign in again: this refresh token is no longer valid.")
    if record is None or record.revoked_at is not None:
        raise refused
    if record.rotated_at is not None:
        revoke(payload)
        raise refused
    agent = db.session.get(Agent, payload["sub"])
    if agent is None or not agent.active:
        raise refused
    record.rotated_at = utcnow()
    access, refresh = issue_tokens(agent, family=record.family)
    return agent, access, refresh
