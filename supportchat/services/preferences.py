"""Each agent's own preferences (how the dashboard alerts them, whether they get email while
offline), kept in ``agents.preferences``; NULL or a missing key means the default."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import AppError
from ..extensions import db
from ..models import Agent

DEFAULTS: dict[str, bool] = {"sound": True, "desktop": False, "emailWhenOffline": False}


def read(agent_id: str) -> dict[str, bool]:
    """An agent's preferences, every key present (defaults filled in)."""
    return merged(_account(agent_id).preferences)


def change(agent_id: str, changes: dict[str, bool | None]) -> dict[str, bool]:
    """Store some of an agent's preferences (None restores a default); the others keep
    their values. Returns them all."""
    # Locked (PostgreSQL) so two tabs changing different keys at once both keep theirs.
    agent = _account(agent_id, lock=True)
    chosen = {key: value for key, value in (agent.preferences or {}).items() if key in DEFAULTS}
    chosen.update(changes)
    # Only explicit choices are kept: a key never chosen follows the default.
    agent.preferences = {key: value for key, value in chosen.items() if value is not None} or None
    db.session.commit()
    return merged(agent.preferences)


def _account(agent_id: str, lock: bool = False) -> Agent:
    query = select(Agent).where(Agent.id == agent_id)
    agent = db.session.scalar(query.with_for_update() if lock else query)
    if agent is None:
        raise AppError(
            "forbidden",
            "Preferences belong to an agent's account; this caller has none. Sign in as an "
            "agent, or use a personal API token (sct_…), which acts as its owner.",
        )
    return agent


def merged(stored: dict[str, Any] | None) -> dict[str, bool]:
    """Stored choices (``agents.preferences``, NULL for none) with the defaults filled in."""
    stored = stored or {}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}
