"""Fan-out of stored facts to connected clients and long polls; always called after the
store has them."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..extensions import socketio
from ..ops import metrics
from .waker import waiters  # noqa: F401  (services wait on them through the context)

GUEST, AGENT = "/guest", "/agent"
AGENTS_ROOM = "agents"


def ticket_room(ticket_id: str) -> str:
    """The room of everyone watching one ticket."""
    return f"ticket:{ticket_id}"


def to_ticket(
    event: str, ticket_id: str, payload: Any, *, guests: bool = True, agents: bool = True
) -> None:
    """Emit to the ticket's room in the agent namespace, the guest one, or both."""
    room = ticket_room(ticket_id)
    if agents:
        socketio.emit(event, payload, to=room, namespace=AGENT)
    if guests:
        socketio.emit(event, payload, to=room, namespace=GUEST)


def to_guests(event: str, ticket_id: str, payload: Any) -> None:
    """Emit to the guest side of a ticket's room only."""
    socketio.emit(event, payload, to=ticket_room(ticket_id), namespace=GUEST)


def to_agents(event: str, payload: Any) -> None:
    """Emit to every connected agent."""
    socketio.emit(event, payload, to=AGENTS_ROOM, namespace=AGENT)


def message_stored(ticket_id: str) -> None:
    """Count a newly stored message and wake the long polls waiting on its ticket."""
    metrics.MESSAGES_STORED.inc()
    ticket_changed(ticket_id)


def agent_typing(ticket_id: str, typing: bool) -> None:
    """Let long polls in every process report whether an agent is typing (``agentTyping``)."""
    current_app.extensions["supportchat.waker"].agent_typing(ticket_id, typing)


def ticket_changed(ticket_id: str) -> None:
    """Wake the long polls waiting on the ticket, in every process, to answer with its news."""
    current_app.extensions["supportchat.waker"].wake(ticket_id)
