"""Who is acting: a guest known by their clientId, or an agent known by a verified token."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from ..errors import AppError


@dataclass(frozen=True)
class Actor:
    """The caller of a service. Built only from verified credentials, never from a payload."""

    role: str  # guest | agent | admin
    id: str  # agent id, or a guest's public id (never the clientId itself)
    name: str
    client_key: str | None = None  # guests: sha256 of the clientId

    @property
    def is_agent(self) -> bool:
        """Agents and admins."""
        return self.role in ("agent", "admin")

    @property
    def side(self) -> str:
        """Which side of a conversation the actor is on: guest or agent."""
        return "agent" if self.is_agent else "guest"

    def sender(self) -> dict[str, str | None]:
        """The ``sender`` object of a message written by this actor; a customer's name is the
        ticket's customer label, which the store signs with (stores.signature)."""
        return {"id": self.id, "role": self.side, "name": self.name if self.is_agent else None}


def parse_client_id(value: object) -> str:
    """A guest clientId in canonical UUID form, or AppError ``invalid``."""
    if isinstance(value, str):
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.version == 4 and str(parsed) == value.lower():
            return str(parsed)
    raise AppError(
        "invalid",
        "clientId must be a version 4 UUID such as '1b4e28ba-2fa1-41d2-883f-0016d3cca427'.",
        {"field": "clientId"},
    )


def guest(client_id: str) -> Actor:
    """The actor for a guest; the clientId is a bearer secret, so only its hash is kept."""
    key = hashlib.sha256(client_id.encode()).hexdigest()
    return Actor(role="guest", id=f"guest-{key[:16]}", name=visitor_label(key), client_key=key)


def visitor_label(client_key: str) -> str:
    """The name agents see for an anonymous customer."""
    return f"Visitor {client_key[:4].upper()}"


def agent(agent_id: str, role: str, name: str) -> Actor:
    """The actor for an agent or admin whose token was verified."""
    return Actor(role=role, id=agent_id, name=name)


def require_agent(actor: Actor) -> None:
    """Refuse guests where only agents may act."""
    if not actor.is_agent:
        raise AppError("forbidden", "Only agents may do this.")
