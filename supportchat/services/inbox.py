"""The agents' inbox kept current after messages: at most one ``ticket:updated`` per ticket
every INTERVAL seconds, carrying the ticket as it is when sent.

Every agent socket is in the room ``agents``, so one update per message meant one frame per
message to every agent: with hundreds of agents connected, nearly all the server sent
(bench/RESULTS.md). Agents watching a ticket get its ``chat:message`` at once; the inbox row
follows within INTERVAL. Closing, assigning and reading still announce at once (tickets.py).
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from typing import Any, Callable

from ..extensions import socketio
from ..stores import TicketStore
from . import tickets

INTERVAL = 1.0
READ_BATCH = 500  # tickets per read

log = logging.getLogger(__name__)


class InboxUpdates:
    """The inbox rows one application owes its agents: tickets with a message since their
    last update. ``create_app`` builds one; services reach ``update_soon`` through the context."""

    def __init__(self, store: TicketStore, publish: Any,
                 app_context: Callable[[], AbstractContextManager]) -> None:
        self._store, self._publish, self._app_context = store, publish, app_context
        self._lock = threading.Lock()
        self._due: set[str] = set()
        self._scheduled = False

    def update_soon(self, ticket_id: str) -> None:
        """Schedule the ticket's inbox update (a message was stored), unless one is due."""
        with self._lock:
            self._due.add(ticket_id)
            if self._scheduled:
                return
            self._scheduled = True
        socketio.start_background_task(self._send_later)

    def _send_later(self) -> None:
        socketio.sleep(INTERVAL)
        with self._lock:
            due, self._due, self._scheduled = self._due, set(), False
        with self._app_context():
            due_ids = list(due)
            for start in range(0, len(due_ids), READ_BATCH):
                try:
                    found = self._store.get_tickets(due_ids[start:start + READ_BATCH])
                except Exception:  # the store is down: the next message brings the rows up to date
                    log.warning("inbox update skipped: the ticket store is unavailable",
                                exc_info=True)
                    return
                for ticket in found:
                    self._publish.to_agents("ticket:updated",
                                            tickets.ticket_view(ticket, for_agent=True))
                    # Each update is a frame per agent: let the messages waiting meanwhile go
                    # first, rather than hold them for the whole second's worth of frames.
                    socketio.sleep(0)
