"""The agents' inbox kept current after messages: at most one ``inbox:updated`` digest a
second per process, carrying every ticket with a message since the last one, as it is when
sent (PROTOCOL.md §4).

Every agent socket is in the room ``agents``, so one update per message (or per ticket) meant
frames to every agent growing with the traffic: with hundreds of agents connected, nearly all
the server sent (bench/RESULTS.md). A digest is one emit a second, encoded once for the whole
room, whatever the number of messages. Agents watching a ticket get its ``chat:message`` at
once; the inbox row follows within INTERVAL. Closing, assigning and reading still announce
``ticket:updated`` at once (tickets.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from ..extensions import socketio
from ..stores import Ticket, TicketStore
from .tickets import ticket_view

INTERVAL = 1.0

log = logging.getLogger(__name__)


def row(ticket: Ticket) -> dict[str, Any]:
    """A ticket as a row of the inbox (PROTOCOL.md §3.6)."""
    view = ticket_view(ticket, for_agent=True)
    customer = view["customer"]
    known = [
        str(value)
        for key, value in (customer.get("userIdentifier") or {}).items()
        if key in ("name", "email", "phone")
    ]
    return {
        "id": view["id"],
        "title": customer["label"],
        "participantLabel": " · ".join(known) or customer["label"],
        "lastMessageAt": view["lastMessageAt"],
        "lastMessagePreview": view["lastMessagePreview"],
        "unread": view["unread"],
        "status": view["status"],
        "assignee": view["assignee"],
        "labels": view["labels"],
        "waitingSince": view["waitingSince"],
        "previewSeq": view["previewSeq"],
    }


class InboxUpdates:
    """The inbox rows one application owes its agents: tickets with a message since the last
    digest. ``create_app`` builds one; services reach ``update_soon`` through the context."""

    def __init__(
        self,
        store: TicketStore,
        publish: Any,
        app_context: Callable[[], AbstractContextManager],
        rows: int,
    ) -> None:
        self._store, self._publish, self._app_context = store, publish, app_context
        self._rows = rows  # INBOX_DIGEST_ROWS: the most rows in one frame
        self._lock = threading.Lock()
        self._due: set[str] = set()
        self._scheduled = False

    def update_soon(self, ticket_id: str) -> None:
        """Put the ticket in the next digest, scheduling one unless it is already due."""
        with self._lock:
            self._due.add(ticket_id)
            if self._scheduled:
                return
            self._scheduled = True
        socketio.start_background_task(self._send_later)

    def _send_later(self) -> None:
        socketio.sleep(INTERVAL)
        with self._lock:
            due, self._due, self._scheduled = list(self._due), set(), False
        with self._app_context():
            for start in range(0, len(due), self._rows):
                try:
                    found = self._store.get_tickets(due[start : start + self._rows])
                except Exception:  # the store is down: the next message brings the rows up to date
                    log.warning(
                        "inbox digest skipped: the ticket store is unavailable", exc_info=True
                    )
                    return
                rows = [{**row(ticket), "lastSeq": ticket.last_seq} for ticket in found]
                self._publish.to_agents("inbox:updated", {"conversations": rows})
                socketio.sleep(0)  # let messages waiting meanwhile go before the next frame
