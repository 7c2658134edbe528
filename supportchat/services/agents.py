"""Agent and admin accounts: creating them, checking passwords, the first admin."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import AppError, not_found
from ..extensions import db
from ..models import Agent

ROLES = ("agent", "admin")
MIN_PASSWORD = 8
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# Checked against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def create_agent(email: str, name: str, password: str, role: str = "agent") -> Agent:
    """Create an account; AppError ``invalid`` or ``conflict`` says what to fix."""
    email = email.strip().lower()
    name = name.strip()
    if not _EMAIL.match(email) or len(email) > 254:
        raise AppError("invalid", "Enter a valid email address.", {"field": "email"})
    if not 1 <= len(name) <= 100:
        raise AppError("invalid", "The name must be 1 to 100 characters.", {"field": "name"})
    if role not in ROLES:
        raise AppError("invalid", "The role must be agent or admin.", {"field": "role"})
    if len(password) < MIN_PASSWORD:
        raise AppError("invalid", f"The password must be at least {MIN_PASSWORD} characters.",
                       {"field": "password"})
    if db.session.scalar(select(Agent.id).where(Agent.email == email)):
        raise AppError("conflict", f"An account for {email} already exists.", {"field": "email"})
    agent = Agent(email=email, name=name, role=role, active=True,
                  password_hash=generate_password_hash(password))
    db.session.add(agent)
    db.session.commit()
    return agent


def authenticate(email: str, password: str) -> Agent | None:
    """The active account with this email and password, else None (same cost either way)."""
    agent = db.session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None:
        check_password_hash(_DUMMY_HASH, password)
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
