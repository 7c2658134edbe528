"""Fan-out of stored facts to connected clients; always called after the store has them."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any, Callable

from ..ops import metrics
from ..extensions import socketio

GUEST, AGENT = "/guest", "/agent"
AGENTS_ROOM = "agents"
# No client connects here: emits to it are long-poll wake-ups, carried like any other event.
WAKE_NAMESPACE = "/supportchat-wake"


def ticket_room(ticket_id: str) -> str:
    """The room of everyone watching one ticket."""
    return f"ticket:{ticket_id}"


def to_ticket(event: str, ticket_id: str, payload: Any, *, guests: bool = True,
              agents: bool = True) -> None:
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


class _Waiters:
    """Long polls of this process waiting for a ticket's next message."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._waiting: Counter[str] = Counter()
        self._released = False

    def wait(self, ticket_id: str, timeout: float, ready: Callable[[], bool]) -> bool:
        """Block this greenlet until ``ready()`` is true, checking it again whenever the ticket
        gets a message, for at most ``timeout`` seconds; return the last ``ready()``."""
        deadline = time.monotonic() + timeout
        self._waiting[ticket_id] += 1
        metrics.LONG_POLLS_WAITING.inc()
        try:
            while True:
                # Listen before checking, so a message stored during the check still wakes us.
                event = self._events.setdefault(ticket_id, threading.Event())
                if ready():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._released:
                    return False
                event.wait(remaining)
        finally:
            metrics.LONG_POLLS_WAITING.dec()
            self._waiting[ticket_id] -= 1
            if not self._waiting[ticket_id]:  # the last one out forgets the ticket
                del self._waiting[ticket_id]
                self._events.pop(ticket_id, None)

    def wake(self, ticket_id: str) -> None:
        """Release every long poll waiting on the ticket."""
        event = self._events.pop(ticket_id, None)
        if event is not None:
            event.set()

    def release_all(self) -> None:
        """Answer every long poll now, and later ones at once: the process is stopping."""
        self._released = True
        for ticket_id in list(self._events):
            self.wake(ticket_id)


waiters = _Waiters()


def message_stored(ticket_id: str) -> None:
    """Count a newly stored message and wake the long polls waiting on its ticket."""
    metrics.MESSAGES_STORED.inc()
    ticket_changed(ticket_id)


def ticket_changed(ticket_id: str) -> None:
    """Wake the long polls waiting on the ticket, in every process, to answer with its news:
    the client manager turns this emit into ``waiters.wake`` wherever it arrives (fanout.py)."""
    socketio.emit("wake", ticket_id, namespace=WAKE_NAMESPACE)
