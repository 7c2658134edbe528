"""Agent and admin accounts: creating them, checking passwords, the first admin."""

from __future__ import annotations

import functools
import re
import secrets
from typing import Any

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import iso
from ..errors import AppError, not_found
from ..extensions import db
from ..models import Agent
from . import auth

ROLES = ("agent", "admin")
MIN_PASSWORD = 8
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches, checked when the email is unknown so both failures take
    the same time; made when first needed (hashing takes a tenth of a second, which every
    process start would pay)."""
    return generate_password_hash(secrets.token_hex(16))


def create_agent(email: str, name: str, password: str, role: str = "agent") -> Agent:
    """Create an account; AppError ``invalid`` or ``conflict`` says what to fix."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise AppError("invalid", "Enter a valid email address.", {"field": "email"})
    name, role, password = _checked_name(name), _checked_role(role), _checked_password(password)
    if db.session.scalar(select(Agent.id).where(Agent.email == email)):
        raise AppError("conflict", f"An account for {email} already exists.", {"field": "email"})
    agent = Agent(
        email=email,
        name=name,
        role=role,
        active=True,
        password_hash=generate_password_hash(password),
    )
    db.session.add(agent)
    db.session.commit()
    return agent


def _checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise AppError("invalid", "The name must be 1 to 100 characters.", {"field": "name"})
    return name


def _checked_role(role: str) -> str:
    if role not in ROLES:
        raise AppError("invalid", "The role must be agent or admin.", {"field": "role"})
    return role


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AppError(
            "invalid",
            f"The password must be at least {MIN_PASSWORD} characters.",
            {"field": "password"},
        )
    return password


def authenticate(email: str, password: str) -> Agent | None:
    """The active account with this email and password, else None (same cost either way)."""
    agent = db.session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(agent.password_hash, password) or not agent.active:
        return None
    return agent


def active_agent(agent_id: str) -> Agent:
    """An active account by id, or AppError ``not_found``."""
    agent = db.session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise not_found("agent")
    return agent


def ensure_first_admin(email: str | None, password: str | None) -> tuple[str, str] | None:
    """On an empty database create the first admin (a random password when none is given);
    return its credentials when one was created."""
    if db.session.scalar(select(func.count()).select_from(Agent)):
        return None
    email = email or "admin@example.com"
    password = password or secrets.token_urlsafe(12)
    create_agent(email, "Admin", password, role="admin")
    return email, password


def list_agents() -> list[Agent]:
    """Every account, oldest first."""
    return list(db.session.scalars(select(Agent).order_by(Agent.created_at, Agent.id)))


def update_agent(
    agent_id: str,
    name: str | None = None,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> Agent:
    """Change an account. Deactivating, demoting or a new password signs it out everywhere;
    the last active admin can be neither demoted nor deactivated (``conflict``)."""
    agent = db.session.get(Agent, agent_id)
    if agent is None:
        raise not_found("agent")
    name = agent.name if name is None else _checked_name(name)
    role = agent.role if role is None else _checked_role(role)
    if password is not None:
        agent.password_hash = generate_password_hash(_checked_password(password))
    if agent.role == "admin" and agent.active and (role == "agent" or active is False):
        _keep_an_admin(agent.id)
    signs_out = (
        (role == "agent" and agent.role == "admin")
        or (active is False and agent.active)
        or password is not None
    )
    agent.name, agent.role = name, role
    agent.active = agent.active if active is None else active
    db.session.commit()
    if signs_out:
        auth.revoke_agent(agent.id)
    return agent


def delete_agent(agent_id: str) -> None:
    """Delete an account and revoke its tokens; never the last active admin (``conflict``)."""
    agent = db.session.get(Agent, agent_id)
    if agent is None:
        raise not_found("agent")
    if agent.role == "admin" and agent.active:
        _keep_an_admin(agent.id)
    db.session.delete(agent)
    db.session.commit()
    auth.revoke_agent(agent_id)


def _keep_an_admin(leaving_id: str) -> None:
    # Lock every active admin row (PostgreSQL), so two admins demoting each other at once
    # cannot both succeed; SQLite serializes writers anyway.
    admins = db.session.scalars(
        select(Agent.id).where(Agent.role == "admin", Agent.active.is_(True)).with_for_update()
    ).all()
    if not set(admins) - {leaving_id}:
        db.session.rollback()
        raise AppError(
            "conflict", "This is the last active admin; make someone else an admin first."
        )


def account_view(agent: Agent) -> dict[str, Any]:
    """An account as the admin API shows it (never the password hash)."""
    return {
        "id": agent.id,
        "email": agent.email,
        "name": agent.name,
        "role": agent.role,
        "active": agent.active,
        "createdAt": iso(agent.created_at),
    }
