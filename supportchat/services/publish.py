"""Fan-out of stored facts to connected clients; always called after the store has them."""

from __future__ import annotations

import threading
from typing import Any

from ..extensions import socketio

GUEST, AGENT = "/guest", "/agent"
AGENTS_ROOM = "agents"


def ticket_room(ticket_id: str) -> str:
    """The room of everyone watching one ticket."""
    return f"ticket:{ticket_id}"


def to_ticket(event: str, ticket_id: str, payload: Any, *, guests: bool = True,
              skip_sid: str | None = None) -> None:
    """Emit to the ticket's room in the agent namespace and, unless ``guests`` is False, the guest one."""
    room = ticket_room(ticket_id)
    socketio.emit(event, payload, to=room, namespace=AGENT, skip_sid=skip_sid)
    if guests:
        socketio.emit(event, payload, to=room, namespace=GUEST, skip_sid=skip_sid)


def to_guests(event: str, ticket_id: str, payload: Any) -> None:
    """Emit to the guest side of a ticket's room only."""
    socketio.emit(event, payload, to=ticket_room(ticket_id), namespace=GUEST)


def to_agents(event: str, payload: Any) -> None:
    """Emit to every connected agent."""
    socketio.emit(event, payload, to=AGENTS_ROOM, namespace=AGENT)


class _Waiters:
    """Long polls of this process waiting for a ticket's next message."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}

    def wait(self, ticket_id: str, timeout: float) -> None:
        """Block this greenlet until the ticket gets a message or ``timeout`` seconds pass."""
        self._events.setdefault(ticket_id, threading.Event()).wait(timeout)

    def wake(self, ticket_id: str) -> None:
        """Release every long poll waiting on the ticket."""
        event = self._events.pop(ticket_id, None)
        if event is not None:
            event.set()


waiters = _Waiters()


def message_stored(ticket_id: str, seq: int) -> None:
    """Wake the long polls waiting on the ticket."""
    waiters.wake(ticket_id)
