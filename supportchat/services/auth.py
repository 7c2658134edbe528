"""Agent tokens: issuing them at login, revoking them, and turning verified claims into actors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError
from sqlalchemy import select, update

from ..clock import utcnow
from ..errors import AppError
from ..extensions import db, jwt
from ..models import Agent, AuthToken
from . import audit
from .actors import Actor
from .actors import agent as agent_actor


class RefreshSubject(str):
    """An agent id on its way into a refresh token. flask-jwt-extended hands the key loader
    only the identity, so its type is what says "sign with AUTH_REFRESH_SECRET"."""


@jwt.encode_key_loader
def _signing_key(identity: Any) -> str:
    return current_app.config[
        "AUTH_REFRESH_SECRET" if isinstance(identity, RefreshSubject) else "JWT_SECRET"
    ]


@jwt.decode_key_loader
def _verifying_key(_header: dict[str, Any], unverified: dict[str, Any]) -> str:
    # The key is chosen by the unverified type claim, which that key's signature then covers:
    # only AUTH_REFRESH_SECRET can make a token that passes as a refresh token.
    return current_app.config[
        "AUTH_REFRESH_SECRET" if unverified.get("type") == "refresh" else "JWT_SECRET"
    ]


def issue_tokens(agent: Agent, family: str | None = None) -> tuple[str, str]:
    """A new access token and a refresh token of ``family`` (a new family at login)."""
    claims = {"role": agent.role, "name": agent.name}
    family = family or uuid.uuid4().hex
    access = create_access_token(identity=agent.id, additional_claims={**claims, "fam": family})
    refresh = create_refresh_token(
        identity=RefreshSubject(agent.id), additional_claims={**claims, "fam": family}
    )
    payload = decode_token(refresh)
    db.session.add(
        AuthToken(
            jti=payload["jti"],
            family=family,
            agent_id=agent.id,
            kind="refresh",
            expires_at=_moment(payload["exp"]),
        )
    )
    db.session.commit()
    return access, refresh


def revoke(payload: dict[str, Any], address: str | None = None, reason: str = "signout") -> None:
    """Revoke a token and every other token of its family (audited as ``auth.revoke``)."""
    now = utcnow()
    family = payload.get("fam") or payload["jti"]
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.family == family, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if db.session.get(AuthToken, payload["jti"]) is None:
        db.session.add(
            AuthToken(
                jti=payload["jti"],
                family=family,
                agent_id=payload.get("sub"),
                kind=payload.get("type", "access"),
                expires_at=_moment(payload["exp"]),
                revoked_at=now,
            )
        )
    db.session.commit()
    audit.record(
        payload.get("sub") or "unknown",
        "auth.revoke",
        family,
        address,
        {"reason": reason, "jti": payload["jti"]},
    )


def revoke_agent(agent_id: str) -> None:
    """Revoke every token family of an agent (deactivated, demoted or given a new password)."""
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.agent_id == agent_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()


def is_revoked(payload: dict[str, Any]) -> bool:
    """Whether the token, or its family, has been revoked."""
    family = payload.get("fam") or payload["jti"]
    stmt = (
        select(AuthToken.jti)
        .where(AuthToken.family.in_((family, payload["jti"])), AuthToken.revoked_at.is_not(None))
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


@jwt.token_in_blocklist_loader
def _refused_as_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    # Every verify_jwt_in_request (pages, API) refuses tokens revoked at sign-out or reuse.
    return is_revoked(payload)


STAFF_ROLES = ("agent", "admin")


def check_role(payload: dict[str, Any]) -> None:
    """The one role check of every door: a correctly signed token of any other role (or
    none) is refused with AppError ``unauthorized``."""
    if payload.get("role") not in STAFF_ROLES:
        raise AppError("unauthorized", "Sign in again: this token carries no agent role.")


def actor_from_claims(payload: dict[str, Any]) -> Actor:
    """The agent behind verified claims of an agent or admin (``check_role``)."""
    check_role(payload)
    return agent_actor(payload["sub"], payload["role"], payload["name"])


def verify_access_token(token: str) -> dict[str, Any]:
    """Claims of a valid, unrevoked agent access token, or AppError ``unauthorized``."""
    try:
        payload = decode_token(token)
    except (PyJWTError, JWTExtendedException):
        payload = None
    if payload is None or payload.get("type") != "access" or is_revoked(payload):
        raise AppError(
            "unauthorized", "Sign in again: the session token is missing, invalid or expired."
        )
    check_role(payload)
    return payload


def _moment(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def rotate(payload: dict[str, Any], address: str | None = None) -> tuple[Agent, str, str]:
    """Trade a verified refresh token for a new pair in the same family. A token used twice
    means it was stolen: the whole family is revoked and the caller must sign in again."""
    refused = AppError("unauthorized", "Sign in again: this refresh token is no longer valid.")
    # One atomic claim: of two requests racing with the same token, only one rotates it.
    claimed = db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.jti == payload["jti"],
            AuthToken.kind == "refresh",
            AuthToken.revoked_at.is_(None),
            AuthToken.rotated_at.is_(None),
        )
        .values(rotated_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        record = db.session.get(AuthToken, payload["jti"])
        if record is not None and record.revoked_at is None:
            revoke(payload, address, reason="reuse")
        raise refused
    agent = db.session.get(Agent, payload["sub"])
    if agent is None or not agent.active:
        raise refused
    family = payload.get("fam") or payload["jti"]
    access, refresh = issue_tokens(agent, family=family)
    audit.record(agent.id, "auth.refresh", family, address, {"jti": payload["jti"]})
    return agent, access, refresh
